"""Firmware on the platform reproduces reference predictions: for a fixed image set and seed,
the logits the host-compiled inference firmware computes on the virtual platform equal, bit for
bit, those of the independent numpy reference (tools/stoxnet/hwref.py), for every shipped
small-CNN model and for converter overrides (homogeneous and inhomogeneous T)."""
import os
import subprocess
import sys
import tempfile

import numpy as np

from tools.stoxnet import data, hwref

STOXVP = os.environ["STOXVP_BIN"]
MODELS = os.environ.get("STOXVP_MODELS", "models")
CONV = {"ideal": 0, "adc": 1, "sparse_adc": 2, "sense_amp": 3, "mtj": 4}

cases = [  # model, first image, images, seed, extra stoxvp options, reference override
    ("small_cnn_mtj", 37, 10, 5, [], None),
    ("small_cnn_mtj", 5000, 3, 11, ["--samples", "1,2,4"], {"samples": [1, 2, 4]}),
    ("small_cnn_mtj", 9000, 3, 11, ["--samples", "8"], {"samples": [8]}),
    ("small_cnn_ideal", 100, 3, 1, [], None),
    ("small_cnn_ideal", 100, 3, 1, ["--converter", "adc", "--adc-bits", "14"], {"converter": CONV["adc"], "adc_bits": 14, "adc_range": 0.0}),
    ("small_cnn_sparse_adc", 200, 3, 1, [], None),
    ("small_cnn_sense_amp", 300, 3, 1, [], None),
]

x, y = data.load("test")
passed = failed = 0
with tempfile.TemporaryDirectory() as d:
    for name, first, n, seed, opts, override in cases:
        path = os.path.join(MODELS, name + ".sxvm")
        logits = os.path.join(d, "logits.bin")
        cmd = [STOXVP, "--model", path, "--first", str(first), "--images", str(n), "--seed", str(seed),
               "--no-vcd", "--report", os.path.join(d, "r.json"), "--logits-out", logits, "--quiet"] + opts
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode != 0:
            failed += 1
            print(f"FAILED {name} {opts}: stoxvp exited {run.returncode}: {run.stderr.strip()}")
            continue
        got = np.fromfile(logits, dtype=np.float32).reshape(n, -1)
        ov = None
        if override:
            ov = dict(override)
            if "samples" in ov:
                t = ov["samples"]
                ov["samples"] = np.array([[t[min(i, len(t) - 1)]] * 8 for i in range(8)], np.uint8)
            if "converter" not in ov:
                ov["converter"] = CONV["mtj"]
                ov.update(adc_bits=8, adc_range=0.0)
        ref = hwref.Reference(hwref.Model.load(path), seed, override=ov)
        for i in range(n):
            want = ref.run(x[first + i], first + i)
            if np.array_equal(want.view(np.uint32), got[i].view(np.uint32)):
                passed += 1
            else:
                failed += 1
                print(f"FAILED {name} {opts} image {first + i}: platform {got[i]} reference {want}")
        print(f"{name} {' '.join(opts)}: images {first}..{first + n - 1} checked")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
