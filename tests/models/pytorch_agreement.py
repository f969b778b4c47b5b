"""The PyTorch estimate of the stochastic model and the platform agree. The training tool's
forward pass (its own random numbers) and the platform (its counter-based generator) classify
the same fixed subset of test images; each accuracy is a mean of per-image outcomes whose
randomness comes from the MTJ samples, so their difference has variance at most
2 p (1 - p) / n. The test allows 4 standard deviations: a wrong converter model, curve, T or
scale moves the accuracies apart by far more (a broken datapath does not land within it)."""
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

from tools.stoxnet import data, datapath, nets
from tools.stoxnet.train import evaluate, prepare

STOXVP = os.environ["STOXVP_BIN"]
MODELS = os.environ.get("STOXVP_MODELS", "models")
N, FIRST, SEED = 1000, 0, 21

ckpt = torch.load(os.path.join(MODELS, "small_cnn_mtj.pt"))
a = ckpt["args"]
conv = datapath.Converter(kind=a["converter"], adc_bits=a["adc_bits"], curve=a["curve"])
conv.set_samples([int(t) for t in a["samples"].split(",")] if "," in a["samples"] else int(a["samples"]))
net = nets.build(a["net"], datapath.Bits(a["w_bits"], a["w_slice"], a["a_bits"], a["a_stream"]), conv, a["rows"])
net.load_state_dict(ckpt["state_dict"])
x, y = data.load("test")
torch.manual_seed(SEED)
acc_torch = evaluate(net, prepare(x[FIRST:FIRST + N], a["net"]), torch.from_numpy(y[FIRST:FIRST + N].astype(np.int64)))

with tempfile.TemporaryDirectory() as d:
    report = os.path.join(d, "r.json")
    subprocess.run([STOXVP, "--model", os.path.join(MODELS, "small_cnn_mtj.sxvm"), "--first", str(FIRST),
                    "--images", str(N), "--seed", str(SEED), "--no-vcd", "--report", report, "--quiet"], check=True,
                   capture_output=True)
    acc_vp = json.load(open(report))["inference"]["accuracy"]

p = (acc_torch + acc_vp) / 2
bound = 4 * math.sqrt(2 * p * (1 - p) / N)
diff = abs(acc_torch - acc_vp)
print(f"{N} images: PyTorch {acc_torch * 100:.2f}%, platform {acc_vp * 100:.2f}%, |difference| "
      f"{diff * 100:.2f} points, bound {bound * 100:.2f} points")
ok = diff <= bound
print(f"{int(ok)} passed, {int(not ok)} failed")
sys.exit(0 if ok else 1)
