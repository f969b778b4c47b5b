#!/bin/sh
# The firmware SDK end to end: installs the build into a scratch prefix, builds tests/sdk/app out
# of tree with the installed toolchain file, runs it with the installed stoxvp on the ISS, and
# debugs it with gdb-multiarch when that is installed.
#   check_sdk.sh <build dir> <source dir> <scratch dir>
set -eu
build=$1 src=$2 scratch=$3
rm -rf "$scratch"
cmake --install "$build" --prefix "$scratch/prefix" > /dev/null
sdk=$scratch/prefix/share/stoxvp/sdk/riscv
cmake -S "$src/tests/sdk/app" -B "$scratch/app" -DCMAKE_TOOLCHAIN_FILE="$sdk/toolchain.cmake" \
  -DCMAKE_BUILD_TYPE=Debug > "$scratch/configure.log"
cmake --build "$scratch/app" > "$scratch/build.log"
"$scratch/prefix/bin/stoxvp" --elf "$scratch/app/sdk_example.elf" --no-vcd --no-power \
  --report "$scratch/run.json" > "$scratch/run.log" 2>&1 || { cat "$scratch/run.log"; exit 1; }
grep -E "sdk_example: accelerator found" "$scratch/run.log"
if command -v gdb-multiarch > /dev/null; then
  STOXVP_SOURCE_DIR=$src sh "$src/tests/gdb/run_gdb.sh" "$scratch/prefix/bin/stoxvp" "$scratch/app/sdk_example.elf" \
    "$src/tests/sdk/debug.gdb" "$scratch/gdb" -- --elf "$scratch/app/sdk_example.elf"
fi
echo "check_sdk.sh: built out of tree against $sdk, ran and debugged"
