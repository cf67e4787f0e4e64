#!/usr/bin/env bash
# Benchmark (issue 8): bench/run.sh demo|province|national [--scaling 1,2,4,8] [--no-incremental]
# Installs the locked environment like ./run.sh, then measures; see bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export NO_MKDOCS_2_WARNING=1 DBT_SEND_ANONYMOUS_USAGE_STATS=false DAGSTER_DISABLE_TELEMETRY=1 DO_NOT_TRACK=1
if command -v uv >/dev/null 2>&1; then UV=uv; else python3 -m pip install --quiet uv; UV="python3 -m uv"; fi
$UV sync --frozen --python 3.11 --quiet --compile-bytecode  # see ../run.sh
$UV run --frozen python -m compileall -q -j 0 orchestration >/dev/null
exec $UV run --frozen python bench/bench.py "$@"
