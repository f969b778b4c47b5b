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
# Before/after against another build, interleaved (BENCH_BEFORE=<build dir of the older tree>).
if [ -n "${BENCH_BEFORE:-}" ]; then
  bash bench/compare.sh "$BENCH_BEFORE" "$build" models/small_cnn_mtj.sxvm 10000 3
  bash bench/compare.sh "$BENCH_BEFORE" "$build" models/resnet20_cifar.sxvm 200 3
fi
if [ -x "$build/bench/bench_riscv" ]; then "$build/bench/bench_riscv" 1000; fi
PYTHONPATH=. /usr/bin/python3 bench/bench_training.py --threads 1 --rounds 3
