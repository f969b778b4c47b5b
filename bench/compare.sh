#!/usr/bin/env bash
# Interleaved before/after comparison of whole runs on a shared, noisy machine: runs the stoxvp
# of two builds alternately (before, after, before, after, ...), each run's process CPU time
# (user + sys) and wall time from /usr/bin/time, and prints each side's runs and medians and
# the speed-up of the medians. Fails when the two builds' logits differ in any bit.
#   bench/compare.sh <before build dir> <after build dir> <model> <images> [rounds] [extra stoxvp options...]
set -euo pipefail
before=$1 after=$2 model=$3 images=$4 rounds=${5:-3}
shift $(( $# < 5 ? $# : 5 ))
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
one() {  # one <side> <build> <round>
  /usr/bin/time -f "%U %S %e" -o "$tmp/$1.$3.time" "$2/tools/stoxvp" --model "$model" -n "$images" -q --no-vcd \
    --no-power --report "$tmp/$1.json" --logits-out "$tmp/$1.$3.bin" "${@:4}" > "$tmp/$1.$3.out"
}
for r in $(seq 1 "$rounds"); do
  one before "$before" "$r"
  one after "$after" "$r" "$@"
  cmp -s "$tmp/before.$r.bin" "$tmp/after.$r.bin" || { echo "FAIL: logits differ (round $r)"; exit 1; }
done
/usr/bin/python3 - "$tmp" "$rounds" "$model" "$images" <<'PY'
import statistics, sys
tmp, rounds, model, images = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
res = {}
for side in ("before", "after"):
    cpu, wall = [], []
    for r in range(1, rounds + 1):
        u, s, e = map(float, open(f"{tmp}/{side}.{r}.time").read().split()[-3:])
        cpu.append(u + s); wall.append(e)
    res[side] = (cpu, wall)
    print(f"  {side:6s} CPU {' '.join(f'{c:7.2f}' for c in cpu)} s  median {statistics.median(cpu):7.2f} s;"
          f"  wall {' '.join(f'{w:7.2f}' for w in wall)} s  median {statistics.median(wall):7.2f} s")
b, a = res["before"], res["after"]
print(f"  {model}, {images} images: speed-up CPU {statistics.median(b[0]) / statistics.median(a[0]):.2f}x, "
      f"wall {statistics.median(b[1]) / statistics.median(a[1]):.2f}x; logits identical in every round")
PY
