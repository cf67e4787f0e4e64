#!/usr/bin/env bash
# Fresh machine → demo province → full pipeline → public site.
#   ./run.sh           install, generate the demo province, run the whole pipeline in Dagster
#   ./run.sh test      install and run the test suite (what CI runs)
set -euo pipefail
cd "$(dirname "$0")"
export NO_MKDOCS_2_WARNING=1 DBT_SEND_ANONYMOUS_USAGE_STATS=false DAGSTER_DISABLE_TELEMETRY=1 DO_NOT_TRACK=1

install() {
    if command -v uv >/dev/null 2>&1; then UV=uv; else
        python3 -m pip install --quiet uv
        UV="python3 -m uv"
    fi
    # Bytecode compiled once at install: this environment sets PYTHONDONTWRITEBYTECODE, and
    # without .pyc files every process (CLI, dbt, tests) recompiles its imports (~8 s each).
    $UV sync --frozen --python 3.11 --quiet --compile-bytecode
    $UV run --frozen python -m compileall -q -j 0 orchestration >/dev/null
}

# Debian packages the tests drive for real: a browser for the site and the portal (Playwright
# drives /usr/bin/chromium; no browser is ever downloaded), pdftotext for
# printed reports, CJK fonts, and a PostgreSQL server for Dagster's shared-deployment storage mode.
install_test_system_packages() {
    local missing=()
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
    fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing+=(fonts-noto-cjk)
    compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null || missing+=(postgresql)
    if [ ${#missing[@]} -gt 0 ]; then
        local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
}

case "${1:-demo}" in
    demo)
        install
        $UV run greenpark demo
        $UV run greenpark run
        # Second round, as bureaus do: corrected files for the rejected ones and one revision.
        $UV run greenpark demo --resubmit
        $UV run greenpark run
        ;;
    test)
        install
        install_test_system_packages
        shift || true
        $UV run --frozen ruff check .     # lint first: seconds, and a failure names the line
        $UV run --frozen lint-imports     # dependencies point down (layers in pyproject.toml)
        $UV run --frozen sqlfluff lint dbt_project/models dbt_project/tests   # dbt SQL (.sqlfluff)
        $UV run --frozen pytest -q "$@"
        ;;
    *)
        echo "usage: ./run.sh [demo|test [pytest args]]" >&2
        exit 2
        ;;
esac
