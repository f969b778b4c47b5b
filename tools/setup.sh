#!/usr/bin/env bash
# Installs, idempotently, every Debian package stoxvp needs to build, test and run.
# Fast path: when everything is present it only queries dpkg and exits.
set -euo pipefail

PACKAGES=(
  # build
  g++ make cmake pkg-config
  # simulation and C++ libraries
  libsystemc-dev libboost-program-options-dev libgtest-dev nlohmann-json3-dev zlib1g-dev
  # RISC-V firmware and the instruction-set simulator
  libunicorn-dev gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf
  gdb-multiarch  # debugging RV32 firmware through stoxvp --gdb (tests/gdb)
  # data set and training tool (run with /usr/bin/python3)
  dataset-fashion-mnist python3-torch python3-numpy
  # an optimised BLAS for torch and numpy (Debian's default libblas is the reference one)
  libopenblas0-pthread
  # VCD checking (vcd2fst / fst2vcd)
  gtkwave
  # fuzzing (libFuzzer) and the sanitizer runtimes of clang (make fuzz, .ci/run)
  clang libclang-rt-14-dev
  # design-space exploration (issue 16): the Python API's tests, sweeps on Snakemake (locally or
  # on Slurm), HTML pages with plotly, checked in headless Chromium
  python3-pytest python3-yaml python3-plotly snakemake slurm-wlm munge chromium
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "stoxvp setup: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "stoxvp setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q "${missing[@]}"
