#!/usr/bin/env bash
# The include graph reads downwards (docs/architecture.md, "Layers"): the accelerator and the
# shared infrastructure never include the board, the bus, the CPUs, the C API or the tools, and
# devices know their own registers, not the board's memory map. Prints every offending line.
set -uo pipefail
src=$1
bad=0
check() {  # check <what> <extended regex of forbidden includes> <folder>...
  local what=$1 forbidden=$2 hits dirs=()
  shift 2
  for d in "$@"; do dirs+=("$src/$d"); done
  hits=$(grep -rnE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[\"<]($forbidden)" "${dirs[@]}")
  if [[ -n $hits ]]; then
    echo "layering: $what:"
    echo "$hits"
    bad=1
  fi
}
check "hw/ includes the platform layer" 'tlm/|c_api/|tools/|memory_map\.h' hw
check "common/ includes a layer above it" 'hw/|tlm/|c_api/|tools/' common
check "a device includes the board's memory map" 'tlm/platform/|memory_map\.h|\.\./platform/' tlm/devices
check "the bus, memories or CPUs include the board" 'tlm/platform/|c_api/|tools/' tlm/bus tlm/memory tlm/cpu
[[ $bad == 0 ]] && echo "layering: ok"
exit $bad
