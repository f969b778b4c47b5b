"""The racetrack associative processor against the crossbar, on the same ternary weights.

    /usr/bin/python3 -m tools.stoxnet.ap_compare --images 200

Runs the shipped ternary small CNN (models/small_cnn_ternary) on the platform three ways, each
with the same buffers, NoC, DRAM, digital unit and technology file:
  rtm_ap      its AP_CONV layers on rtm_ap tiles (configs/rtm_ap.json), and once more with the
              same layers compiled without common-subexpression elimination;
  xbar ADC    the same ternary weights on crossbar tiles (w_bits 2: one differential column pair
              per weight, all activation magnitude bits in one wave) read by a lossless 14-bit ADC;
  xbar MTJ    the same arrays read by the StoX MTJ converter, T = 4 (weights not retrained for it).
The crossbar model is built here from the integer layers (model.npz): requantisation as the
crossbar's float output stage, floor(acc x M / 2^16 + B / 2^16 - 1/2 + 1/2), max pools as POOL
layers. Prints accuracy, energy and latency per inference, area, the share of energy moving
activations (DRAM, global buffer, NoC links and routers, and the AP's writes of activations into
its rows and reads out of them), the operations saved by weight folding and CSE, and the paper's
7.5x and 3 % beside ours. Writes traces/ap_compare.json.
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy as np
import torch

from .export import HEADER, LAYER, LAYER_DIGITAL, LAYER_MAX_POOL, LAYER_XBAR, OUT_FLOAT32, layer_entry, params_block
from . import apc
from .files import write_atomic
from .ternary import INPUT_BITS, INPUT_SCALE, REQUANT_SHIFT, export_model

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
MOVEMENT = ("dram", "global_buffer", "router", "link", "rtm_ap_activation")
# Components of the crossbar tiles: on the rtm_ap chip they only leak (configs/rtm_ap.json keeps
# the 16 crossbar tiles beside the AP tiles).
XBAR_ONLY = ("crossbar", "row_driver", "adc", "sense_amp", "mtj", "shift_add", "tile_buffer")
STT_TCAM_WRITE_PJ_PER_BIT = 0.69  # /work/shared/spec/macros.md section 2, the alternative write proxy
PAPER = {"energy_ratio": 7.5, "movement_share": 0.03}


def xbar_model(npz, path):
    """The ternary layers as XBAR_CONV layers (w_bits 2, w_slice 1), pools, and the FC."""
    z = np.load(npz)
    entries, blobs = [], []
    n_layers = 3 + 2 + 1
    table_end = 64 + 64 * n_layers
    offset = [table_end]

    def blob(data):
        at = offset[0]
        blobs.append(bytes(data) + b"\0" * (-len(data) % 4))
        offset[0] += len(blobs[-1])
        return at, len(data)

    shape = (1, 28, 28)
    t = 0
    for i in range(3):
        w = z[f"w{i + 1}"].astype(np.int8)
        n, c, k, _ = w.shape
        a_bits = 8 if i == 0 else 5
        woff, wlen = blob(w.reshape(n, -1).tobytes())
        scale = torch.from_numpy(z[f"mult{i + 1}"].astype(np.float64) / 2 ** REQUANT_SHIFT).float()
        bias = torch.from_numpy(z[f"bias{i + 1}"].astype(np.float64) / 2 ** REQUANT_SHIFT - 0.5).float()
        poff, plen = blob(params_block("ideal", scale, bias))
        entries.append(layer_entry(type=LAYER_XBAR, activation=1, out_bits=5, input=t, in_channels=c, in_h=shape[1],
                                   in_w=shape[2], out_channels=n, kernel_h=k, kernel_w=k, stride=1, pad=1, w_bits=2,
                                   w_slice=1, a_bits=a_bits, a_stream=a_bits - 1, weights_offset=woff,
                                   weights_bytes=wlen, params_offset=poff, params_bytes=plen))
        t += 1
        shape = (n, shape[1], shape[2])
        if i < 2:
            entries.append(layer_entry(type=LAYER_MAX_POOL, out_bits=8, input=t, in_channels=n, in_h=shape[1],
                                       in_w=shape[2], out_channels=n, kernel_h=2, kernel_w=2, stride=2))
            t += 1
            shape = (n, shape[1] // 2, shape[2] // 2)
    wq, sc, b = z["fc_wq"], z["fc_scale"], z["fc_bias"]
    c, h, w = shape
    full = np.repeat(np.repeat(wq[:, :, None, None], h, axis=2), w, axis=3)
    woff, wlen = blob(full.reshape(wq.shape[0], -1).astype(np.int8).tobytes())
    poff, plen = blob(params_block("ideal", torch.from_numpy(sc), torch.from_numpy(b)))
    entries.append(layer_entry(type=LAYER_DIGITAL, out_format=OUT_FLOAT32, input=t, in_channels=c, in_h=h, in_w=w,
                               out_channels=wq.shape[0], kernel_h=h, kernel_w=w, stride=1, pad=0, w_bits=8, a_bits=5,
                               weights_offset=woff, weights_bytes=wlen, params_offset=poff, params_bytes=plen))
    table = b"".join(LAYER.pack(*(e[k] for k in (
        "type", "activation", "out_format", "out_bits", "input", "input_b", "in_channels", "in_h",
        "in_w", "out_channels", "kernel_h", "kernel_w", "stride", "pad", "w_bits", "w_slice",
        "a_bits", "a_stream", "scale_a", "scale_b", "weights_offset", "weights_bytes",
        "params_offset", "params_bytes")), b"\0" * 16) for e in entries)
    size = table_end + sum(len(x) for x in blobs)
    head = HEADER.pack(b"SXVM", 1, 64, size, 0, len(entries), 64, 64, 1, 28, 28, 8, 0, 10, INPUT_SCALE, 0.0, 0,
                       b"small_cnn_tern_x")
    data = bytearray(head + table + b"".join(blobs))
    struct.pack_into("<I", data, 12, zlib.crc32(bytes(data)) & 0xFFFFFFFF)
    with open(path, "wb") as f:
        f.write(data)


def ap_model_without_cse(npz, path):
    """The shipped integer layers compiled without common-subexpression elimination."""
    z = np.load(npz)
    layers, programs = [], []
    for i in range(3):
        size = 28 >> i
        L = apc.Layer(z[f"w{i + 1}"].astype(np.int64), size, size, 1, 1, INPUT_BITS if i == 0 else 4, 4,
                      z[f"mult{i + 1}"], z[f"bias{i + 1}"], REQUANT_SHIFT, pool=2 if i < 2 else 0)
        layers.append((L, float(z[f"step{i + 1}"])))
        programs.append(apc.compile_layer(L, cse=False).encode())
    export_model(path, layers, programs, (z["fc_wq"], z["fc_scale"], z["fc_bias"]))


def run(binary, args, report):
    r = subprocess.run([binary] + args + ["--no-vcd", "--no-power", "--report", report], capture_output=True,
                       text=True, cwd=ROOT, env=dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1"))
    if r.returncode != 0:
        raise SystemExit(f"ap_compare: {' '.join(args)} failed:\n{r.stdout}{r.stderr}")
    return json.load(open(report))


def summarise(name, rep):
    n = rep["inference"]["images"]
    comps = {k: v["total_pj"] for k, v in rep["energy"]["components"].items()}
    total = rep["energy"]["total_pj"]
    moving = sum(comps.get(k, 0.0) for k in MOVEMENT)
    idle_xbar = sum(v["leakage_pj"] for k, v in rep["energy"]["components"].items() if k in XBAR_ONLY)
    return {"design": name, "idle_xbar_leakage_nj_per_image": idle_xbar / n / 1e3,
            "write_nj_per_image": comps.get("rtm_ap_write", 0.0) / n / 1e3, "accuracy": rep["inference"]["accuracy"], "energy_nj_per_image": total / n / 1e3,
            "latency_us_per_image": rep["inference"]["latency_ns_per_image"] / 1e3,
            "area_mm2": rep["area"]["chip_mm2"], "movement_share": moving / total,
            "top_components": sorted(((k, v / n / 1e3) for k, v in comps.items() if v > 0), key=lambda kv: -kv[1])[:5]}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, default=200)
    ap.add_argument("--binary", default=os.path.join(ROOT, "build", "tools", "stoxvp"))
    ap.add_argument("--out", default=os.path.join(ROOT, "traces", "ap_compare.json"))
    args = ap.parse_args(argv)
    model_dir = os.path.join(ROOT, "models", "small_cnn_ternary")
    meta = json.load(open(os.path.join(model_dir, "model.json")))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        xm = os.path.join(tmp, "small_cnn_ternary_xbar.sxvm")
        xbar_model(os.path.join(model_dir, "model.npz"), xm)
        common = ["-n", str(args.images)]
        rows.append(summarise("rtm_ap", run(args.binary, common + ["--config", "configs/rtm_ap.json", "--model",
                                                                    "models/small_cnn_ternary.sxvm"],
                                            os.path.join(tmp, "ap.json"))))
        nocse = os.path.join(tmp, "small_cnn_ternary_nocse.sxvm")
        ap_model_without_cse(os.path.join(model_dir, "model.npz"), nocse)
        rows.append(summarise("rtm_ap without CSE", run(args.binary, common + ["--config", "configs/rtm_ap.json",
                                                                               "--model", nocse],
                                                        os.path.join(tmp, "ap_nocse.json"))))
        rows.append(summarise("xbar, 14-bit ADC", run(args.binary, common + ["--model", xm, "--converter", "adc",
                                                                             "--adc-bits", "14"],
                                                      os.path.join(tmp, "adc.json"))))
        rows.append(summarise("xbar, MTJ T=4", run(args.binary, common + ["--model", xm, "--converter", "mtj",
                                                                          "--samples", "4"],
                                                   os.path.join(tmp, "mtj.json"))))
    print(f"ternary small CNN, {args.images} Fashion-MNIST test images, one technology file (configs/tech/default.json)")
    print(f"  {'design':18s} {'accuracy':>9s} {'energy/inf':>12s} {'latency/inf':>12s} {'area':>9s} {'moving act.':>11s}")
    for r in rows:
        print(f"  {r['design']:18s} {100 * r['accuracy']:8.2f}% {r['energy_nj_per_image']:9.1f} nJ "
              f"{r['latency_us_per_image']:9.2f} us {r['area_mm2']:6.2f} mm2 {100 * r['movement_share']:10.1f}%")
    ap_e, nocse_e, adc_e = (rows[i]["energy_nj_per_image"] for i in range(3))
    print(f"  energy per inference, xbar ADC / rtm_ap: {adc_e / ap_e:.3g}x (paper: rtm_ap {PAPER['energy_ratio']}x better "
          f"than crossbar IMC, ResNet-18/ImageNet)")
    print(f"  share of energy moving activations on rtm_ap: {100 * rows[0]['movement_share']:.1f}% (paper: about 3%)")
    idle = rows[0]["idle_xbar_leakage_nj_per_image"]
    print(f"  rtm_ap without the idle crossbar tiles' leakage ({idle:.1f} nJ): {ap_e - idle:.1f} nJ per inference, "
          f"xbar ADC / rtm_ap {adc_e / (ap_e - idle):.3g}x")
    w = rows[0]["write_nj_per_image"]
    tech = json.load(open(os.path.join(ROOT, "configs", "tech", "default.json")))
    rtm_write = tech["tiles"]["rtm_ap"]["write"]["energy_pj_per_bit"]["value"]
    alt = ap_e - idle - w + w * STT_TCAM_WRITE_PJ_PER_BIT / rtm_write
    print(f"  sensitivity: AP writes at the STT-TCAM proxy {STT_TCAM_WRITE_PJ_PER_BIT} pJ/bit instead of RTSim's "
          f"{rtm_write:.3g} pJ/bit: {alt:.1f} nJ per inference, xbar ADC / rtm_ap {adc_e / alt:.3g}x")
    print(f"  CSE saves {100 * (1 - ap_e / nocse_e):.1f}% of the AP's energy per inference "
          f"({nocse_e:.1f} -> {ap_e:.1f} nJ); weight folding stores no weight at all")
    for r in rows:
        print(f"  {r['design']}: largest components per image: " +
              ", ".join(f"{k} {v:.1f} nJ" for k, v in r["top_components"]))
    print("  operations per output (adds/subtracts): dense MACs -> after weight folding -> after CSE")
    for L in meta["layers"]:
        p = {x["pass"]: x for x in L["passes"]}
        d, f, c = (p["dense"]["ops_per_output"], p["constant folding"]["ops_per_output"],
                   p["common subexpressions"]["ops_per_output"])
        print(f"    {L['program']}: {d:.0f} -> {f:.2f} ({100 * (1 - f / d):.0f}% saved) -> {c:.2f} "
              f"({100 * (1 - c / f):.0f}% fewer than folded)")
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    write_atomic(args.out, lambda f: json.dump({"images": args.images, "designs": rows, "paper": PAPER,
                                                "compiler": meta["layers"]}, f, indent=2), "w")
    print(f"  written: {os.path.relpath(args.out, ROOT)}")


if __name__ == "__main__":
    main()
