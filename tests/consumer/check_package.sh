#!/usr/bin/env bash
# Installs the built project into a scratch prefix and builds and runs a foreign SoC against it
# with find_package(stoxvp): the integrator's path, end to end. The SoC links stoxvp::hw alone;
# its CMakeLists fails if that pulls the platform or Unicorn. A second configure asks for the
# platform component and checks it arrives.
set -euo pipefail
build_dir=$1 source_dir=$2 scratch=$3
rm -rf "$scratch"
cmake --install "$build_dir" --prefix "$scratch/prefix" > /dev/null
cmake -S "$source_dir/tests/consumer" -B "$scratch/build" -DCMAKE_PREFIX_PATH="$scratch/prefix" > /dev/null
cmake --build "$scratch/build" -j 2 > /dev/null
cmake -S "$source_dir/tests/consumer" -B "$scratch/build_platform" -DCMAKE_PREFIX_PATH="$scratch/prefix" \
  -DSTOXVP_CONSUMER_PLATFORM=ON > /dev/null
SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 "$scratch/build/consumer_soc"
