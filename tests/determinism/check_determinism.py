#!/usr/bin/env python3
"""The determinism guarantee (docs/report.md, "Determinism"): two runs of stoxvp with the same
seed write byte-identical logits, power traces (VCD and CSV), VCD trace (apart from the $date
block SystemC's VCD writer stamps) and report (apart from the wall-clock fields), and a run
with another seed gives other logits.

usage: check_determinism.py <stoxvp> <scratch folder> [stoxvp options...]
"""
import json
import shutil
import subprocess
import sys
from pathlib import Path

# Fields of the report that measure the host, not the simulation (docs/report.md lists them).
WALL_CLOCK_FIELDS = [("run", "wall_time_s"), ("cpu", "iss_seconds"), ("cpu", "host_mips")]


def run(stoxvp, scratch, label, seed, extra):
    # Every run writes to the same paths (the report records them), then its files move aside.
    out = scratch / "out"
    out.mkdir(parents=True, exist_ok=True)
    cmd = [stoxvp, "--quiet", "--seed", str(seed), "--logits-out", str(out / "logits.f32"),
           "--vcd", str(out / "trace.vcd"), "--power-vcd", str(out / "power.vcd"),
           "--power-csv", str(out / "power.csv"), "--report", str(out / "report.json")] + extra
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} exited with {r.returncode}\n{r.stdout}{r.stderr}")
    kept = scratch / label
    if kept.exists():
        shutil.rmtree(kept)
    out.rename(kept)
    return kept


def report_without_wall_clock(path):
    doc = json.loads(path.read_text())
    for section, field in WALL_CLOCK_FIELDS:
        if isinstance(doc.get(section), dict):
            doc[section].pop(field, None)
    return json.dumps(doc, sort_keys=True, indent=1)


def vcd_without_date(path):
    lines = path.read_bytes().split(b"\n")
    if b"$date" in lines:  # "$date", the wall-clock time, "$end"
        i = lines.index(b"$date")
        end = lines.index(b"$end", i) if b"$end" in lines[i:] else i
        del lines[i:end + 1]
    return b"\n".join(lines)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    stoxvp, scratch, extra = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]
    a = run(stoxvp, scratch, "seed5_a", 5, extra)
    b = run(stoxvp, scratch, "seed5_b", 5, extra)
    c = run(stoxvp, scratch, "seed6", 6, extra)

    problems = []
    for name in ["logits.f32", "power.vcd", "power.csv"]:
        x, y = (a / name).read_bytes(), (b / name).read_bytes()
        if not x:
            problems.append(f"{name} is empty")
        if x != y:
            problems.append(f"{name} differs between two runs with seed 5")
    if vcd_without_date(a / "trace.vcd") != vcd_without_date(b / "trace.vcd"):
        problems.append("trace.vcd differs between two runs with seed 5 (beyond its $date block)")
    if report_without_wall_clock(a / "report.json") != report_without_wall_clock(b / "report.json"):
        problems.append("report.json differs between two runs with seed 5 (beyond the wall-clock fields)")
    if (a / "logits.f32").read_bytes() == (c / "logits.f32").read_bytes():
        problems.append("seeds 5 and 6 give the same logits: the seed does not reach the stochastic converters")
    if problems:
        sys.exit("FAIL:\n  " + "\n  ".join(problems))
    print(f"deterministic: logits ({(a / 'logits.f32').stat().st_size} bytes), report, VCD and power traces "
          "identical for seed 5 twice; seed 6 gives other logits")


if __name__ == "__main__":
    main()
