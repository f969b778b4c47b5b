"""The spiking macro's models against the independent numpy reference (tools/stoxnet/snnref.py):
random networks of convolutions and FC layers at several W/V resolutions and both reset rules,
input spikes over several timesteps; the integer model (--core), the bit-level model (--bits)
and the platform (--platform: descriptors through the accelerator, when given) must produce
every output spike of every layer at every timestep and every final potential exactly."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

from tools.stoxnet import snnref
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "support"))
from tally import Tally  # noqa: E402  (tests/support)

RUNNER = os.environ["STOXVP_SNN_CASE"]
MODES = sys.argv[1:] or ["--core", "--bits"]
check = Tally()


def layer(rng, typ, in_shape, out_c, k, s, p, wb, vb, reset, thr_scale):
    c, h, w = in_shape
    L = dict(type=typ, in_c=c, in_h=h, in_w=w, out_c=out_c, kernel=k if typ == 0 else 1,
             stride=s if typ == 0 else 1, pad=p if typ == 0 else 0, w_bits=wb, v_bits=vb, reset=reset)
    n = out_c * c * k * k if typ == 0 else out_c * c * h * w
    lim = (1 << (wb - 1)) - 1
    L["weights"] = rng.integers(-lim, lim + 1, n).tolist()
    L["threshold"] = int(min((1 << (vb - 1)) - 1, max(1, thr_scale * lim)))
    oh, ow = snnref.out_hw(L)
    return L, (out_c, oh, ow)


def network(rng, spec, in_shape):
    layers, shape = [], in_shape
    for args in spec:
        L, shape = layer(rng, *args[:1], shape, *args[1:])
        layers.append(L)
    return layers


CASES = [
    # (type, out_c, kernel, stride, pad, w_bits, v_bits, reset, threshold in units of the weight limit)
    ("8b W / 16b V, reset to zero", (2, 8, 8), [(0, 4, 3, 1, 1, 8, 16, 0, 2), (0, 6, 3, 2, 0, 8, 16, 0, 2),
                                               (1, 5, 0, 0, 0, 8, 16, 0, 1)]),
    ("mixed resolutions, subtract", (2, 9, 7), [(0, 3, 3, 2, 1, 4, 9, 1, 2), (0, 5, 2, 1, 0, 6, 12, 1, 3),
                                               (1, 4, 0, 0, 0, 3, 7, 1, 2)]),
    ("narrow potentials that wrap", (1, 6, 6), [(0, 3, 3, 1, 1, 5, 6, 1, 1), (1, 3, 0, 0, 0, 5, 5, 0, 1)]),
    ("FC only, 16b W / 32b V", (3, 2, 2), [(1, 12, 0, 0, 0, 16, 32, 0, 0.5), (1, 4, 0, 0, 0, 2, 3, 1, 1)]),
]

with tempfile.TemporaryDirectory() as tmp:
    for ci, (name, in_shape, spec) in enumerate(CASES):
        rng = np.random.default_rng([11, ci])
        layers = network(rng, spec, in_shape)
        T = 8
        maps = (rng.random((T,) + in_shape) < 0.35).astype(np.uint8)
        case = {"layers": layers, "timesteps": [np.flatnonzero(m).tolist() for m in maps]}
        ref = snnref.Network(layers)
        ref_spikes = [[np.flatnonzero(o).tolist() for o in ref.step(m)] for m in maps]
        total = sum(len(s) for st in ref_spikes for s in st)
        check(total > 20, f"{name}: the reference fired {total} spikes (the case exercises the threshold)")
        path = os.path.join(tmp, f"case{ci}.json")
        with open(path, "w") as f:
            json.dump(case, f)
        for mode in MODES:
            out = os.path.join(tmp, f"out{ci}{mode}.json")
            r = subprocess.run([RUNNER, mode, path, out], capture_output=True, text=True)
            check(r.returncode == 0, f"{name} {mode}: runner exit {r.returncode}: {r.stderr}")
            if r.returncode:
                continue
            got = json.load(open(out))
            for t in range(T):
                for li in range(len(layers)):
                    check(got["spikes"][t][li] == ref_spikes[t][li], f"{name} {mode}: timestep {t} layer {li} spikes")
            for li in range(len(layers)):
                check(got["potentials"][li] == ref.v[li].reshape(-1).tolist(), f"{name} {mode}: layer {li} potentials")
                if "counts" in got:
                    check(got["counts"][li] == ref.counts[li].reshape(-1).tolist(), f"{name} {mode}: layer {li} counts")
        print(f"{name}: {total} spikes, modes {' '.join(MODES)}")

check.finish()
