#!/usr/bin/env bash
# Runs every benchmark (make bench). Figures and the commands that produced them are recorded
# in bench/RESULTS.md.
set -euo pipefail
build=${1:-build}
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
"$build/bench/bench_bus"
"$build/bench/bench_core"
