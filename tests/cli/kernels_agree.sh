#!/usr/bin/env bash
# Runs the shipped small CNN (MTJ converters) on 200 images under every kernel version this CPU
# supports and checks that logits and report (every number but the host's wall time and
# speed) are identical to the scalar version's. A version the CPU lacks must be refused.
#   kernels_agree.sh <stoxvp> <source dir>
set -euo pipefail
stoxvp=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() {
  "$stoxvp" --kernels "$1" --config "$src/configs/default.json" --model "$src/models/small_cnn_mtj.sxvm" -n 200 -q \
    --no-vcd --no-power --logits-out "$tmp/$1.bin" --report "$tmp/$1.json" > "$tmp/$1.out" 2>&1
}
run scalar
ran=0
for k in avx2 avx512; do
  if run "$k"; then
    cmp "$tmp/scalar.bin" "$tmp/$k.bin" || { echo "FAIL: $k logits differ from scalar"; exit 1; }
    /usr/bin/python3 - "$tmp/scalar.json" "$tmp/$k.json" <<'PY' || exit 1
import json, sys
def strip(x):
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items() if k not in ("wall_time_s", "host_mips")}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x
a, b = (strip(json.load(open(p))) for p in sys.argv[1:3])
if a != b:
    print("FAIL: reports differ:", sys.argv[2]); sys.exit(1)
PY
    echo "$k: same logits and report as scalar"
    ran=$((ran + 1))
  else
    grep -q "this CPU cannot run the $k kernels" "$tmp/$k.out" || { echo "FAIL: $k neither ran nor was refused:"; cat "$tmp/$k.out"; exit 1; }
    echo "$k: refused on this CPU ($(cat "$tmp/$k.out" | head -1))"
  fi
done
echo "PASS: $ran vector version(s) compared"
