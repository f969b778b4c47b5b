"""The comparison's walk from the converter to the system (issue 14, item 5) is consistent:

- each level contains the one below it (energy, latency and area never shrink going up);
- the chip level is the report's accelerator energy without DRAM, its area the sum of the area
  components and area.chip_um2, its latency accelerator.busy_ns; the system level is the
  report's energy.total_pj; the tile level's area plus the routers' is area.tile_um2 x tiles (the walk counts the
  routers with the NoC, at the chip level);
- the latencies inside the tile follow the technology file, read here independently: for the
  ADC, converter time / array-settle time = conversion_ns(11 bits) x 8 columns / read_latency_ns;
  for the MTJ, the converter time is the whole array-read time, T x (write + read + reset) per
  read; both designs make the same number of reads on the critical path;
- ratios: EDP ratio = energy ratio x latency ratio at every level.
"""
import json
import math
import os
import sys
import tempfile

from tools.stoxnet import compare

STOXVP = os.environ["STOXVP_BIN"]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TECH = os.path.join(ROOT, "configs", "tech", "default.json")
failed = 0


def check(ok, what):
    global failed
    print(("ok      " if ok else "FAILED  ") + what)
    failed += 0 if ok else 1


def close(a, b, rel=1e-9):
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-6)


tech = json.load(open(TECH))
levels = [k for k, _ in compare.WALK_LEVELS]
designs = {k: (d, o) for k, _, d, o in compare.DESIGNS}

with tempfile.TemporaryDirectory() as d:
    r = compare.Runner(STOXVP, os.path.join(ROOT, "configs", "compare.json"),
                       os.path.join(ROOT, "models", "resnet20_cifar.sxvm"), d)
    walks, reports = {}, {}
    for key in ("full_precision_adc", "mtj_homogeneous"):
        design, opts = designs[key]
        one = r.run(design, 1, opts, tech, "isaac")
        two = r.run(design, 2, opts, tech, "isaac")
        reports[key] = (one, two)
        walks[key] = compare.walk_levels(one, two)

    for key, w in walks.items():
        one, two = reports[key]
        for a, b in zip(levels, levels[1:]):
            for q in ("energy_pJ", "latency_ns", "area_um2"):
                check(w[a][q] <= w[b][q] * (1 + 1e-12), f"{key}: {q} {a} {w[a][q]:.6g} <= {b} {w[b][q]:.6g}")
        comp = lambda rep: sum(v["total_pj"] for c, v in rep["energy"]["components"].items() if c != "dram")
        check(close(w["chip"]["energy_pJ"], comp(two) - comp(one)),
              f"{key}: chip energy = the components' energy without DRAM")
        check(close(w["system"]["energy_pJ"], two["energy"]["total_pj"] - one["energy"]["total_pj"]),
              f"{key}: system energy = energy.total_pj")
        dram = two["energy"]["components"]["dram"]["total_pj"] - one["energy"]["components"]["dram"]["total_pj"]
        rest = (two["energy"]["bus_pj"] + two["energy"]["cpu_pj"]) - (one["energy"]["bus_pj"] + one["energy"]["cpu_pj"])
        check(close(w["system"]["energy_pJ"], w["chip"]["energy_pJ"] + dram + rest), f"{key}: system = chip + DRAM + bus + CPU")
        check(close(w["chip"]["area_um2"], sum(two["area"]["components_um2"].values())) and
              close(w["chip"]["area_um2"], two["area"]["chip_um2"]), f"{key}: chip area = the area components' sum")
        tiles = two["config"]["accelerator"]["tiles"]
        router = two["area"]["components_um2"]["router"]  # area.tile_um2 counts each tile's router share
        check(close(w["tile"]["area_um2"] + router, two["area"]["tile_um2"] * tiles),
              f"{key}: tile area + routers = tile_um2 x {tiles} tiles")
        check(close(w["chip"]["latency_ns"], two["accelerator"]["busy_ns"] - one["accelerator"]["busy_ns"]),
              f"{key}: chip latency = accelerator.busy_ns of the second image")
        check(w["chip"]["latency_ns"] < w["system"]["latency_ns"], f"{key}: the chip's busy time is within the image's latency")
        for lv in levels:
            check(close(w[lv]["edp_pJ_ns"], w[lv]["energy_pJ"] * w[lv]["latency_ns"]), f"{key}: {lv} EDP = energy x latency")

    c = tech["components"]
    read_ns = c["crossbar"]["read_latency_ns"]["value"]
    # The model keeps time in ps (SystemC's resolution): a wave's time and its conversion time
    # are each rounded to it once.
    ps = lambda v: round(v * 1000) / 1000
    conv_ns = ps(c["adc_isaac"]["conversion_ns"]["per_bits"]["11"] * 8)
    wave_ns = ps(read_ns + c["adc_isaac"]["conversion_ns"]["per_bits"]["11"] * 8)
    a = walks["full_precision_adc"]
    settle = a["macro"]["latency_ns"] - a["converter"]["latency_ns"]
    check(close(a["converter"]["latency_ns"] / settle, conv_ns / (wave_ns - conv_ns), 1e-9),
          f"ADC: converter / array settle = {a['converter']['latency_ns'] / settle:.6f}, technology {conv_ns / (wave_ns - conv_ns):.6f}")
    m = walks["mtj_homogeneous"]
    sample_ns = ps(4 * (c["mtj"]["write_ns"]["value"] + c["mtj"]["read_ns"]["value"] + c["mtj"]["reset_ns"]["value"]))
    check(close(m["converter"]["latency_ns"], m["macro"]["latency_ns"]), "MTJ: converter time = array-read time")
    reads_adc = a["macro"]["latency_ns"] / wave_ns
    reads_mtj = m["macro"]["latency_ns"] / sample_ns
    check(close(reads_adc, reads_mtj, 1e-6) and abs(reads_adc - round(reads_adc)) < 1e-6,
          f"critical-path array reads: ADC {reads_adc:.6f}, MTJ {reads_mtj:.6f}")
    q = compare.walk_ratios(a, m)
    for lv in levels:
        check(close(q[lv]["edp_pJ_ns"], q[lv]["energy_pJ"] * q[lv]["latency_ns"]), f"{lv}: EDP ratio = energy x latency ratio")

print(f"{failed} failed")
sys.exit(1 if failed else 0)
