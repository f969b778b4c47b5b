"""The accuracy table (make accuracy): the small CNN on the Fashion-MNIST test set, in PyTorch
(float, quantised exact, the stochastic MTJ estimate) and on the virtual platform under every
converter design. Writes traces/accuracy.json and prints the table as Markdown.

    /usr/bin/python3 -m tools.stoxnet.accuracy [--images 10000] [--seed 1]

`--net resnet20` (make accuracy NET=resnet20) gives the paper's network, ResNet-20 with CIFAR-10
shapes on Fashion-MNIST padded to 3x32x32, every design with a model trained for it, PyTorch and
the platform side by side (traces/accuracy_resnet20.json).
"""
import argparse
import concurrent.futures as futures
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

from . import data, datapath, nets
from .files import write_atomic
from .train import evaluate, prepare

# design, model file stem, stoxvp options, what the converter is
PLATFORM_ROWS = [
    ("ideal (exact partial sums)", "small_cnn_ideal", [], "none"),
    ("full-precision ADC, 14 bits, lossless", "small_cnn_ideal", ["--converter", "adc", "--adc-bits", "14"], "SAR ADC"),
    ("sparse low-bit ADC, 4 bits", "small_cnn_sparse_adc", [], "SAR ADC, zero waves skipped"),
    ("1-bit sense amplifier", "small_cnn_sense_amp", [], "sense amplifier"),
    ("stochastic MTJ, T = 1", "small_cnn_mtj", ["--samples", "1"], "SOT-MTJ"),
    ("stochastic MTJ, T = 2", "small_cnn_mtj", ["--samples", "2"], "SOT-MTJ"),
    ("stochastic MTJ, T = 4", "small_cnn_mtj", ["--samples", "4"], "SOT-MTJ"),
    ("stochastic MTJ, T = 8", "small_cnn_mtj", ["--samples", "8"], "SOT-MTJ"),
    ("stochastic MTJ, T = 16", "small_cnn_mtj", ["--samples", "16"], "SOT-MTJ"),
    ("stochastic MTJ, inhomogeneous T = 1, 2, 4 (LSB to MSB slice)", "small_cnn_mtj", ["--samples", "1,2,4"], "SOT-MTJ"),
]


# ResNet-20: (design, PyTorch checkpoint stem or None, platform model stem or None, the T the
# converter uses, stoxvp options). The ADC rows run the ideal-trained model: a lossless ADC
# computes what it was trained for.
RESNET20_ROWS = [
    ("float software", "resnet20_float", None, None, []),
    ("ideal (exact partial sums)", "resnet20_ideal", "resnet20_ideal", None, []),
    ("full-precision ADC, 11 bits, lossless", None, "resnet20_ideal", None,
     ["--converter", "adc", "--adc-bits", "11", "--adc-range", "0"]),
] + [(f"stochastic MTJ, T = {t}", "resnet20_mtj", "resnet20_mtj", str(t), ["--samples", str(t)])
     for t in (1, 2, 4, 8, 16)] + [
    ("stochastic MTJ, inhomogeneous T = 1, 2, 4 (LSB to MSB slice)", "resnet20_mtj_inhom", "resnet20_mtj_inhom",
     "1,2,4", ["--samples", "1,2,4"]),
]


def half_width_95(a, n):
    """The binomial 95 % half-width of an accuracy a measured on n images: 1.96 sqrt(a (1 - a) / n)."""
    return 1.96 * math.sqrt(a * (1 - a) / n)


def load_checkpoint(path, float_mode=False, samples=None):
    ckpt = torch.load(path)
    a = ckpt["args"]
    conv = datapath.Converter(kind=a["converter"], adc_bits=a["adc_bits"], curve=a["curve"])
    samples = samples or a["samples"]
    conv.set_samples([int(t) for t in samples.split(",")] if "," in samples else int(samples))
    datapath.FLOAT["on"] = float_mode
    net = nets.build(a["net"], datapath.Bits(a["w_bits"], a["w_slice"], a["a_bits"], a["a_stream"]), conv, a["rows"])
    net.load_state_dict(ckpt["state_dict"])
    return net, a


def pytorch_row(design, path, x, y, seed, float_mode=False, samples=None):
    net, a = load_checkpoint(path, float_mode, samples)
    torch.manual_seed(seed)
    acc = evaluate(net, prepare(x, a["net"]), torch.from_numpy(y.astype(np.int64)))
    datapath.FLOAT["on"] = False
    return {"design": design, "where": "PyTorch", "model": os.path.basename(path), "options": [], "accuracy": acc,
            "correct": int(round(acc * len(x))), "images": len(x)}


def platform_row(stoxvp, models, design, stem, opts, n, seed):
    with tempfile.TemporaryDirectory() as d:
        report = os.path.join(d, "r.json")
        cmd = [stoxvp, "--model", os.path.join(models, stem + ".sxvm"), "--images", str(n), "--seed", str(seed),
               "--no-vcd", "--report", report, "--quiet"] + opts
        t0 = time.time()
        run = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1"))
        if run.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed: {run.stderr.strip() or run.stdout.strip()}")
        rep = json.load(open(report))
    inf, acc = rep["inference"], rep["accelerator"]
    conv = acc.get("converters", {})
    return {"design": design, "where": "platform", "model": stem + ".sxvm", "options": opts,
            "accuracy": inf["accuracy"], "correct": inf["correct"], "images": inf["images"],
            "predictions": inf["predictions"], "latency_ns_per_image": inf["latency_ns_per_image"],
            "conversions_per_image": sum(c["conversions"] for c in conv.values()) / inf["images"],
            "mtj_samples_per_image": sum(c["samples"] for c in conv.values()) / inf["images"],
            "host_seconds": round(time.time() - t0, 1)}


def add_noise(rows, labels):
    """The statistical noise of every row: the binomial 95 % half-width 1.96 sqrt(a (1 - a) / n);
    for the platform's MTJ rows also the paired difference to T = 4 on the same images (per-image
    outcomes c_T - c_4, mean +- 1.96 sd / sqrt(n)), much tighter than two separate intervals."""
    def hits(r):
        return np.asarray(r.pop("predictions")) == labels[:r["images"]]
    ref = next((r for r in rows if r["where"] == "platform" and r["model"] == "small_cnn_mtj.sxvm"
                and r["options"] == ["--samples", "4"]), None)
    ref_hits = hits(ref) if ref else None
    for r in rows:
        n, a = r["images"], r["accuracy"]
        r["half_width_95"] = half_width_95(a, n)
        if "predictions" not in r:
            continue
        c = hits(r)
        if ref is not None and r["model"] == ref["model"] and r["options"][:1] == ["--samples"] and r is not ref:
            d = c.astype(float) - ref_hits
            r["paired_vs_t4"] = {"difference": float(d.mean()), "half_width_95": float(1.96 * d.std(ddof=1) / math.sqrt(n))}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--stoxvp", default="build/tools/stoxvp")
    ap.add_argument("--models", default="models")
    ap.add_argument("--out", default="traces/accuracy.json")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--net", default="small_cnn", choices=["small_cnn", "resnet20"])
    args = ap.parse_args(argv)
    if args.images < 1 or args.images > 10000 or args.jobs < 1:
        ap.error(f"--images {args.images} (1..10000), --jobs {args.jobs} (>= 1)")
    torch.set_num_threads(1)
    x, y = data.load("test")
    x, y = x[:args.images], y[:args.images]
    if args.net == "resnet20":
        return resnet20_table(args, x, y, argv)
    rows = [
        pytorch_row("float software", os.path.join(args.models, "small_cnn_float.pt"), x, y, args.seed, True),
        pytorch_row("quantised exact (4-bit weights and activations)", os.path.join(args.models, "small_cnn_ideal.pt"), x, y, args.seed),
        pytorch_row("stochastic MTJ, T = 4 (PyTorch estimate)", os.path.join(args.models, "small_cnn_mtj.pt"), x, y, args.seed),
    ]
    with futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        jobs = [pool.submit(platform_row, args.stoxvp, args.models, d, s, o, args.images, args.seed)
                for d, s, o, _ in PLATFORM_ROWS]
        rows += [j.result() for j in jobs]
    add_noise(rows, y)
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    result = {"network": "small_cnn", "dataset": "Fashion-MNIST test set", "images": args.images, "seed": args.seed,
              "command": "/usr/bin/python3 -m tools.stoxnet.accuracy " + " ".join(argv if argv is not None else sys.argv[1:]),
              "rows": rows}
    with open(args.out, "w") as f:
        json.dump(result, f, indent=2)
    print(f"Small CNN on the first {args.images} Fashion-MNIST test images, seed {args.seed} ({args.out}):\n")
    print("| design | where | accuracy | 95 % interval | converter samples per image |")
    print("|---|---|---|---|---|")
    for r in rows:
        extra = ""
        if r["where"] == "platform":
            extra = f"{r['conversions_per_image']:.0f} conversions"
            if r["mtj_samples_per_image"]:
                extra += f", {r['mtj_samples_per_image']:.0f} MTJ samples"
        noise = f"+-{r['half_width_95'] * 100:.2f}"
        if "paired_vs_t4" in r:
            noise += f"; minus T = 4: {r['paired_vs_t4']['difference'] * 100:+.2f} +-{r['paired_vs_t4']['half_width_95'] * 100:.2f} (paired)"
        print(f"| {r['design']} | {r['where']} | {r['accuracy'] * 100:.2f}% | {noise} | {extra} |")
    return 0


def resnet20_table(args, x, y, argv):
    """Every ResNet-20 design in PyTorch and on the platform, side by side."""
    out = args.out if args.out != "traces/accuracy.json" else "traces/accuracy_resnet20.json"
    for _, pt, sx, _, _ in RESNET20_ROWS:
        for stem, ext in ((pt, ".pt"), (sx, ".sxvm")):
            if stem and not os.path.exists(os.path.join(args.models, stem + ext)):
                raise SystemExit(f"{os.path.join(args.models, stem + ext)}: missing; train it with `make models` "
                                 "(models/train_resnet20.sh)")
    rows = []
    with futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        # The platform runs are separate processes: they overlap with the PyTorch rows here.
        plat = [pool.submit(platform_row, args.stoxvp, args.models, d, sx, opts, args.images, args.seed)
                if sx else None for d, _, sx, _, opts in RESNET20_ROWS]
        for (d, pt, _, t, _), pj in zip(RESNET20_ROWS, plat):
            row = {"design": d}
            if pt:
                row["pytorch"] = pytorch_row(d, os.path.join(args.models, pt + ".pt"), x, y, args.seed,
                                             float_mode=(pt == "resnet20_float"), samples=t)
            if pj:
                row["platform"] = pj.result()
            rows.append(row)
    for r in rows:
        for where in ("pytorch", "platform"):
            if where in r:
                r[where].pop("predictions", None)
                r[where]["half_width_95"] = half_width_95(r[where]["accuracy"], r[where]["images"])
    result = {"network": "resnet20 (CIFAR-10 shapes; Fashion-MNIST padded to 3x32x32)",
              "dataset": "Fashion-MNIST test set", "images": args.images, "seed": args.seed,
              "command": "/usr/bin/python3 -m tools.stoxnet.accuracy " + " ".join(argv if argv is not None else sys.argv[1:]),
              "rows": rows}
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    write_atomic(out, lambda f: json.dump(result, f, indent=2), "w")

    def cell(r):
        return f"{r['accuracy'] * 100:.2f} % ± {r['half_width_95'] * 100:.2f}" if r else "-"
    print(f"ResNet-20 on the first {args.images} Fashion-MNIST test images, seed {args.seed} ({out}); "
          "± is the binomial 95 % interval:\n")
    print("| design | PyTorch | platform | platform conversions, MTJ samples per image |")
    print("|---|---|---|---|")
    for r in rows:
        p = r.get("platform")
        extra = f"{p['conversions_per_image']:.0f}, {p['mtj_samples_per_image']:.0f}" if p else ""
        print(f"| {r['design']} | {cell(r.get('pytorch'))} | {cell(p)} | {extra} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
