#!/usr/bin/env bash
# Runs every benchmark (make bench): a few minutes. Figures and the commands that produced them
# are recorded in bench/RESULTS.md.
set -euo pipefail
build=${1:-build}
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
"$build/bench/bench_bus"
"$build/bench/bench_core"
"$build/bench/bench_fp"
"$build/bench/bench_network" models/small_cnn_mtj.sxvm 10000
if [ -x "$build/bench/bench_riscv" ]; then "$build/bench/bench_riscv" 1000; fi
PYTHONPATH=. /usr/bin/python3 bench/bench_training.py --threads 1 --rounds 3
