"""The fused conversion (tools/stoxnet/fused/: datapath.FusedMtjCodes, the MTJ's conversion alone,
and datapath.FusedXbarLayer, the default, a whole crossbar layer) computes what the unfused
batched path (datapath.PieceCodes) computes.

1. Deterministic sampler (count = floor(T p + 1/2)) in both paths, every instruction set the CPU
   has: the outputs (layer outputs, logits) are equal bit for bit, and so is every gradient
   (the kernel rounds every operation as torch does, fused multiply-adds where torch's
   vectorised kernels use them, and its sigmoid calls the exp torch's sigmoid calls; the bound
   checked is 1e-5 of the largest entry, the measured difference is printed). One torch thread:
   torch's sigmoid runs its scalar exp on the last n mod 16 elements of each call, and the
   kernel reproduces the one-thread split.
2. The same draws: PieceCodes' sampler replaced by an independent numpy reimplementation of the
   kernel's counter-based stream (SplitMix64 over the element index, keyed from torch's
   generator); with the same seed the two paths give identical outputs and gradients, so the
   kernel's draws, thresholds and counts are the platform's comparison u < (p - 1/2)(2^32 - 256).
3. The kernel's sampler against Binomial(T, p): mean and variance within 5 standard errors over
   200,000 elements, neighbouring elements and pieces uncorrelated, one seed one result.
4. The drive batch norm folded into the kernel (datapath.FUSED_DRIVE; sections 1 and 2 run with
   it off, torch's BatchNorm1d then the fused conversion) against torch's BatchNorm1d, with the
   deterministic sampler: outputs equal, gradients within 1e-5 of the largest entry, running
   statistics within 1e-6 (relative): the statistics are sums in another order, so the drive
   differs from torch's in the last bits, which the quantised outputs do not show. With the
   kernel's random draws, folded and unfolded give the same outputs for the same seed.
5. The other converters in the fused layer (datapath.FusedXbarLayer): ADC, sparse ADC and ideal
   equal to PieceCodes bit for bit (outputs; gradients within 1e-5, measured equal), the sense
   amplifier with its folded
   batch norm as the MTJ's in 4.
6. Without the library the batched path runs (one notice).
"""
import math
import os
import sys

import numpy as np
import torch

from forward_paths import deterministic, rel_err, run  # beside this script
from tools.stoxnet import datapath, fused, nets
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "support"))
from tally import Tally  # noqa: E402  (tests/support)

torch.set_num_threads(1)
check = Tally()


if not fused.available():
    print("FAILED: the fused kernel library is not available:", fused.why())
    sys.exit(1)
print(f"kernel: {fused.isa()}, torch's exp: {fused.exp_kind() or 'libm'}")


def compare(tag, module, x, seed=None):
    for train in (True, False):
        if seed is not None:
            torch.manual_seed(seed)
        y0, g0 = run(module, x, datapath.FUSED, False, train)
        if seed is not None:
            torch.manual_seed(seed)
        y1, g1 = run(module, x, datapath.FUSED, True, train)
        mode = "train" if train else "eval"
        same = y0.shape == y1.shape and torch.equal(y0.view(-1).view(torch.int32), y1.view(-1).view(torch.int32))
        check(same, f"{tag} {mode}: outputs differ at {int((y0 != y1).sum())} of {y0.numel()}")
        check(set(g0) == set(g1), f"{tag} {mode}: gradients of different parameters")
        worst = max((rel_err(g0[k], g1[k]), k) for k in g0 if k in g1)
        check(worst[0] <= 1e-5, f"{tag} {mode}: gradient of {worst[1]} differs by {worst[0]:.2e} (relative)")
        print(f"{tag} {mode}: outputs equal: {same}, worst gradient difference {worst[0]:.1e} ({worst[1]})")


def build(name, bits, conv):
    torch.manual_seed(5)
    if name == "layer":
        # K = 20 * 9 = 180: a full row chunk and a partial one; L = 25, not a multiple of 8.
        module = datapath.XbarConv2d(20, 24, 3, stride=2, pad=1, bits=bits, conv=conv)
        return module, torch.randint(-9, 10, (3, 20, 9, 9)).float()
    module = nets.build(name, bits, conv)
    return module, torch.randint(-127, 128, (3,) + module.input_shape).float()


# ---- 1. deterministic sampler -------------------------------------------------------------------
datapath.FUSED_DRIVE["on"] = False
real_sample_count = datapath.sample_count
datapath.sample_count = deterministic
fused.DETERMINISTIC["on"] = True
cases = [  # samples, bits (w_bits, w_slice, a_bits, a_stream), curve, --noise-grad, networks
    (4, (4, 1, 4, 3), "final", False, ("layer", "small_cnn", "resnet20")),
    (4, (4, 1, 4, 3), "final", True, ("layer", "small_cnn")),
    ([1, 2, 4], (4, 1, 4, 1), "final", False, ("layer", "small_cnn")),  # inhomogeneous T, 3 waves
    (3, (4, 1, 4, 3), "device", True, ("layer", "small_cnn")),  # codes not dyadic; a x + b not exact
    (32, (4, 3, 4, 3), "tanh", False, ("layer",)),
]
for samples, b, curve, noise, where in cases:
    conv = datapath.Converter(kind="mtj", curve=curve)
    conv.set_samples(samples)
    datapath.NOISE_GRAD["on"] = noise
    for name in where:
        module, x = build(name, datapath.Bits(*b), conv)
        compare(f"deterministic T={samples} bits={b} {curve}{' noise-grad' if noise else ''} {name}", module, x)
datapath.NOISE_GRAD["on"] = False
for isa in ("avx512", "avx2", "scalar"):  # every kernel this CPU can run, on one layer
    try:
        fused.set_isa(isa)
    except ValueError:
        print(f"instruction set {isa}: not on this CPU")
        continue
    conv = datapath.Converter(kind="mtj")
    conv.set_samples(4)
    module, x = build("layer", datapath.Bits(4, 1, 4, 3), conv)
    compare(f"deterministic {isa} layer", module, x)
fused.set_isa(None)
fused.DETERMINISTIC["on"] = False

# ---- 2. the same draws ----------------------------------------------------------------------------
GAMMA, M1, M2 = np.uint64(0x9e3779b97f4a7c15), np.uint64(0xbf58476d1ce4e5b9), np.uint64(0x94d049bb133111eb)


def mix64(z):
    z = (z ^ (z >> np.uint64(30))) * M1
    z = (z ^ (z >> np.uint64(27))) * M2
    return z ^ (z >> np.uint64(31))


def stream_words(key, e, w):
    """64-bit word w of elements e: SplitMix64's output of key + (16 e + w + 1) x gamma."""
    with np.errstate(over="ignore"):
        return mix64(np.uint64(key) + (e.astype(np.uint64) * np.uint64(16) + np.uint64(w + 1)) * GAMMA)


def same_draws(p, t):
    """The kernel's draws for PieceCodes' sampler: the key drawn as the kernel's wrapper draws
    it; p is the whole [B, N, P * L] tensor (homogeneous T), so its flat index is the kernel's."""
    key = int(torch.randint(0, 2 ** 62, (1,)).item())
    e = np.arange(p.numel(), dtype=np.int64)
    thr = (p - 0.5).mul_(4294967040.0).to(torch.int32).reshape(-1).numpy()
    count = np.zeros(p.numel(), np.int64)
    for j in range(t):
        words = stream_words(key, e, j // 2)
        u = ((words >> np.uint64(32)) if j & 1 else (words & np.uint64(0xffffffff))).astype(np.uint32)
        count += u.view(np.int32) < thr
    return torch.from_numpy(count.astype(np.uint8)).reshape(p.shape)


lib = fused.library()
e = np.array([0, 1, 5, 12345678901], np.int64)
for j in (0, 1, 2, 7, 31):
    w = stream_words(987654321, e, j // 2)
    want = (w >> np.uint64(32)) if j & 1 else (w & np.uint64(0xffffffff))
    got = [lib.stoxnet_draw(987654321, int(i), j) for i in e]
    check([int(v) for v in want] == got, f"draw {j}: numpy stream {list(want)} vs kernel {got}")
datapath.sample_count = same_draws
for samples, where in ((4, ("layer", "small_cnn", "resnet20")), (3, ("layer",)), (8, ("small_cnn",))):
    conv = datapath.Converter(kind="mtj")
    conv.set_samples(samples)
    for name in where:
        module, x = build(name, datapath.Bits(4, 1, 4, 3), conv)
        compare(f"same draws T={samples} {name}", module, x, seed=11)
datapath.sample_count = real_sample_count

# ---- 3. the sampler's distribution --------------------------------------------------------------
n = 200000
one = torch.tensor([1.0])
for t in (1, 3, 4, 8, 32):
    for p in (0.0183, 0.03, 0.5, 0.81, 0.982):
        z = math.log(p / (1 - p)) / 4.0  # the drive giving p under the 'final' curve
        d = torch.full((n // 1000, 1, 2 * 1000), z, dtype=torch.float32)  # 2 pieces of 1000
        pe = float(torch.sigmoid(torch.clamp(torch.tensor(z), -1, 1) * 4.0))  # the kernel's p, exactly
        torch.manual_seed(7)
        _, _, k = fused.mtj_codes(d, 2, [t, t], one.repeat(2), 8 * one.repeat(2), 4.0, 0.0, False, False, counts=True)
        k = k.double().reshape(-1, 2, 1000)
        mean, var = float(k.mean()), float(k.var())
        m = n * 2
        want_mean, want_var = t * pe, t * pe * (1 - pe)
        check(float(k.min()) >= 0 and float(k.max()) <= t, f"sampler T={t} p={p}: counts outside 0..T")
        check(abs(mean - want_mean) <= 5 * math.sqrt(want_var / m), f"sampler T={t} p={p}: mean {mean} want {want_mean}")
        # The sample variance's standard error sqrt((mu4 - var^2) / m) (mu4 of a binomial), plus
        # its bias from the estimated mean, (mean - T p)^2, up to 25 var / m at 5 standard errors
        # (the whole deviation when mu4 = var^2: a Bernoulli at p = 1/2).
        mu4 = t * pe * (1 - pe) * (1 + 3 * (t - 2) * pe * (1 - pe))
        check(abs(var - want_var) <= 5 * math.sqrt(max(mu4 - want_var ** 2, 0.0) / m) + 25 * want_var / m,
              f"sampler T={t} p={p}: variance {var} want {want_var}")
        c = k - want_mean
        for what, a, b in (("neighbouring elements", c[:, :, :-1], c[:, :, 1:]),
                           ("neighbouring pieces", c[:, 0], c[:, 1])):
            r = float((a * b).mean() / want_var)
            check(abs(r) <= 5 / math.sqrt(a.numel()), f"sampler T={t} p={p}: {what} correlated ({r:.4f})")
    print(f"sampler T={t}: moments checked")
d = torch.rand(1, 8, 4 * 500) * 2 - 1
runs = []
for seed in (9, 9, 10):
    torch.manual_seed(seed)
    runs.append(fused.mtj_codes(d, 4, [4] * 4, one.repeat(4), 8 * one.repeat(4), 4.0, 0.0, False, False, counts=True)[2])
check(torch.equal(runs[0], runs[1]), "sampler: the same seed gave different draws")
check(not torch.equal(runs[0], runs[2]), "sampler: another seed gave the same draws")
# The draws do not depend on torch's thread count: a layer's shift-added codes (before its
# output batch norm) with one and with two threads, the same seed.
conv = datapath.Converter(kind="mtj")
conv.set_samples(4)
module, x = build("layer", datapath.Bits(4, 1, 4, 3), conv)
outs = []
for threads in (1, 2):
    torch.set_num_threads(threads)
    torch.manual_seed(13)
    with torch.no_grad():
        outs.append(module.forward_batched(x))
torch.set_num_threads(1)
check(torch.equal(outs[0], outs[1]), "the fused layer's output depends on the thread count")

# ---- 4. the drive batch norm in the kernel -------------------------------------------------------
def same_pass(tag, unfused, fused_run):
    """Two runs (output, gradients, buffers) of one pass: outputs equal, every gradient within
    1e-5 of its largest entry, running statistics within 1e-6; prints the worst differences."""
    (y0, g0, s0), (y1, g1, s1) = unfused, fused_run
    check(torch.equal(y0, y1), f"{tag}: outputs differ at {int((y0 != y1).sum())} of {y0.numel()}")
    worst = max((rel_err(g0[k], g1[k]), k) for k in g0)
    check(set(g0) == set(g1) and worst[0] <= 1e-5, f"{tag}: gradient of {worst[1]} differs by {worst[0]:.2e}")
    sw = max((rel_err(s0[k].double(), s1[k].double()), k) for k in s0)
    check(sw[0] <= 1e-6, f"{tag}: {sw[1]} differs by {sw[0]:.2e} (relative)")
    print(f"{tag}: outputs equal: {torch.equal(y0, y1)}, worst gradient difference {worst[0]:.1e} ({worst[1]}), "
          f"running statistics {sw[0]:.1e}")


def run_drive(module, x, fold, train):
    return run(module, x, datapath.FUSED_DRIVE, fold, train, keep_state=True)


datapath.sample_count = deterministic
fused.DETERMINISTIC["on"] = True
for samples, b, noise, where in ((4, (4, 1, 4, 3), False, ("layer", "small_cnn", "resnet20")),
                                 ([1, 2, 4], (4, 1, 4, 1), True, ("layer", "small_cnn"))):
    conv = datapath.Converter(kind="mtj")
    conv.set_samples(samples)
    datapath.NOISE_GRAD["on"] = noise
    for name in where:
        module, x = build(name, datapath.Bits(*b), conv)
        for train in (True, False):
            tag = f"drive folded T={samples} {name} {'train' if train else 'eval'}"
            same_pass(tag, run_drive(module, x, False, train), run_drive(module, x, True, train))
datapath.NOISE_GRAD["on"] = False
for isa in ("avx512", "avx2", "scalar"):  # the sums and the backward of every kernel this CPU can run
    try:
        fused.set_isa(isa)
    except ValueError:
        continue
    conv = datapath.Converter(kind="mtj")
    conv.set_samples(4)
    module, x = build("layer", datapath.Bits(4, 1, 4, 3), conv)
    same_pass(f"drive folded {isa} layer train", run_drive(module, x, False, True), run_drive(module, x, True, True))
fused.set_isa(None)
# Without gradients (evaluation) the kernel keeps no backward factor; the outputs are the same.
conv = datapath.Converter(kind="mtj")
conv.set_samples(4)
module, x = build("small_cnn", datapath.Bits(4, 1, 4, 3), conv)
module.eval()
with torch.no_grad():
    y_nograd = module(x)
check(torch.equal(y_nograd, module(x).detach()), "drive folded: outputs under no_grad differ")
datapath.sample_count = real_sample_count
fused.DETERMINISTIC["on"] = False
# The kernel's own draws, folded or not: the same stream, indexed by the same logical element,
# so the same seed gives the same outputs (the drives differ in the last bits only, which moves
# a threshold by far less than the 2^-24 a draw could notice here).
for name in ("layer", "small_cnn"):
    conv = datapath.Converter(kind="mtj")
    conv.set_samples(4)
    module, x = build(name, datapath.Bits(4, 1, 4, 3), conv)
    for train in (True, False):
        torch.manual_seed(21)
        y0, g0, _ = run_drive(module, x, False, train)
        torch.manual_seed(21)
        y1, g1, _ = run_drive(module, x, True, train)
        worst = max((rel_err(g0[k], g1[k]), k) for k in g0)
        check(torch.equal(y0, y1) and worst[0] <= 1e-5,
              f"drive folded, random draws, {name}: outputs differ at {int((y0 != y1).sum())}, gradient {worst[0]:.1e}")
        print(f"drive folded, random draws, {name} {'train' if train else 'eval'}: outputs equal: {torch.equal(y0, y1)}, "
              f"worst gradient difference {worst[0]:.1e}")
datapath.FUSED_DRIVE["on"] = True

# ---- 5. the other converters in the fused layer ----------------------------------------------------
# ADC, sparse ADC and ideal: no batch norm, so the fused layer repeats PieceCodes' operations on
# the same partial sums: outputs equal bit for bit, gradients too as measured (the bound checked
# is 1e-5: the weight gradient's slice sums run per chunk).
# Sense amplifier: its drive batch norm folded in, as for the MTJ: outputs equal, gradients
# within 1e-5, running statistics within 1e-6.
def run_fused(module, x, use, train):
    return run(module, x, datapath.FUSED, use, train, keep_state=True)


for kind, b, where in (("adc", (4, 1, 4, 3), ("layer", "small_cnn", "resnet20")),
                       ("sparse_adc", (4, 3, 4, 1), ("layer", "small_cnn")),
                       ("ideal", (4, 1, 4, 3), ("layer", "small_cnn")),
                       ("sense_amp", (4, 1, 4, 3), ("layer", "small_cnn"))):
    conv = datapath.Converter(kind=kind, adc_bits=4, adc_range=64.0 if "adc" in kind else 0.0)
    for name in where:
        module, x = build(name, datapath.Bits(*b), conv)
        for train in (True, False):
            tag = f"fused layer {kind} {name} {'train' if train else 'eval'}"
            same_pass(tag, run_fused(module, x, False, train), run_fused(module, x, True, train))
# An ADC without a range is calibrated on the unfused path, then runs fused.
conv = datapath.Converter(kind="adc", adc_bits=4, adc_range=0.0)
module, x = build("layer", datapath.Bits(4, 1, 4, 3), conv)
check(not datapath.use_fused_layer(module), "an uncalibrated ADC selected the fused layer")
module(x)
check(float(module.adc_range) > 0 and datapath.use_fused_layer(module), "the ADC's range was not calibrated")

# ---- 6. without the library ---------------------------------------------------------------------
saved = dict(fused._state)
fused._state.update(lib=None, tried=True, why="hidden by the test")
try:
    conv = datapath.Converter(kind="mtj")
    module, x = build("layer", datapath.Bits(4, 1, 4, 3), conv)
    check(not datapath.use_fused(module), "a missing library still selected the fused path")
    torch.manual_seed(3)
    y = module(x)
    torch.manual_seed(3)
    datapath.FUSED["on"] = False
    check(torch.equal(y, module(x)), "without the library the output is not the batched path's")
    datapath.FUSED["on"] = True
finally:
    fused._state.clear()
    fused._state.update(saved)
check.finish()
