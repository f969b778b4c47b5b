#!/bin/sh
# Command-line checks of stoxvp that need more than one command: exit statuses, outputs kept or
# replaced whole, signals. Usage: cli_checks.sh CHECK STOXVP SCRATCH_DIR [ARGS...]
set -u
check=$1 bin=$2 dir=$3
shift 3
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || exit 2
fail() { echo "FAIL: $*"; exit 1; }

# expect STATUS REGEX -- ARGS: stoxvp ARGS exits with STATUS and its output matches REGEX.
expect() {
  want=$1 regex=$2
  shift 3
  "$bin" "$@" > out.txt 2>&1
  got=$?
  [ "$got" = "$want" ] || { cat out.txt; fail "stoxvp $* exited with $got, expected $want"; }
  grep -Eq -- "$regex" out.txt || { cat out.txt; fail "stoxvp $*: no line matches '$regex'"; }
}

case $check in
option-ranges)
  # Every numeric option is checked; nothing is clamped, wrapped or silently ignored.
  common="--no-vcd --no-power --report r.json"
  expect 64 "--adc-bits: 300 is out of range \(accepted: 1..24\)" -- --converter adc --adc-bits 300 $common
  expect 64 "--adc-bits: 0 is out of range" -- --converter adc --adc-bits 0 $common
  expect 64 "--adc-bits: '-1' is not a whole number \(accepted: 1..24\)" -- --converter adc --adc-bits -1 $common
  expect 64 "--adc-bits applies to --converter adc or sparse_adc only" -- --adc-bits 4 $common
  expect 64 "--adc-range: 1e39 is out of range" -- --converter adc --adc-range 1e39 $common
  expect 64 "--adc-range: 1e-50 is out of range" -- --converter adc --adc-range 1e-50 $common
  expect 64 "--adc-range: 'nan' is not a finite number" -- --converter adc --adc-range nan $common
  expect 64 "--adc-range: '-3' is not a finite number|--adc-range: -3 is out of range" -- --converter adc --adc-range -3 $common
  expect 64 "--cols-per-converter: 256 is out of range \(accepted: 0..255\)" -- --cols-per-converter 256 $common
  expect 64 "--cols-per-converter: 70000 is out of range" -- --cols-per-converter 70000 $common
  expect 64 "--samples: samples '256': each T must be 1..255" -- --samples 256 $common
  expect 64 "--samples applies to the mtj converter only" -- --converter adc --samples 4 $common
  expect 64 "--images: 0 is out of range \(accepted: 1..4294967295\)" -- --images 0 $common
  expect 64 "--images: 4294967296 is out of range" -- --images 4294967296 $common
  expect 64 "--images: '-1' is not a whole number" -- --images -1 $common
  expect 64 "--images and --all contradict each other" -- --images 5 --all $common
  expect 64 "--first: '1.5' is not a whole number" -- --first 1.5 $common
  expect 64 "--seed: 18446744073709551616 is out of range" -- --seed 18446744073709551616 $common
  expect 64 "--seed: '-1' is not a whole number" -- --seed -1 $common
  expect 64 "--time-limit: '0.5ps' is not a whole number of picoseconds" -- --time-limit 0.5ps $common
  expect 64 "--time-limit: '0ms' is zero" -- --time-limit 0ms $common
  expect 64 "--time-limit: '20000000s' is beyond the simulation's time range" -- --time-limit 20000000s $common
  expect 64 "--time-limit: '10parsecs' is not a time" -- --time-limit 10parsecs $common
  expect 64 "--stall-timeout: '1.0001ps' is not a whole number of picoseconds" -- --stall-timeout 1.0001ps $common
  expect 64 "--report: empty value" -- --report "" --no-vcd --no-power
  expect 64 "--model is an option of the inference firmware; --firmware is fc-demo" -- --firmware fc-demo --model x.sxvm $common
  expect 64 "--vcd and --no-vcd contradict each other" -- --vcd a.vcd --no-vcd --no-power
  expect 64 "--power-vcd/--power-csv and --no-power contradict each other" -- --no-power --power-csv p.csv --no-vcd
  # In range, the exact value is taken: 1.1ns is 1100 ps, not rounded.
  expect 67 "time limit of 1100 ps reached|stopped after 1.1 ns" -- --firmware fc-demo --time-limit 1.1ns $common
  echo "every out-of-range or unparsable value was refused with exit status 64"
  ;;
setup-failure-keeps-outputs)
  # A later run that fails set-up leaves the previous run's traces and report as they were.
  outs="--vcd t.vcd --power-vcd p.vcd --power-csv p.csv --report r.json"
  expect 0 "exited with 0" -- --firmware fc-demo $outs
  md5sum t.vcd p.vcd p.csv r.json > before.md5
  expect 65 "/nonexistent.sxvm" -- --model /nonexistent.sxvm $outs
  md5sum -c --quiet before.md5 || fail "a failed set-up changed the previous outputs"
  left=$(ls | grep -v -E '^(t.vcd|p.vcd|p.csv|r.json|before.md5|out.txt)$')
  [ -z "$left" ] || fail "left behind: $left"
  echo "the previous outputs survived a failed set-up"
  ;;
write-failure)
  # A full disk (a 2 KiB file-size limit) fails the run with the file's name and exit status 69;
  # the previous files stay, no temporary file is left.
  outs="--firmware fc-demo --vcd t.vcd --report r.json --power-csv p.csv --power-vcd p.vcd"
  expect 0 "exited with 0" -- $outs
  md5sum t.vcd r.json > before.md5
  ( ulimit -f 4; exec "$bin" $outs ) > out.txt 2>&1
  got=$?
  [ "$got" = 69 ] || { cat out.txt; fail "exit status $got, expected 69"; }
  grep -q "r.json: write error" out.txt || { cat out.txt; fail "the report's failure is not named"; }
  grep -q "t.vcd: write error" out.txt || { cat out.txt; fail "the VCD's failure is not named"; }
  md5sum -c --quiet before.md5 || fail "a failed write changed the previous outputs"
  left=$(ls | grep -v -E '^(t.vcd|p.vcd|p.csv|r.json|before.md5|out.txt)$')
  [ -z "$left" ] || fail "left behind: $left"
  # --logits-out too.
  ( ulimit -f 4; exec "$bin" --model "$1" --images 200 --no-vcd --no-power --report r2.json --logits-out l.bin ) > out.txt 2>&1
  got=$?
  [ "$got" = 69 ] || { cat out.txt; fail "--logits-out: exit status $got, expected 69"; }
  grep -q -- "--logits-out: l.bin: write error" out.txt || { cat out.txt; fail "--logits-out failure not named"; }
  [ ! -e l.bin ] || fail "a partial l.bin was left"
  echo "write errors failed the run and left no partial file"
  ;;
sigterm)
  # SIGTERM during a run: the simulation stops at a safe point, every output is written, the
  # report says why it is incomplete, and the exit status is 68.
  "$bin" --model "$1" --all --vcd t.vcd --power-csv p.csv --power-vcd p.vcd --report r.json > out.txt 2>&1 &
  pid=$!
  i=0
  until grep -q "inference: model" out.txt 2>/dev/null || [ $i -ge 300 ]; do sleep 0.1; i=$((i + 1)); done
  sleep 0.5
  kill -TERM $pid
  wait $pid
  got=$?
  [ "$got" = 68 ] || { cat out.txt; fail "exit status $got, expected 68"; }
  grep -q "interrupted after" out.txt || { cat out.txt; fail "no interruption line"; }
  grep -q '"stop_reason": "interrupted"' r.json || fail "the report does not say interrupted"
  grep -q '"complete": false' r.json || fail "the report is not marked incomplete"
  [ -s t.vcd ] && [ -s p.csv ] && [ -s p.vcd ] || fail "a trace is missing or empty"
  left=$(ls | grep -v -E '^(t.vcd|p.vcd|p.csv|r.json|out.txt)$')
  [ -z "$left" ] || fail "left behind: $left"
  echo "SIGTERM gave complete outputs marked incomplete"
  ;;
stall)
  # A firmware polling a device forever stops at the default stall timeout, exit status 67.
  expect 67 "stalled: no progress in 100 ms" -- --elf "$1" --vcd t.vcd --report r.json --no-power
  grep -q '"stop_reason": "stalled"' r.json || fail "the report does not say stalled"
  grep -q '"complete": false' r.json || fail "the report is not marked incomplete"
  echo "the stalled firmware was stopped"
  ;;
exit-status)
  # A nonzero firmware exit is 1, whatever its value (256 must not read as success); the value
  # is printed and in the report.
  expect 1 "exited with 256" -- --elf "$1" --no-vcd --no-power --report r.json
  grep -q '"exit_code": 256' r.json || fail "the report does not hold exit code 256"
  expect 1 "exited with 42" -- --elf "$2" --no-vcd --no-power --report r.json
  echo "firmware exit codes map to status 1"
  ;;
tile)
  # --tile KIND builds the chip of the shipped configuration: the report's tile groups say so.
  for kind in rtm_ap fp_pim; do
    expect 0 "exited with 0" -- --tile $kind --firmware fc-demo --no-vcd --no-power --report $kind.json
    grep -Eq "\"kind\": *\"$kind\"" $kind.json || { cat $kind.json; fail "--tile $kind: no $kind tile group in the report"; }
  done
  expect 64 "--tile: 'warp' is not a tile kind with a built-in chip \(accepted: xbar, snn_cim, rtm_ap, fp_pim\)" -- --tile warp --no-vcd --no-power
  echo "every shipped tile kind built its chip"
  ;;
summary)
  # The summary of a chip without crossbar arrays: no ADC model named for its area, spiking SOPs
  # not counted as MACs, and the energy table's values in one column whatever the names' lengths.
  # ARGS: MODEL EVENTS (a spiking model and an event file).
  expect 0 "snn_cim_spike_buffer" -- --firmware snn --model "$1" --events "$2" --no-vcd --no-power --report r.json
  grep -q "ADC model" out.txt && { cat out.txt; fail "a chip without crossbars names an ADC model"; }
  grep -Eq "^  chip area [0-9.]+ mm\^2; average power .* TSOPS/W \(spiking synaptic operations\)$" out.txt ||
    { cat out.txt; fail "no TSOPS/W figure"; }
  grep -q "TOPS/W" out.txt && { cat out.txt; fail "spiking SOPs counted as MACs (TOPS/W)"; }
  ends=$(sed -n '/^  energy /,/^  total /p' out.txt | awk 'match($0, /[0-9.]+ [a-zA-Z]?J/) { print RSTART + RLENGTH }' | sort -u | wc -l)
  rows=$(sed -n '/^  energy /,/^  total /p' out.txt | wc -l)
  [ "$ends" = 1 ] && [ "$rows" -gt 3 ] || { cat out.txt; fail "the energy table's values are not in one column"; }
  expect 0 "chip area [0-9.]+ mm\^2 \([a-z_]+ ADC model\); average power .*; [0-9.]+ TOPS/W$" -- --firmware fc-demo --no-vcd --no-power --report r.json
  echo "the summary names no ADC model without crossbars and counts SOPs apart"
  ;;
fp-train)
  # The training firmware from the command line: its options checked, the host-compiled and the
  # RV32 runs print the same (ARGS: "riscv" when the RV32 images are built).
  common="--firmware fp-train --no-vcd --no-power --report r.json"
  expect 64 "--batch: 0 is out of range \(accepted: 1..64\)" -- --batch 0 $common
  expect 64 "--batch: 65 is out of range \(accepted: 1..64\)" -- --batch 65 $common
  expect 64 "--train-count: 10 is not a multiple of --batch 4" -- --train-count 10 $common
  expect 64 "--train-count: 60001 is out of range \(accepted: 1..60000\)" -- --train-count 60001 --batch 1 $common
  expect 64 "--epochs: 0 is out of range \(accepted: 1..1000\)" -- --epochs 0 $common
  expect 64 "--test-count: 10001 is out of range \(accepted: 0..10000\)" -- --test-count 10001 $common
  expect 64 "--lr: 0 is out of range \(accepted: a number in \(0, 1\)\)" -- --lr 0 $common
  expect 64 "--lr: 1.5 is out of range" -- --lr 1.5 $common
  expect 64 "--lr: 'nan' is not a finite number" -- --lr nan $common
  expect 64 "--lr: '0.05x' is not a finite number" -- --lr 0.05x $common
  expect 64 "--weight-seed: '-1' is not a whole number" -- --weight-seed -1 $common
  expect 64 "--train-images: empty value" -- --train-images "" $common
  expect 64 "--batch is an option of the fp-train firmware; --firmware is fc-demo" -- --firmware fc-demo --batch 4 --no-vcd --no-power --report r.json
  expect 65 "/nonexistent/train.gz" -- --train-images /nonexistent/train.gz $common
  expect 65 "fp-train: 600000 training and 0 test images need [0-9]+ bytes of DRAM; the platform has 268435456" -- --train-count 60000 --epochs 10 $common
  expect 0 "fp-train: done: 16 images, mean loss 1.355, training accuracy 4/16" -- $common
  grep '^fp-train:' out.txt > host.txt
  grep -q "^fp-train: 16 images (16 x 1 epochs), mini-batch 4" host.txt || { cat out.txt; fail "no fp-train summary"; }
  if [ "${1:-}" = riscv ]; then
    expect 0 "fp-train: done: 16 images" -- --cpu riscv $common
    grep '^fp-train:' out.txt > rv32.txt
    diff host.txt rv32.txt || fail "--cpu riscv printed other fp-train lines than --cpu host"
    echo "fp-train: --cpu host and --cpu riscv printed the same $(wc -l < host.txt) lines"
  fi
  expect 0 "^fp-train: test accuracy [0-9]+/4$" -- --train-count 4 --epochs 2 --batch 2 --test-count 4 $common
  grep -q "^fp-train: done: 8 images" out.txt || { cat out.txt; fail "--epochs 2 did not train on 8 images"; }
  echo "fp-train options refused with exit status 64 and the training ran"
  ;;
*)
  fail "unknown check $check"
  ;;
esac
