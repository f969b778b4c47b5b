#!/usr/bin/env bash
# stoxvp --jobs N (issue 15): the images over N worker processes give the single-process run's
# predictions, logits and report. Usage: jobs_agree.sh <stoxvp> <source dir> <check>
#   host      the small MTJ CNN on 201 images (uneven shares) with --jobs 1, 2 and 3
#   riscv     the same firmware on the RV32 ISS, 9 images, --jobs 1, 2 and 3
#   resnet    ResNet-20 (CIFAR shapes, weights reloaded per image), 7 images, --jobs 1, 2 and 3
#   refusals  bad --jobs values, more workers than images, other firmware
#   failure   a worker that crashes or fails: the run fails naming it, nothing is written
# Exact, field by field: everything but host figures (wall time, ISS speed), the "jobs" section
# and trace paths; and, for host-compiled firmware, the figures of the CPU's side that depend on
# absolute simulated time (docs/architecture.md, "Images spread over cores"), checked within 1e-3.
set -euo pipefail
stoxvp=$1
src=$2
check=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
model=$src/models/small_cnn_mtj.sxvm
[ "$check" = resnet ] && model=$src/models/resnet20_cifar.sxvm
common=(--config "$src/configs/default.json" --model "$model" -q --no-progress-bar)

compare() {  # compare.py <single> <jobs> <tolerated regex or "">
  /usr/bin/python3 - "$@" <<'PY'
import json, re, sys
def flat(x, p=""):
    if isinstance(x, dict):
        for k, v in x.items(): yield from flat(v, p + "." + k)
    elif isinstance(x, list):
        for i, v in enumerate(x): yield from flat(v, p + "[%d]" % i)
    else: yield p, x
host = re.compile(r"^\.(run\.wall_time_s|jobs|vcd|power_trace|cpu\.iss_seconds|cpu\.host_mips)\b")
tolerated = re.compile(sys.argv[3]) if sys.argv[3] else None
a, b = ({k: v for k, v in flat(json.load(open(p))) if not host.match(k)} for p in sys.argv[1:3])
exact = near = 0
for k in sorted(set(a) | set(b)):
    x, y = a.get(k, "MISSING"), b.get(k, "MISSING")
    if x == y and type(x) == type(y):
        exact += 1
        continue
    if tolerated and tolerated.search(k) and isinstance(x, (int, float)) and isinstance(y, (int, float)) \
            and abs(x - y) <= 1e-3 * max(abs(x), abs(y)):
        near += 1
        continue
    print("FAIL: %s: %s: %r (--jobs 1) != %r" % (sys.argv[2], k, x, y)); sys.exit(1)
print("%s: %d figures identical, %d within 1e-3 (absolute-time figures of the CPU's side)" % (sys.argv[2], exact, near))
PY
}

agree() {  # agree <tolerated regex> <args...>
  local tol=$1; shift
  for j in 1 2 3; do
    "$stoxvp" "${common[@]}" "$@" --jobs $j --no-vcd --no-power --logits-out "$tmp/j$j.bin" --report "$tmp/j$j.json" > "$tmp/j$j.out" 2>&1 \
      || { echo "FAIL: --jobs $j exited with $?"; cat "$tmp/j$j.out"; exit 1; }
  done
  for j in 2 3; do
    cmp "$tmp/j1.bin" "$tmp/j$j.bin" || { echo "FAIL: --jobs $j logits differ"; exit 1; }
    compare "$tmp/j1.json" "$tmp/j$j.json" "$tol"
  done
}

case $check in
  host)
    # The firmware's image latency is read from a 100 ns timer and its console lines' lengths
    # depend on the counts they print: these move with absolute simulated time.
    agree '^\.(run\.sim_time_ns|bus\.transactions|cpu\.(bus_accesses|sleeps)|energy\.(accelerator_pj|bus_pj|total_pj|average_power_mw|components\.[a-z_]+\.(leakage_pj|total_pj))|summary\.(energy_pj|edp_pj_ns|tops_per_w)|inference\.latency_ns_per_image|timing\.layer\.)' \
      -n 201 --timing pipelined
    grep -q "worker 2: images 129-200 (after 1 warm-up image)" "$tmp/j3.out" || { echo "FAIL: no worker line"; cat "$tmp/j3.out"; exit 1; }
    # Traces: one per worker, named by its images, and listed in the report.
    "$stoxvp" "${common[@]}" -n 130 --jobs 2 --vcd "$tmp/t/run.vcd" --power-vcd "$tmp/t/p.vcd" --power-csv "$tmp/t/p.csv" \
      --timeline "$tmp/t/tl.json" --report "$tmp/t.json" > "$tmp/t.out"
    for f in run_images_0-64.vcd run_images_65-129.vcd p_images_65-129.vcd p_images_0-64.csv tl_images_65-129.json; do
      [ -s "$tmp/t/$f" ] || { echo "FAIL: no trace $f"; ls -a "$tmp/t"; exit 1; }
    done
    [ "$(ls -a "$tmp/t" | grep -c stoxvp-jobs)" = 0 ] || { echo "FAIL: staged traces left behind"; exit 1; }
    /usr/bin/python3 -c "
import json, sys; j = json.load(open('$tmp/t.json'))['jobs']
assert j['workers'] == 2 and j['shares'][1]['images'] == '65-129' and j['shares'][1]['warmup_images'] == 1, j
assert j['shares'][1]['traces']['vcd'].endswith('run_images_65-129.vcd'), j"
    echo "PASS: --jobs 1, 2, 3 agree; traces per worker"
    ;;
  riscv)
    agree '' -n 9 --cpu riscv
    echo "PASS: --jobs 1, 2, 3 agree on the RV32 CPU, every figure"
    ;;
  resnet)
    agree '' -n 7
    echo "PASS: --jobs 1, 2, 3 agree on ResNet-20, every figure"
    ;;
  refusals)
    for v in 0 -1 abc 2x 257 ""; do
      set +e
      "$stoxvp" "${common[@]}" -n 5 --jobs "$v" --no-vcd --no-power --report "$tmp/r.json" > "$tmp/r.out" 2>&1
      rc=$?
      set -e
      [ $rc = 64 ] || { echo "FAIL: --jobs '$v' exited with $rc"; cat "$tmp/r.out"; exit 1; }
      grep -q -- "--jobs" "$tmp/r.out" || { echo "FAIL: --jobs '$v': the message names no option"; cat "$tmp/r.out"; exit 1; }
    done
    set +e
    "$stoxvp" --firmware fc-demo --jobs 2 --no-vcd --no-power > "$tmp/r.out" 2>&1
    rc=$?
    set -e
    [ $rc = 64 ] && grep -q -- "--jobs is an option of the inference firmware" "$tmp/r.out" || { echo "FAIL: fc-demo --jobs: $rc"; cat "$tmp/r.out"; exit 1; }
    "$stoxvp" "${common[@]}" -n 3 --jobs 5 --no-vcd --no-power --report "$tmp/r.json" > "$tmp/r.out" 2>&1 \
      || { echo "FAIL: --jobs 5 on 3 images"; cat "$tmp/r.out"; exit 1; }
    grep -q -- "--jobs 5: 3 images, so 3 workers (one per image)" "$tmp/r.out" || { echo "FAIL: no clamping note"; cat "$tmp/r.out"; exit 1; }
    echo "PASS: bad --jobs values refused with 64; more workers than images clamped with a note"
    ;;
  failure)
    echo previous > "$tmp/f.json"
    for kind in crash exit; do
      set +e
      STOXVP_JOBS_TEST_FAIL=1:$kind "$stoxvp" "${common[@]}" -n 201 --jobs 3 --vcd "$tmp/f/f.vcd" --no-power \
        --logits-out "$tmp/f.bin" --report "$tmp/f.json" > "$tmp/f.out" 2>&1
      rc=$?
      set -e
      if [ $kind = crash ]; then
        want=66 msg="worker 1 (images 65-128) was killed by signal 6"
      else
        want=65 msg="worker 1 (images 65-128) exited with status 65"
      fi
      [ $rc = $want ] || { echo "FAIL: $kind: exit status $rc, not $want"; cat "$tmp/f.out"; exit 1; }
      grep -q "$msg" "$tmp/f.out" || { echo "FAIL: $kind: the message does not name the worker"; cat "$tmp/f.out"; exit 1; }
      [ "$(cat "$tmp/f.json")" = previous ] || { echo "FAIL: $kind: the report was replaced"; exit 1; }
      [ ! -e "$tmp/f.bin" ] || { echo "FAIL: $kind: logits written"; exit 1; }
      [ -z "$(ls -A "$tmp/f" 2>/dev/null)" ] || { echo "FAIL: $kind: traces left:"; ls -a "$tmp/f"; exit 1; }
    done
    echo "PASS: a crashing or failing worker fails the run, named with its images; nothing written"
    ;;
  *) echo "unknown check $check"; exit 2 ;;
esac
