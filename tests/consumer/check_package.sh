#!/usr/bin/env bash
# Installs the built project into a scratch prefix and builds and runs a foreign SoC against it
# with find_package(stoxvp): the integrator's path, end to end.
set -euo pipefail
build_dir=$1 source_dir=$2 scratch=$3
rm -rf "$scratch"
cmake --install "$build_dir" --prefix "$scratch/prefix" > /dev/null
cmake -S "$source_dir/tests/consumer" -B "$scratch/build" -DCMAKE_PREFIX_PATH="$scratch/prefix" > /dev/null
cmake --build "$scratch/build" -j 2 > /dev/null
SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 "$scratch/build/consumer_soc"
