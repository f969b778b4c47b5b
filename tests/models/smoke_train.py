"""One batch of the training tool for each network and converter kind, and an untrained
export; every file it writes must pass the C model reader. (Training itself is not run here.)"""
import os
import sys
import tempfile

from tools.stoxnet import hwref, train
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "support"))
from tally import Tally  # noqa: E402  (tests/support)

check = Tally()
runs = [
    ["--net", "small_cnn", "--converter", "mtj", "--w-slice", "1", "--samples", "1,2,4"],
    ["--net", "small_cnn", "--converter", "sparse_adc", "--adc-bits", "4"],
    ["--net", "small_cnn", "--converter", "sense_amp"],
    ["--net", "resnet20", "--converter", "ideal"],
]
with tempfile.TemporaryDirectory() as d:
    for i, args in enumerate(runs + [["--net", "resnet20_cifar", "--untrained"]]):
        out = os.path.join(d, f"m{i}.sxvm")
        extra = [] if "--untrained" in args else ["--smoke"]
        try:
            train.main(args + extra + ["--threads", "1", "--out", out])
            m = hwref.Model.load(out)
            check(len(m.layers) > 0, f"{' '.join(args)}: the C reader finds layers")
            print(f"ok: {' '.join(args)}: {len(m.layers)} layers, {os.path.getsize(out)} bytes")
        except Exception as e:  # noqa: BLE001 - report every failure, then fail
            check(False, f"{' '.join(args)}: {e}")
check.finish()
