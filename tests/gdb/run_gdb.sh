#!/bin/sh
# Runs stoxvp with --gdb and gdb-multiarch in batch mode on a command file, then checks gdb's
# output against the file's "# expect: <extended regex>" lines (in order of appearance, each
# must match somewhere) and, with --same-as-plain, that the run's logits and summary equal
# those of a run without the debugger.
#   run_gdb.sh <stoxvp> <elf> <commands.gdb> <work dir> [--same-as-plain] -- <stoxvp args...>
# In the command file @PORT@ is the server's port and @LINE:<file>:<text>@ the line number of
# the first line of <file> (under the source tree, $STOXVP_SOURCE_DIR) containing <text>.
set -eu
STOXVP=$1 ELF=$2 CMDS=$3 WORK=$4
shift 4
PLAIN=0
if [ "${1:-}" = --same-as-plain ]; then PLAIN=1; shift; fi
[ "${1:-}" = -- ] && shift
GDB=${GDB:-gdb-multiarch}
command -v "$GDB" >/dev/null || { echo "run_gdb.sh: $GDB is not installed (tools/setup.sh installs it)"; exit 1; }
rm -rf "$WORK"; mkdir -p "$WORK"

# Logits only where they are compared (the CLI refuses --logits-out for other firmware).
LOGITS=
[ $PLAIN = 1 ] && LOGITS="--logits-out $WORK/gdb.logits"
"$STOXVP" "$@" --gdb 0 --no-vcd --no-power --report "$WORK/gdb.json" $LOGITS \
  > "$WORK/stoxvp.out" 2> "$WORK/stoxvp.err" &
PID=$!
PORT=
for i in $(seq 1 300); do
  PORT=$(sed -n 's/.*gdb: waiting on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/stoxvp.err" | head -n 1)
  [ -n "$PORT" ] && break
  kill -0 $PID 2>/dev/null || break
  sleep 0.1
done
if [ -z "$PORT" ]; then
  echo "run_gdb.sh: stoxvp did not start its gdb server:"; cat "$WORK/stoxvp.err"; kill $PID 2>/dev/null || true; exit 1
fi

# @LINE:file:text@ -> line number
cp "$CMDS" "$WORK/commands.gdb"
grep -o '@LINE:[^@]*@' "$CMDS" | sort -u | while IFS= read -r tag; do
  spec=${tag#@LINE:}; spec=${spec%@}; file=${spec%%:*}; text=${spec#*:}
  n=$(grep -nF "$text" "$STOXVP_SOURCE_DIR/$file" | head -n 1 | cut -d: -f1)
  [ -n "$n" ] || { echo "run_gdb.sh: '$text' not found in $file"; exit 1; }
  sed -i "s|$tag|$n|g" "$WORK/commands.gdb"
done
sed -i "s|@PORT@|$PORT|g" "$WORK/commands.gdb"

timeout 120 "$GDB" -nx -batch -x "$WORK/commands.gdb" "$ELF" > "$WORK/gdb.log" 2>&1 || true
RC=0
wait $PID || RC=$?
status=0
grep '^# expect: ' "$CMDS" | sed 's/^# expect: //' > "$WORK/expect"
while IFS= read -r re; do
  if ! grep -Eq -- "$re" "$WORK/gdb.log"; then echo "run_gdb.sh: gdb's output lacks: $re"; status=1; fi
done < "$WORK/expect"
if [ $PLAIN = 1 ]; then
  "$STOXVP" "$@" --no-vcd --no-power --report "$WORK/plain.json" --logits-out "$WORK/plain.logits" > "$WORK/plain.out" 2>&1 || true
  if ! cmp -s "$WORK/plain.logits" "$WORK/gdb.logits"; then echo "run_gdb.sh: the logits differ from a run without gdb"; status=1; fi
  if [ "$(grep '^inference:' "$WORK/plain.out")" != "$(grep '^inference:' "$WORK/stoxvp.out")" ]; then
    echo "run_gdb.sh: the inference summary differs from a run without gdb"; status=1
  fi
fi
if [ $status != 0 ]; then
  echo "---- gdb ----"; cat "$WORK/gdb.log"; echo "---- stoxvp (exit $RC) ----"; cat "$WORK/stoxvp.out" "$WORK/stoxvp.err"
  exit 1
fi
echo "run_gdb.sh: $(wc -l < "$WORK/expect") expectations met; stoxvp exited with $RC"
