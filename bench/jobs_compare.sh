#!/usr/bin/env bash
# --jobs on a shared machine: the build before issue 15 (one process), and this build with
# --jobs 1 and --jobs 2, run round-robin (before, jobs 1, jobs 2, before, ...); each run's CPU
# time (user + sys, the worker processes included) and wall time from /usr/bin/time, medians,
# and the ratios of the medians against the build before. Fails when any run's logits differ
# from the build before's in any bit. Prints the load average before and after.
#   bench/jobs_compare.sh <before build dir> <after build dir> <model> <images> [rounds]
set -euo pipefail
before=$1 after=$2 model=$3 images=$4 rounds=${5:-3}
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "  load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
one() {  # one <side> <build> <round> [options...]
  /usr/bin/time -f "%U %S %e" -o "$tmp/$1.$3.time" "$2/tools/stoxvp" --model "$model" -n "$images" -q --no-vcd \
    --no-power --report "$tmp/$1.json" --logits-out "$tmp/$1.$3.bin" "${@:4}" > "$tmp/$1.$3.out"
}
for r in $(seq 1 "$rounds"); do
  one before "$before" "$r"
  one jobs1 "$after" "$r" --jobs 1 --no-progress-bar
  one jobs2 "$after" "$r" --jobs 2 --no-progress-bar
  for s in jobs1 jobs2; do
    cmp -s "$tmp/before.$r.bin" "$tmp/$s.$r.bin" || { echo "FAIL: $s logits differ (round $r)"; exit 1; }
  done
done
echo "  load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 - "$tmp" "$rounds" "$model" "$images" <<'PY'
import statistics, sys
tmp, rounds, model, images = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
med = {}
for side in ("before", "jobs1", "jobs2"):
    cpu, wall = [], []
    for r in range(1, rounds + 1):
        u, s, e = map(float, open(f"{tmp}/{side}.{r}.time").read().split()[-3:])
        cpu.append(u + s); wall.append(e)
    med[side] = (statistics.median(cpu), statistics.median(wall))
    print(f"  {side:6s} CPU {' '.join(f'{c:7.2f}' for c in cpu)} s  median {med[side][0]:7.2f} s;"
          f"  wall {' '.join(f'{w:7.2f}' for w in wall)} s  median {med[side][1]:7.2f} s")
b = med["before"]
for side in ("jobs1", "jobs2"):
    print(f"  {model}, {images} images, {side}: wall {b[1] / med[side][1]:.2f}x faster than before, "
          f"CPU {b[0] / med[side][0]:.2f}x less")
print("  logits identical to the build before's in every round")
PY
