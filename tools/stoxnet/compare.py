"""The paper's comparison (make compare): ResNet-20 with CIFAR-10 shapes on one mapping and one
technology, under the five designs of the brief; per design the accuracy, energy, latency, area and
energy-delay product of one inference, their ratios to the full-precision ADC, the StoX-Net
paper's headline numbers beside them, and how the ratios move with the MTJ sample energy, T and
the ADC model. Writes traces/compare.json.

Each design runs the trained ResNet-20 (models/train_resnet20.sh) made for its converter where
one exists (DESIGN_MODELS); `--model FILE` runs one model for every design instead (e.g.
models/resnet20_cifar.sxvm, random weights, for costs alone).

The ratios are what the model gives; no parameter is tuned toward the paper.

    /usr/bin/python3 -m tools.stoxnet.compare [--stoxvp build/tools/stoxvp]
"""
import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile

from .files import write_atomic

# The IMC macro: what the converter choice changes directly (arrays, their drivers, converters,
# shift-add), as opposed to the whole accelerator (buffers, NoC, DRAM, digital units).
MACRO = ("crossbar", "row_driver", "adc", "sense_amp", "mtj", "shift_add")
CONVERTERS = ("adc", "sense_amp", "mtj")
TILE = MACRO + ("tile_buffer",)

# The walk from the converter alone to the system (where the paper's ratios can arise): what each
# level counts. Energies are the second image's (weights are programmed once), latencies the
# second image's time at that level, areas the whole chip's instances of the level's parts.
WALK_LEVELS = [
    ("converter", "the converters alone: their energy and area; their conversion time on the "
                  "crossbar layers' critical path (per layer invocation, the slowest tile's)"),
    ("macro", "+ arrays, row drivers and shift-add: the array reads (read settle and conversions) "
              "on the critical path"),
    ("tile", "+ tile buffers: the tiles' busy time (array reads or buffer streaming, whichever is "
             "slower) on the critical path"),
    ("chip", "+ global buffer, NoC, vector unit, digital MACs, control: the accelerator's busy "
             "time (equals the report's energy.accelerator_pj minus DRAM, area.chip_um2, "
             "accelerator.busy_ns)"),
    ("system", "+ DRAM, system bus and CPU: the image's latency as the firmware sees it "
               "(equals the report's energy.total_pj; area is the chip's, DRAM's die is not "
               "modelled)"),
]

PAPER = {
    "v1": {"energy": 22, "latency": 30, "area": 142, "edp": 666, "edp_vs_sparse_adc": 111},
    "v2": {"energy": 16, "latency": 8, "area": 10, "edp": 130, "edp_vs_sparse_adc": 24},
}

# The mapping every design shares: 4-bit weights in three 1-bit slices (so that T can differ per
# slice), 4-bit inputs in one wave: a partial sum is at most 128 rows x 7 = 896, so an 11-bit ADC
# is lossless. ADCs are shared by 8 column pairs (NeuroSim's default); sense amplifiers and MTJs
# sit on every column pair.
DESIGNS = [
    ("full_precision_adc", "full-precision ADC (11 bits, 8 columns per ADC)",
     {"kind": "adc", "adc_bits": 11, "cols_per_converter": 8},
     ["--converter", "adc", "--adc-bits", "11", "--adc-range", "0", "--cols-per-converter", "8"]),
    ("sparse_adc", "sparse low-bit ADC (4 bits, zero waves skipped, 8 columns per ADC)",
     {"kind": "sparse_adc", "adc_bits": 4, "cols_per_converter": 8},
     ["--converter", "sparse_adc", "--adc-bits", "4", "--adc-range", "64", "--cols-per-converter", "8"]),
    ("sense_amp", "1-bit sense amplifier",
     {"kind": "sense_amp", "adc_bits": 8, "cols_per_converter": 1},
     ["--converter", "sense_amp", "--cols-per-converter", "1"]),
    ("mtj_homogeneous", "stochastic MTJ, T = 4 on every slice",
     {"kind": "mtj", "adc_bits": 8, "cols_per_converter": 1},
     ["--converter", "mtj", "--samples", "4", "--cols-per-converter", "1"]),
    ("mtj_inhomogeneous", "stochastic MTJ, T = 1, 2, 4 (LSB to MSB slice)",
     {"kind": "mtj", "adc_bits": 8, "cols_per_converter": 1},
     ["--converter", "mtj", "--samples", "1,2,4", "--cols-per-converter", "1"]),
]

# The trained ResNet-20 each design runs, and what that model was trained for. The ADC designs run
# the model trained for exact partial sums (the 11-bit ADC is lossless on this mapping; the 4-bit
# and 1-bit converters were not trained for: their accuracy shows what an untrained converter costs).
DESIGN_MODELS = {
    "full_precision_adc": ("resnet20_ideal", "exact partial sums"),
    "sparse_adc": ("resnet20_ideal", "exact partial sums (not retrained for this converter)"),
    "sense_amp": ("resnet20_ideal", "exact partial sums (not retrained for this converter)"),
    "mtj_homogeneous": ("resnet20_mtj", "the MTJ at T = 4"),
    "mtj_inhomogeneous": ("resnet20_mtj_inhom", "the MTJ at T = 1, 2, 4"),
}

# SOT-MTJ sample sets of docs/technology.md: (write, read, reset) energy in pJ and time in ns.
MTJ_SETS = {
    "low": ((0.024, 0.0109, 0.036), 0.5),
    "primary": ((0.080, 0.030, 0.160), 1.0),
    "high": ((0.400, 0.122, 0.800), 2.0),
}


class Runner:
    def __init__(self, stoxvp, base_config, model, workdir):
        self.stoxvp, self.model, self.dir = stoxvp, model, workdir
        with open(base_config) as f:
            self.base = json.load(f)
        self.n = 0

    def run(self, design, images, opts, tech=None, adc_model="", model=None, labels=False):
        cfg = copy.deepcopy(self.base)
        cfg.setdefault("accelerator", {})["converter_design"] = design
        if tech is not None:
            self.n += 1
            path = os.path.join(self.dir, f"tech{self.n}.json")
            with open(path, "w") as f:
                json.dump(tech, f)
            cfg["technology"] = {"file": path, "adc_model": adc_model}
        elif adc_model:
            cfg["technology"] = {"file": "", "adc_model": adc_model}
        cfg_path = os.path.join(self.dir, "config.json")
        with open(cfg_path, "w") as f:
            json.dump(cfg, f)
        report = os.path.join(self.dir, "report.json")
        cmd = [self.stoxvp, "--config", cfg_path, "--model", model or self.model, "--images", str(images),
               "--no-vcd", "--no-power", "--report", report, "--quiet"] + ([] if labels else ["--labels-file", ""]) + opts
        run = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1"))
        if run.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)}: {run.stderr.strip() or run.stdout.strip()}")
        with open(report) as f:
            return json.load(f)

    def walk(self, design, opts, tech=None, adc_model="", model=None):
        """One design's energy, latency, area and EDP at each level of WALK_LEVELS."""
        return walk_levels(self.run(design, 1, opts, tech, adc_model, model),
                           self.run(design, 2, opts, tech, adc_model, model))

    def accuracy(self, design, opts, images, model=None):
        """Accuracy on the first `images` test images (seed 1, the default technology)."""
        rep = self.run(design, images, opts, model=model, labels=True)["inference"]
        return {"accuracy": rep["accuracy"], "correct": rep["correct"], "images": rep["images"]}

    def inference(self, design, opts, tech=None, adc_model="", model=None):
        """Cost of one inference: the second image's marginal energy (weights are programmed once),
        the firmware's per-image latency, the chip's area."""
        one = self.run(design, 1, opts, tech, adc_model, model)
        two = self.run(design, 2, opts, tech, adc_model, model)
        energy = two["energy"]["total_pj"] - one["energy"]["total_pj"]
        latency = two["inference"]["latency_ns_per_image"]
        conv = two["accelerator"].get("converters", {})
        c1, c2 = one["energy"]["components"], two["energy"]["components"]
        macro_energy = sum(c2[k]["total_pj"] - c1[k]["total_pj"] for k in MACRO)
        macro_area = sum(two["area"]["components_um2"].get(k, 0) for k in MACRO)
        return {"energy_pJ": energy, "latency_ns": latency, "area_um2": two["area"]["chip_um2"],
                "edp_pJ_ns": energy * latency,
                "macro": {"energy_pJ": macro_energy, "area_um2": macro_area},
                "conversions": sum(c["conversions"] for c in conv.values()) / 2,
                "mtj_samples": sum(c["samples"] for c in conv.values()) / 2,
                "adc_model": two["technology"]["adc_model"],
                "pipelined": {k: two["timing"]["pipelined"][k] for k in
                              ("latency_ns_per_image", "interval_ns", "throughput_images_per_s", "bottleneck")}}


def walk_levels(one, two):
    """The levels of WALK_LEVELS from a one-image and a two-image report of the same run."""
    c1, c2 = one["energy"]["components"], two["energy"]["components"]
    area = two["area"]["components_um2"]

    def energy(keys):
        return sum(c2[k]["total_pj"] - c1[k]["total_pj"] for k in keys if k in c2)

    def path(level):
        return two["accelerator"]["critical_path_ns"][level] - one["accelerator"]["critical_path_ns"][level]

    dram = energy(("dram",))
    accel = two["energy"]["accelerator_pj"] - one["energy"]["accelerator_pj"]
    system = two["energy"]["total_pj"] - one["energy"]["total_pj"]
    second_image_ns = 2 * two["inference"]["latency_ns_per_image"] - one["inference"]["latency_ns_per_image"]
    chip_area = two["area"]["chip_um2"]
    out = {
        "converter": (energy(CONVERTERS), path("converter"), sum(area.get(k, 0) for k in CONVERTERS)),
        "macro": (energy(MACRO), path("macro"), sum(area.get(k, 0) for k in MACRO)),
        "tile": (energy(TILE), path("tile"), sum(area.get(k, 0) for k in TILE)),
        "chip": (accel - dram, two["accelerator"]["busy_ns"] - one["accelerator"]["busy_ns"], chip_area),
        "system": (system, second_image_ns, chip_area),
    }
    return {k: {"energy_pJ": e, "latency_ns": t, "area_um2": a, "edp_pJ_ns": e * t} for k, (e, t, a) in out.items()}


def walk_ratios(adc, mtj):
    """ADC over MTJ at each level (the paper's direction: how many times better the MTJ is)."""
    return {lvl: {k: (adc[lvl][k] / mtj[lvl][k] if mtj[lvl][k] else None) for k in adc[lvl]} for lvl in adc}


def fmt_ratio(v):
    return "n/a" if v is None else (f"{v:.3g}" if v < 100 else f"{v:.0f}")


def ratios(base, d):
    r = {k: base[k] / d[k] if d[k] else None for k in ("energy_pJ", "latency_ns", "area_um2", "edp_pJ_ns")}
    r["macro_energy"] = base["macro"]["energy_pJ"] / d["macro"]["energy_pJ"]
    r["macro_area"] = base["macro"]["area_um2"] / d["macro"]["area_um2"]
    return r


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stoxvp", default="build/tools/stoxvp")
    ap.add_argument("--config", default="configs/compare.json")
    ap.add_argument("--model", help="one model file for every design (default: the trained ResNet-20 of each "
                                    "design, DESIGN_MODELS, from --models)")
    ap.add_argument("--models", default="models")
    ap.add_argument("--accuracy-images", type=int, default=1000,
                    help="test images each design's accuracy is measured on (0: none)")
    ap.add_argument("--tech", default="configs/tech/default.json")
    ap.add_argument("--out", default="traces/compare.json")
    args = ap.parse_args(argv)
    if not 0 <= args.accuracy_images <= 10000:
        ap.error(f"--accuracy-images {args.accuracy_images}: must be 0..10000")
    with open(args.tech) as f:
        tech = json.load(f)
    if args.model:
        model_of = {k: (args.model, "what --model was trained for") for k in DESIGN_MODELS}
    else:
        model_of = {k: (os.path.join(args.models, stem + ".sxvm"), what) for k, (stem, what) in DESIGN_MODELS.items()}
        missing = sorted({p for p, _ in model_of.values() if not os.path.exists(p)})
        if missing:
            raise SystemExit(f"{', '.join(missing)}: missing; train them with `make models` (models/train_resnet20.sh) "
                             "or compare costs alone with --model models/resnet20_cifar.sxvm (random weights)")

    with tempfile.TemporaryDirectory() as d:
        r = Runner(args.stoxvp, args.config, model_of["full_precision_adc"][0], d)
        designs = {}
        for key, label, design, opts in DESIGNS:
            m = model_of[key][0]
            designs[key] = dict(label=label, model=os.path.basename(m), trained_for=model_of[key][1],
                                **r.inference(design, opts, tech, model=m))
            if args.accuracy_images:
                designs[key]["accuracy"] = r.accuracy(design, opts, args.accuracy_images, model=m)
        base = designs["full_precision_adc"]
        for key in designs:
            designs[key]["ratio_to_full_precision_adc"] = ratios(base, designs[key])
        edp_vs_sparse = {k: designs["sparse_adc"]["edp_pJ_ns"] / designs[k]["edp_pJ_ns"] for k in designs}

        # Sensitivity of the MTJ design's ratios (homogeneous T = 4 unless T varies).
        sens = []
        fp_design, fp_opts = DESIGNS[0][2], DESIGNS[0][3]
        mtj_design, mtj_opts = DESIGNS[3][2], DESIGNS[3][3]
        fp_model, mtj_model = model_of["full_precision_adc"][0], model_of["mtj_homogeneous"][0]
        for name, (energies, t_ns) in MTJ_SETS.items():
            t = copy.deepcopy(tech)
            m = t["components"]["mtj"]
            for field, value in zip(("write_energy_pj", "read_energy_pj", "reset_energy_pj"), energies):
                m[field]["value"] = value
            for field in ("write_ns", "read_ns", "reset_ns"):
                m[field]["value"] = t_ns
            res = r.inference(mtj_design, mtj_opts, t, model=mtj_model)
            sens.append({"parameter": "MTJ sample", "value": f"{name}: {sum(energies) * 1000:.0f} fJ, {3 * t_ns:g} ns",
                         **ratios(base, res)})
        for samples in ("2", "4", "8"):
            opts = [o if o != "4" else samples for o in mtj_opts]
            res = r.inference(mtj_design, opts, tech, model=mtj_model)
            sens.append({"parameter": "T (every slice)", "value": samples, **ratios(base, res)})
        for model in ("isaac", "neurosim"):
            fp = r.inference(fp_design, fp_opts, tech, model, fp_model)
            res = r.inference(mtj_design, mtj_opts, tech, model, mtj_model)
            sens.append({"parameter": "ADC model", "value": model, **ratios(fp, res)})

        # The walk: the full-precision ADC against each MTJ design, level by level, under each
        # ADC model of the technology file.
        walk = {"levels": [{"level": k, "counts": v} for k, v in WALK_LEVELS], "by_adc_model": {}}
        for model in ("isaac", "neurosim"):
            fp = r.walk(fp_design, fp_opts, tech, model, fp_model)
            entry = {"full_precision_adc": fp}
            for key in ("mtj_homogeneous", "mtj_inhomogeneous"):
                _, _, dsg, opts = next(d for d in DESIGNS if d[0] == key)
                lv = r.walk(dsg, opts, tech, model, model_of[key][0])
                entry[key] = lv
                entry[key + "_ratio"] = walk_ratios(fp, lv)
            walk["by_adc_model"][model] = entry

    result = {"network": "ResNet-20, CIFAR-10 shapes (3x32x32, 10 classes), " +
                         ("weights of " + args.model if args.model else
                          "trained on Fashion-MNIST padded to 3x32x32 (models/train_resnet20.sh)"),
              "accuracy_images": args.accuracy_images,
              "mapping": "4-bit weights in three 1-bit slices, 4-bit inputs in one wave, 128x128 arrays, 32 tiles",
              "technology": args.tech, "adc_model": base["adc_model"],
              "designs": designs, "edp_ratio_to_sparse_adc": edp_vs_sparse, "paper": PAPER, "sensitivity": sens,
              "walk": walk,
              "timing_mode": "layer: one image at a time, each layer after the previous one (every latency, EDP "
                             "and ratio above); designs.<d>.pipelined gives the pipelined mode's figures beside it",
              "command": "/usr/bin/python3 -m tools.stoxnet.compare " + " ".join(argv if argv is not None else sys.argv[1:])}
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    write_atomic(args.out, lambda f: json.dump(result, f, indent=2), "w")

    print(f"ResNet-20 (CIFAR-10 shapes), one inference; ADC model {base['adc_model']}; ratios are the full-precision ADC's value over the design's ({args.out})\n")
    print("| design | accuracy | energy | latency | area | EDP | energy x | latency x | area x | EDP x | macro energy x | macro area x |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for key, dsg in designs.items():
        q = dsg["ratio_to_full_precision_adc"]
        a = dsg.get("accuracy")
        acc = f"{a['accuracy'] * 100:.1f} %" if a else "-"
        print(f"| {dsg['label']} | {acc} | {dsg['energy_pJ'] / 1e6:.2f} uJ | {dsg['latency_ns'] / 1e3:.1f} us | "
              f"{dsg['area_um2'] / 1e6:.2f} mm2 | {dsg['edp_pJ_ns'] / 1e9:.3f} nJ.ms | {q['energy_pJ']:.2f} | "
              f"{q['latency_ns']:.2f} | {q['area_um2']:.2f} | {q['edp_pJ_ns']:.2f} | {q['macro_energy']:.2f} | "
              f"{q['macro_area']:.2f} |")
    for v, p in PAPER.items():
        print(f"| StoX-Net paper {v} (MTJ vs full-precision ADC) | | | | | | {p['energy']} | {p['latency']} | "
              f"{p['area']} | {p['edp']} | | |")
    print("\n(macro: arrays, row drivers, converters and shift-add only; the other columns count the whole "
          "accelerator: buffers, NoC, DRAM and digital units included)")
    if args.accuracy_images:
        print(f"\nAccuracy: the first {args.accuracy_images} Fashion-MNIST test images, seed 1 (binomial 95 % interval "
              f"about ±{196 * (0.25 / args.accuracy_images) ** 0.5:.1f} points at most). Models:")
        for key, dsg in designs.items():
            print(f"- {dsg['label']}: {dsg['model']}, trained for {dsg['trained_for']}")
    print(f"\nEDP of the MTJ designs against the sparse low-bit ADC: homogeneous "
          f"{edp_vs_sparse['mtj_homogeneous']:.2f}x, inhomogeneous {edp_vs_sparse['mtj_inhomogeneous']:.2f}x "
          f"(paper: v1 {PAPER['v1']['edp_vs_sparse_adc']}x, v2 {PAPER['v2']['edp_vs_sparse_adc']}x)\n")
    print("Sensitivity of the MTJ design's ratios to the full-precision ADC:\n")
    print("| parameter | value | energy x | latency x | area x | EDP x | macro energy x |")
    print("|---|---|---|---|---|---|---|")
    for s in sens:
        print(f"| {s['parameter']} | {s['value']} | {s['energy_pJ']:.2f} | {s['latency_ns']:.2f} | "
              f"{s['area_um2']:.2f} | {s['edp_pJ_ns']:.2f} | {s['macro_energy']:.2f} |")
    print("\nTiming mode of every figure above: layer at a time. The pipelined mode (stoxvp --timing pipelined: "
          "layers of consecutive images overlap, each on its own tiles) beside it:\n")
    print("| design | latency, layer at a time | images/s, layer at a time | latency, pipelined | images/s, pipelined | bottleneck |")
    print("|---|---|---|---|---|---|")
    for key, dsg in designs.items():
        pl = dsg["pipelined"]
        print(f"| {dsg['label']} | {dsg['latency_ns'] / 1e3:.1f} us | {1e9 / dsg['latency_ns']:.4g} | "
              f"{pl['latency_ns_per_image'] / 1e3:.1f} us | {pl['throughput_images_per_s']:.4g} | {pl['bottleneck']} |")
    print("\nWhere the paper's ratios live: the full-precision ADC over the MTJ, level by level "
          "(energy and latency of the second image; EDP = energy x latency at that level):\n")
    for lvl, what in WALK_LEVELS:
        print(f"- {lvl}: {what}")
    for model, entry in walk["by_adc_model"].items():
        for key in ("mtj_homogeneous", "mtj_inhomogeneous"):
            print(f"\nADC model {model}, full-precision ADC vs {key.replace('_', ' ')}:\n")
            print("| level | ADC energy | MTJ energy | ADC latency | MTJ latency | energy x | latency x | area x | EDP x |")
            print("|---|---|---|---|---|---|---|---|---|")
            for lvl, _ in WALK_LEVELS:
                a, m, q = entry["full_precision_adc"][lvl], entry[key][lvl], entry[key + "_ratio"][lvl]
                print(f"| {lvl} | {a['energy_pJ'] / 1e3:.4g} nJ | {m['energy_pJ'] / 1e3:.4g} nJ | "
                      f"{a['latency_ns'] / 1e3:.4g} us | {m['latency_ns'] / 1e3:.4g} us | {fmt_ratio(q['energy_pJ'])} | "
                      f"{fmt_ratio(q['latency_ns'])} | {fmt_ratio(q['area_um2'])} | {fmt_ratio(q['edp_pJ_ns'])} |")
    print(f"\n(paper, MTJ vs full-precision ADC: v1 energy {PAPER['v1']['energy']}x, EDP {PAPER['v1']['edp']}x; "
          f"v2 energy {PAPER['v2']['energy']}x, EDP {PAPER['v2']['edp']}x. Timing mode: layer-at-a-time.)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
