"""The 4-bit ADC trap and its remedy (issue 14, item 7).

- `--converter adc --adc-bits 4` with adc_range 0 on the small CNN warns, per crossbar layer,
  with the full scale and LSB the geometric bound gives (independently recomputed here), and
  accuracy is near chance;
- tools.stoxnet.calibrate's ranges are the 0.999 quantile of |PS| over the calibration images
  (recomputed here with numpy's inverted-CDF quantile over every partial sum);
- the calibrated model runs without a warning, recovers the accuracy on the same test images,
  and its logits equal the bit-exact reference's;
- bad options are refused with the option named.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

from tools.stoxnet import calibrate, data, hwref

STOXVP = os.environ["STOXVP_BIN"]
MODEL = os.path.join(os.environ.get("STOXVP_MODELS", "models"), "small_cnn_ideal.sxvm")
TEST_IMAGES, CAL_IMAGES = 200, 64
failed = 0


def check(ok, what):
    global failed
    print(("ok      " if ok else "FAILED  ") + what)
    failed += 0 if ok else 1


def run(model, opts, d):
    cmd = [STOXVP, "--model", model, "--images", str(TEST_IMAGES), "--no-vcd", "--no-power",
           "--report", os.path.join(d, "r.json"), "--logits-out", os.path.join(d, "logits.bin")] + opts
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"stoxvp {' '.join(opts)} exited {r.returncode}: {r.stderr}")
    m = re.search(r"(\d+) correct \(([\d.]+)%\)", r.stdout)
    return float(m.group(2)), r.stderr, np.fromfile(os.path.join(d, "logits.bin"), np.float32).reshape(TEST_IMAGES, -1)


model = hwref.Model.load(MODEL)
xbar = [i for i, L in enumerate(model.layers) if L["type"] == hwref.LAYER_XBAR]

with tempfile.TemporaryDirectory() as d:
    # The trap: the geometric bound at 4 bits.
    acc0, err0, _ = run(MODEL, ["--converter", "adc", "--adc-bits", "4"], d)
    for i in xbar:
        L = model.layers[i]
        bound = min(L["in_channels"] * L["kernel_h"] * L["kernel_w"], 128) * (2 ** L["w_slice"] - 1) * (2 ** L["a_stream"] - 1)
        full = 2 ** int(np.ceil(np.log2(bound)))
        lsb = full / 8
        check(re.search(rf"warning .*XBAR_CONV layer {i}: 4-bit adc with adc_range 0 .* = {bound}: full scale \+-{full}, "
                        rf"LSB {lsb:g} partial-sum units.*--adc-range.*tools\.stoxnet\.calibrate", err0) is not None,
              f"layer {i}: warning names bound {bound}, full scale {full}, LSB {lsb:g} and the remedies")
        check(err0.count(f"XBAR_CONV layer {i}:") == 1, f"layer {i}: warned once, not per image")
    check(acc0 < 20.0, f"4-bit ADC, adc_range 0: {acc0}% (near chance)")

    # An explicit full scale is the user's choice: no warning.
    _, err1, _ = run(MODEL, ["--converter", "adc", "--adc-bits", "4", "--adc-range", "700"], d)
    check("XBAR_CONV layer" not in err1, "--adc-range 700: no warning")

    # Calibration: ranges against an independent quantile of every partial sum.
    out = os.path.join(d, "cal.sxvm")
    check(calibrate.main(["--model", MODEL, "--adc-bits", "4", "--images", str(CAL_IMAGES), "--out", out]) == 0,
          "calibrate exits 0")
    doc = json.load(open(os.path.join(d, "cal.json")))
    train = data.read_images(os.path.join(data.DEFAULT_DIR, data.FILES["train"][0]))[:CAL_IMAGES]
    seen = {i: [] for i in xbar}
    ref = hwref.Reference(model, 1, override={"converter": hwref.CONV_IDEAL})
    ref.observe = lambda i, ps: seen[i].append(np.abs(ps).ravel())
    for n, img in enumerate(train):
        ref.run(img, n)
    cal = hwref.Model.load(out)
    for r in doc["layers"]:
        want = max(1.0, float(np.quantile(np.concatenate(seen[r["layer"]]), 0.999, method="inverted_cdf")))
        check(r["adc_range"] == want, f"layer {r['layer']}: calibrated range {r['adc_range']} == quantile {want}")
        hd = cal.params(r["layer"])[0]
        check(hd["converter"] == hwref.CONV_ADC and hd["adc_bits"] == 4 and float(hd["adc_range"]) == want,
              f"layer {r['layer']}: the model copy holds adc, 4 bits, range {want}")
    check([r["layer"] for r in doc["layers"]] == xbar, "every crossbar layer calibrated")

    acc1, err2, logits = run(out, [], d)
    check("XBAR_CONV layer" not in err2, "calibrated model: no warning")
    check(acc1 >= 75.0 and acc1 > acc0 + 50, f"calibrated 4-bit ADC: {acc1}% on the same {TEST_IMAGES} images (was {acc0}%)")
    test = data.read_images(os.path.join(data.DEFAULT_DIR, data.FILES["test"][0]))
    ref2 = hwref.Reference(cal, 0)
    for n in range(3):
        want = ref2.run(test[n], n)
        check(np.array_equal(want.view(np.uint32), logits[n].view(np.uint32)), f"image {n}: logits equal the reference")

    # Refusals.
    for args, word in ((["--adc-bits", "0"], "--adc-bits"), (["--images", "0"], "--images"),
                       (["--model", "/nonexistent.sxvm"], "/nonexistent.sxvm")):
        full = (["--model", MODEL] if "--model" not in args else []) + args
        r = subprocess.run([sys.executable, "-m", "tools.stoxnet.calibrate"] + full, capture_output=True, text=True)
        check(r.returncode != 0 and word in r.stderr, f"calibrate {' '.join(args)}: refused naming {word}")

print(f"{failed} failed")
sys.exit(1 if failed else 0)
