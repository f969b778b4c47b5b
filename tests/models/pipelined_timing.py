"""The pipelined timing mode (issue 14, item 6):

- the default stays layer at a time (no pipelined line, report timing.mode "layer"), and
  --timing pipelined changes nothing the run computes (predictions, logits, energy, the
  layer-at-a-time latency) but the timing it states;
- the pipelined throughput equals an independent calculation from the report's per-layer
  latencies and tiles: each resource's busy time per image (a crossbar layer's tiles, or the
  shared units for every other layer), the largest sets the interval;
- the pipelined latency equals an independent replay of the schedule (images one interval apart,
  the stage that can start earliest first, an image's layers in order) and is at least the layers' sum;
- a bad --timing is refused naming the option.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

STOXVP = os.environ["STOXVP_BIN"]
MODEL = os.path.join(os.environ.get("STOXVP_MODELS", "models"), "small_cnn_mtj.sxvm")
CONFIG = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "configs", "default.json")
IMAGES = 20
failed = 0


def check(ok, what):
    global failed
    print(("ok      " if ok else "FAILED  ") + what)
    failed += 0 if ok else 1


def close(a, b, rel=1e-9):
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-12)


def run(d, tag, extra):
    rep, logits = os.path.join(d, tag + ".json"), os.path.join(d, tag + ".bin")
    r = subprocess.run([STOXVP, "--config", CONFIG, "--model", MODEL, "--images", str(IMAGES), "--no-vcd", "--no-power",
                        "--report", rep, "--logits-out", logits] + extra, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"stoxvp {extra} exited {r.returncode}: {r.stderr}")
    return r.stdout, json.load(open(rep)), open(logits, "rb").read()


with tempfile.TemporaryDirectory() as d:
    out_l, rep_l, log_l = run(d, "layer", [])
    out_p, rep_p, log_p = run(d, "pipe", ["--timing", "pipelined"])
    check("timing pipelined" not in out_l and rep_l["timing"]["mode"] == "layer", "default: layer at a time")
    check(rep_p["timing"]["mode"] == "pipelined" and "timing pipelined" in out_p, "--timing pipelined: stated")
    check(log_l == log_p and rep_l["inference"]["predictions"] == rep_p["inference"]["predictions"],
          "same logits and predictions")
    check(rep_l["energy"]["total_pj"] == rep_p["energy"]["total_pj"], "same energy")
    check(rep_l["inference"]["latency_ns_per_image"] == rep_p["inference"]["latency_ns_per_image"] ==
          rep_p["timing"]["layer"]["latency_ns_per_image"], "same layer-at-a-time latency")

    # Independent: stages from the report's layers.
    stages = []
    for L in sorted(rep_p["layers"], key=lambda L: L["tag"]):
        if L["opcode"] == "XBAR_PROGRAM":
            continue
        res = [f"tile_{t}" for t in L.get("tiles", [])] or ["shared"]
        stages.append((L["latency_ns"] / IMAGES, res))
    load = {}
    for ns, res in stages:
        for r in res:
            load[r] = load.get(r, 0.0) + ns
    bottleneck = max(load, key=load.get)
    interval = load[bottleneck]
    p = rep_p["timing"]["pipelined"]
    check(close(p["bound_interval_ns"], interval), f"bound: the busiest resource's {interval:.6g} ns ({bottleneck})")
    check(p["bottleneck"] == bottleneck, f"bottleneck {p['bottleneck']} == {bottleneck}")
    seq = sum(ns for ns, _ in stages)
    check(close(p["sequential_ns_per_image"], seq), f"sequential {seq:.6g} ns = the layers' sum")
    # Replay with an event queue: the earliest possible start first, older image on a tie.
    n = min(IMAGES, 64)
    free, nxt, ready = {}, [0] * n, [i * interval for i in range(n)]
    while any(k < len(stages) for k in nxt):
        cand = []
        for i in range(n):
            if nxt[i] < len(stages):
                ns, res = stages[nxt[i]]
                cand.append((max([ready[i]] + [free.get(r, 0.0) for r in res]), i))
        start, i = min(cand)
        ns, res = stages[nxt[i]]
        nxt[i] += 1
        ready[i] = start + ns
        for r in res:
            free[r] = ready[i]
    lat = ready[n - 1] - (n - 1) * interval
    h = n // 2
    achieved = max(interval, (ready[n - 1] - ready[h - 1]) / (n - h))
    check(close(p["interval_ns"], achieved) and close(p["throughput_images_per_s"], 1e9 / achieved),
          f"throughput {p['throughput_images_per_s']:.6g}/s = the replay's {1e9 / achieved:.6g}/s")
    # The small CNN's two crossbar layers share tile 0 and alternate between images: the bound holds.
    check(close(achieved, interval), f"the small CNN reaches the bound ({achieved:.6g} ns)")
    check(close(p["latency_ns_per_image"], lat), f"pipelined latency {p['latency_ns_per_image']:.6g} ns = replayed {lat:.6g}")
    check(p["latency_ns_per_image"] >= seq * (1 - 1e-12), "latency >= the layers' sum")
    check(seq <= rep_p["timing"]["layer"]["latency_ns_per_image"], "the layers' sum <= the firmware's per-image latency")
    check(p["throughput_images_per_s"] >= rep_p["timing"]["layer"]["throughput_images_per_s"],
          "pipelining does not lower throughput")
    check(any(L.get("tiles") for L in rep_p["layers"] if L["opcode"] == "XBAR_CONV"), "crossbar layers name their tiles")
    m = re.search(r"throughput ([\d.e+]+) images/s", out_p)
    check(m is not None and close(float(m.group(1)), p["throughput_images_per_s"], 1e-3), "the summary line states it")

    r = subprocess.run([STOXVP, "--model", MODEL, "--timing", "overlapped", "--no-vcd"], capture_output=True, text=True)
    check(r.returncode == 64 and "--timing" in r.stderr and "overlapped" in r.stderr, "--timing overlapped refused (64)")

print(f"{failed} failed")
sys.exit(1 if failed else 0)
