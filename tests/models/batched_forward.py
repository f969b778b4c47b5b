"""The batched PS-aware forward (the default) computes what the per-piece forward computes.

Both paths are run on the same network, input and batch-norm mode with a deterministic
sampler (count = floor(T p + 1/2)) put in place of the random one, so any difference is the
implementation's: the logits must be equal bit for bit (the partial sums are integers, every
converter step is the same elementwise operation, the drive batch norm sees the same layout and
the shift-add keeps the per-piece order), the ADC's calibrated range must be the same, and
the gradients of every parameter (and of a layer's input) must agree within float
reassociation (relative 1e-4 of the largest entry: the batched backward sums the same
products in another order). The random sampler is checked on its own: Binomial(T, p) mean and
variance within 5 standard errors, fixed by torch.manual_seed.

The MTJ's fused conversion (datapath.FUSED) is switched off here: this test checks the unfused
batched path (PieceCodes) against the per-piece one; tests/models/fused_codes.py checks the
fused path against PieceCodes.
"""
import math
import os
import sys

import torch

from forward_paths import deterministic, rel_err, run  # beside this script
from tools.stoxnet import datapath, nets
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "support"))
from tally import Tally  # noqa: E402  (tests/support)

check = Tally()


def compare(tag, module, x):
    for train in (True, False):
        y0, g0 = run(module, x, datapath.PER_PIECE, True, train)
        y1, g1 = run(module, x, datapath.PER_PIECE, False, train)
        mode = "train" if train else "eval"
        check(y0.shape == y1.shape and torch.equal(y0.view(-1).view(torch.int32), y1.view(-1).view(torch.int32)),
              f"{tag} {mode}: outputs differ (max |diff| {float((y0 - y1).abs().max()):.3g})")
        check(set(g0) == set(g1), f"{tag} {mode}: gradients of different parameters")
        worst = max((rel_err(g0[k], g1[k]), k) for k in g0 if k in g1)
        check(worst[0] <= 1e-4, f"{tag} {mode}: gradient of {worst[1]} differs by {worst[0]:.2e} (relative)")
        print(f"{tag} {mode}: outputs equal: {torch.equal(y0, y1)}, worst gradient difference {worst[0]:.1e} ({worst[1]})")


datapath.sample_count = deterministic
datapath.sample_count_per_piece = deterministic
datapath.FUSED["on"] = False
cases = [  # converter, samples, bits (w_bits, w_slice, a_bits, a_stream), networks
    ("mtj", 4, (4, 1, 4, 3), ("layer", "small_cnn", "resnet20")),
    ("mtj", [1, 2, 4], (4, 1, 4, 1), ("layer", "small_cnn")),  # inhomogeneous T, 3 waves
    ("mtj", 3, (4, 1, 4, 3), ("small_cnn",)),  # codes not dyadic: the shift-add order matters
    ("ideal", 4, (4, 3, 4, 3), ("small_cnn",)),
    ("sense_amp", 4, (4, 3, 4, 3), ("small_cnn",)),
    ("sparse_adc", 4, (4, 3, 4, 1), ("small_cnn",)),
    ("adc", 4, (4, 1, 4, 3), ("layer",)),
]
for kind, samples, b, where in cases:
    conv = datapath.Converter(kind=kind, adc_bits=4)
    conv.set_samples(samples)
    bits = datapath.Bits(*b)
    for name in where:
        tag = f"{kind} T={samples} bits={b} {name}"
        torch.manual_seed(5)
        if name == "layer":
            # K = 20 * 9 = 180: a full row chunk and a partial one, with a channel split between them.
            module = datapath.XbarConv2d(20, 24, 3, stride=2, pad=1, bits=bits, conv=conv)
            x = torch.randint(-9, 10, (3, 20, 9, 9)).float()
        else:
            module = nets.build(name, bits, conv)
            x = torch.randint(-127, 128, (3,) + module.input_shape).float()
        if kind in ("adc", "sparse_adc"):
            # The range calibrated on the first batch must not depend on the path.
            datapath.PER_PIECE["on"] = True
            module.train()
            with torch.no_grad():
                module(x)
            ranges = [float(m.adc_range) for m in module.modules() if isinstance(m, datapath.XbarConv2d)]
            for m in module.modules():
                if isinstance(m, datapath.XbarConv2d):
                    m.adc_range.fill_(0.0)
            datapath.PER_PIECE["on"] = False
            with torch.no_grad():
                module(x)
            again = [float(m.adc_range) for m in module.modules() if isinstance(m, datapath.XbarConv2d)]
            check(ranges == again and all(r > 0 for r in ranges), f"{tag}: ADC ranges {ranges} vs {again}")
        compare(tag, module, x)

# The random sampler: Binomial(T, p) moments, and one seed gives one result.
from importlib import reload  # noqa: E402  (the module was patched above)

datapath = reload(datapath)
n = 200000
for t in (1, 3, 4, 8):
    for p in (0.0, 0.03, 0.5, 0.81, 1.0):
        torch.manual_seed(7)
        k = datapath.sample_count(torch.full((n // 1000, 1000), p), t).float()
        mean, var = float(k.mean()), float(k.var())
        want_mean, want_var = t * p, t * p * (1 - p)
        se_mean = math.sqrt(max(want_var, 1e-6) / n)
        check(k.min() >= 0 and k.max() <= t and bool((k == k.round()).all()), f"sampler T={t} p={p}: counts outside 0..T")
        check(abs(mean - want_mean) <= 5 * se_mean + 1e-6, f"sampler T={t} p={p}: mean {mean} want {want_mean}")
        # Var of the sample variance of a binomial is below 2 var^2 / n + mu4 / n; bound it loosely.
        check(abs(var - want_var) <= 5 * math.sqrt((3 * want_var ** 2 + want_var) / n) + 1e-6,
              f"sampler T={t} p={p}: variance {var} want {want_var}")
torch.manual_seed(9)
a = datapath.sample_count(torch.rand(64, 64), 4)
torch.manual_seed(9)
b = datapath.sample_count(torch.rand(64, 64), 4)
check(torch.equal(a, b), "sampler: the same seed gave different draws")
check.finish()
