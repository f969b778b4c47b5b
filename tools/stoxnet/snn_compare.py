"""The FlexSpIM paper's comparisons on the platform (docs/snn-cim.md, "Comparisons"), in one
command. Every figure comes from `stoxvp --firmware snn` runs on the same samples and the same
technology; only the snn_cim group's parameters differ:

1. bit-normalised energy efficiency (macro energy / sum over SOPs of w_bits x v_bits) of
   FlexSpIM (bit-granular operands, standby of unused columns, HS-min) against the same macro
   with a fixed 16-bit resolution grid, no column standby and WS only (the paper: 2x);
2. HS-min against WS-only on the same network and macro count (the paper: up to 45 % less
   energy, 52 % less latency);
3. many macros (16) with W/V buffers too small for the streamed operands (so they stream from
   DRAM), over input sparsity: events thinned at random to a target share of silent inputs per
   timestep (the paper: up to 90 % energy saved, an extrapolation at 85-99 % sparsity).

    /usr/bin/python3 -m tools.stoxnet.snn_compare --events data/fmnist_test2000.sxev -n 50
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

from . import events, snn_train

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def run(binary, model, ev_path, n, timesteps, params, tmp, tag):
    cfg = os.path.join(tmp, f"{tag}.json")
    with open(cfg, "w") as f:
        json.dump({"accelerator": {"tile_groups": [{"kind": "snn_cim", "count": params.pop("count", 4),
                                                    "snn_cim": params}]}}, f)
    rep = os.path.join(tmp, f"{tag}_report.json")
    r = subprocess.run([binary, "--firmware", "snn", "--config", cfg, "--model", model, "--events", ev_path, "-n", str(n),
                        "--timesteps", str(timesteps), "--no-vcd", "--no-power", "--quiet", "--report", rep],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"snn_compare: {tag}: stoxvp exited with {r.returncode}: {r.stderr.strip()}")
    return json.load(open(rep))


def summary(rep, layers):
    comp = {k: v["total_pj"] for k, v in rep["energy"]["components"].items()}
    s = rep["snn_cim"]
    bitnorm_sops = sum(n * L["w_bits"] * L["v_bits"] for n, L in zip(s["sops_by_layer"], layers))
    n = rep["snn"]["samples"]
    total = rep["energy"]["total_pj"]
    return dict(macro_pj=comp.get("snn_cim_macro", 0.0), total_pj=total, sops=s["sops"],
                bitnorm_fj=1000 * comp.get("snn_cim_macro", 0.0) / bitnorm_sops if bitnorm_sops else 0.0,
                energy_per_sample_nj=total / n / 1000, latency_us=rep["snn"]["latency_ns_per_sample"] / 1000,
                accuracy=rep["snn"]["accuracy"], dram_pj=comp.get("dram", 0.0), stream_dram_bits=s["dram_stream_bits"])


def thin(samples, keep, seed):
    out = []
    for i, (lab, ev) in enumerate(samples):
        rng = np.random.default_rng([seed, i])
        out.append(ev[rng.random(len(ev)) < keep])
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "tools", "stoxvp"))
    ap.add_argument("--events", required=True)
    ap.add_argument("--models", nargs="+", default=[os.path.join(ROOT, "models", "snn_fmnist_w8v16.sxvm"),
                                                   os.path.join(ROOT, "models", "snn_fmnist_mixed.sxvm")])
    ap.add_argument("-n", type=int, default=50)
    ap.add_argument("--timesteps", type=int, default=8)
    ap.add_argument("--out", default=os.path.join(ROOT, "traces", "snn_compare.json"))
    a = ap.parse_args(argv)
    h, samples = events.decode(open(a.events, "rb").read(), a.events)
    samples = samples[:a.n]
    result = {"samples": len(samples), "timesteps": a.timesteps, "events_file": a.events}
    with tempfile.TemporaryDirectory() as tmp:
        ev_path = os.path.join(tmp, "ev.sxev")
        events.write(ev_path, events.encode([ev for _, ev in samples], [lab for lab, _ in samples]))
        n = len(samples)
        # 1 and 2: FlexSpIM against a fixed-grid, no-standby, WS-only macro; HS-min against WS-only.
        rows = []
        for model in a.models:
            layers = snn_train.read_model(model)
            name = os.path.basename(model)
            flex = summary(run(a.bin, model, ev_path, n, a.timesteps, {"policy": 2}, tmp, "flex"), layers)
            ws = summary(run(a.bin, model, ev_path, n, a.timesteps, {"policy": 0}, tmp, "ws"), layers)
            base = summary(run(a.bin, model, ev_path, n, a.timesteps, {"policy": 0, "grid_bits": 16, "standby": 0}, tmp,
                               "base"), layers)
            rows.append(dict(model=name, bits=[f"{L['w_bits']}/{L['v_bits']}" for L in layers], flexspim=flex,
                             ws_only=ws, fixed_grid_baseline=base,
                             bitnorm_gain=base["bitnorm_fj"] / flex["bitnorm_fj"],
                             hsmin_energy_saving=1 - flex["total_pj"] / ws["total_pj"],
                             hsmin_latency_saving=1 - flex["latency_us"] / ws["latency_us"]))
            print(f"{name} ({', '.join(rows[-1]['bits'])}): bit-normalised {flex['bitnorm_fj']:.1f} fJ/SOP/bit^2 "
                  f"(fixed 16-bit grid, no standby, WS: {base['bitnorm_fj']:.1f}): {rows[-1]['bitnorm_gain']:.2f}x "
                  f"[paper: 2x]; HS-min vs WS-only: energy {-100 * rows[-1]['hsmin_energy_saving']:+.1f} %, "
                  f"latency {-100 * rows[-1]['hsmin_latency_saving']:+.1f} % [paper: up to -45 % / -52 %]")
        result["resolution_and_stationarity"] = rows
        # 3: 16 macros, W/V buffers of 2 kB (a 16th of the chip's), so streamed operands come
        # from DRAM; input events thinned to a sparsity; FlexSpIM (HS-min) against WS-only.
        model = a.models[0]
        layers = snn_train.read_model(model)
        sweep = []
        dense = 2 * h["width"] * h["height"] * a.timesteps
        for keep in (1.0, 0.5, 0.2, 0.1, 0.05):
            thinned = thin(samples, keep, 7)
            path = os.path.join(tmp, f"thin{keep}.sxev")
            events.write(path, events.encode(thinned, [lab for lab, _ in samples]))
            spikes = np.mean([events.bin_spikes(ev, a.timesteps).sum() for ev in thinned])
            common = {"count": 16, "wv_buffer_bytes": 2048}
            flex = summary(run(a.bin, model, path, n, a.timesteps, dict(common, policy=2), tmp, "mflex"), layers)
            ws = summary(run(a.bin, model, path, n, a.timesteps, dict(common, policy=0), tmp, "mws"), layers)
            base = summary(run(a.bin, model, path, n, a.timesteps, dict(common, policy=0, grid_bits=16, standby=0), tmp,
                               "mbase"), layers)
            sweep.append(dict(events_kept=keep, input_sparsity=1 - spikes / dense, flexspim=flex, ws_only=ws,
                              fixed_grid_baseline=base, energy_saving_vs_ws=1 - flex["total_pj"] / ws["total_pj"],
                              energy_saving_vs_baseline=1 - flex["total_pj"] / base["total_pj"]))
            print(f"16 macros + DRAM, input sparsity {100 * sweep[-1]['input_sparsity']:.1f} %: FlexSpIM "
                  f"{flex['energy_per_sample_nj']:.0f} nJ/sample; WS-only {ws['energy_per_sample_nj']:.0f} "
                  f"({-100 * sweep[-1]['energy_saving_vs_ws']:+.1f} %); fixed grid, no standby, WS "
                  f"{base['energy_per_sample_nj']:.0f} ({-100 * sweep[-1]['energy_saving_vs_baseline']:+.1f} %) "
                  f"[paper: up to -90 % at 85-99 % sparsity]")
        result["many_macros_dram_sparsity"] = sweep
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    events.write(a.out, json.dumps(result, indent=2).encode())
    print(f"snn_compare: {a.out}")


if __name__ == "__main__":
    main()
