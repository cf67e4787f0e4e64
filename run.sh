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
    $UV sync --frozen --python 3.11 --quiet
}

case "${1:-demo}" in
    demo)
        install
        $UV run greenpark demo
        $UV run greenpark run
        ;;
    test)
        install
        shift || true
        $UV run pytest -q "$@"
        ;;
    *)
        echo "usage: ./run.sh [demo|test [pytest args]]" >&2
        exit 2
        ;;
esac
