"""PS-quantization-aware training: torch layers whose forward pass is the platform's datapath.

A crossbar layer unfolds its input (im2col, the hardware's K order), splits K into row chunks
of `rows`, decomposes signed weights into magnitude slices and signed inputs into magnitude
waves (sign and magnitude, as the differential column pairs and the bipolar row drive do),
computes one partial sum (PS) per (chunk, slice, wave, output), converts it with the layer's
converter, shift-adds and accumulates, then applies the output stage. Gradients pass straight
through the quantisers and the stochastic sampler (through the sampler's expectation).

Every value that reaches the hardware is an integer held in a float tensor; docs/datapath.md
defines the semantics this mirrors.
"""
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from tools.stoxnet import fused

KINDS = ("ideal", "adc", "sparse_adc", "sense_amp", "mtj")
KIND_CODE = {k: i for i, k in enumerate(KINDS)}
CURVES = {"final": (4.0, 0.0), "tanh": (8.0, 0.0), "device": (3.598, -3.598 * 0.0082)}


@dataclass
class Converter:
    kind: str = "ideal"
    adc_bits: int = 8
    adc_range: float = 0.0          # 0: set from the first batch (calibration)
    cols_per_converter: int = 1
    sa_threshold: float = 0.0
    curve: str = "final"
    samples: List[List[int]] = field(default_factory=lambda: [[4] * 8 for _ in range(8)])

    def t(self, i, j):
        return int(self.samples[i][j])

    def set_samples(self, spec):
        """An int (homogeneous) or a list per weight slice (least significant first)."""
        if isinstance(spec, int):
            self.samples = [[spec] * 8 for _ in range(8)]
        else:
            self.samples = [[int(spec[min(i, len(spec) - 1)])] * 8 for i in range(8)]


@dataclass
class Bits:
    w_bits: int = 4
    w_slice: int = 3
    a_bits: int = 4
    a_stream: int = 3

    @property
    def slices(self):
        return -(-(self.w_bits - 1) // self.w_slice)

    @property
    def waves(self):
        return -(-(self.a_bits - 1) // self.a_stream)


def sample_count_per_piece(p, t):
    """The per-piece path's sampler (kept as it was: t uniform tensors at once, then a sum)."""
    if t <= 32:
        return (torch.rand((t,) + tuple(p.shape)) < p).sum(0).to(p.dtype)
    return torch.binomial(torch.full_like(p, float(t)), p)


def sample_count(p, t):
    """Switching events in t samples of probability p: Binomial(t, p), as t Bernoulli draws;
    integer counts (uint8 for t <= 32). Each draw compares a 32-bit uniform integer with a
    threshold p * 2^32, as the platform's converter does (in signed form, u - 2^31 against
    (p - 1/2) (2^32 - 256): the scale keeps p = 1 inside int32, and the float32 rounding, an
    error in p below 2^-24, is finer than torch.rand's 24-bit uniforms). The integers come from
    numpy's SFC64, two per 64-bit word, several times faster than torch's float uniforms; it is
    seeded from torch's generator, so torch.manual_seed fixes every draw. Draws go one at a
    time through reused buffers: no (t,) + shape tensor. For large t, torch.binomial."""
    if t > 32:
        return torch.binomial(torch.full_like(p, float(t)), p)
    n = p.numel()
    gen = np.random.Generator(np.random.SFC64(int(torch.randint(0, 2 ** 62, (1,)).item())))
    words = gen.bit_generator.random_raw((n * t + 1) // 2)
    u = torch.from_numpy(words.view(np.int32)[:n * t]).reshape((t,) + tuple(p.shape))
    thr = (p - 0.5).mul_(4294967040.0).to(torch.int32)
    below = torch.empty(p.shape, dtype=torch.bool)
    below_u8 = below.view(torch.uint8)  # adding bytes to bytes: no cast copy of the booleans
    count = torch.zeros(p.shape, dtype=torch.uint8)
    for j in range(t):
        torch.lt(u[j], thr, out=below)
        count.add_(below_u8)
    return count


# Float mode: the same networks with every quantiser, slicer and converter removed (weights,
# activations and partial sums in float32): the 'float software' baseline.
FLOAT = {"on": False}

# The MTJ's straight-through gradient also through its sampling noise (training option
# --noise-grad): code = (2p - 1) + n with n of variance 4 p (1 - p) / T, read as sigma(p) eps
# (a Gaussian reparameterisation of the binomial), so d code / d p = 2 + eps sigma'(p) =
# 2 + (code - expect) (1 - 2p) / (2 p (1 - p)). Its mean is the plain gradient; it lets the loss
# see that a drive pushing p towards 0 or 1 makes the conversion less noisy. Forward unchanged.
NOISE_GRAD = {"on": False}

# The per-piece forward (one autograd node per chunk, slice and wave: the original implementation,
# slow in backward) instead of the batched one. Both compute the same values; tests/models/
# batched_forward.py checks it, bench/bench_training.py measures both.
PER_PIECE = {"on": False}

# The MTJ's conversion through the fused kernel (FusedMtjCodes, tools/stoxnet/fused.py) when its
# library is built, instead of PieceCodes' eager passes: the same values (tests/models/
# fused_codes.py), other draws. Off: PieceCodes (the benchmark's "before").
FUSED = {"on": True}
# The whole crossbar layer in the fused kernel (FusedXbarLayer, every converter kind): the
# drive batch norm folded in (MTJ, sense amplifier), the partial sums read where the
# convolutions left them: statistics from the kernel's exact
# integer sums, the normalisation inside the conversion's pass, its backward folded with the
# conversion's. Values equal the unfolded ones to float rounding (not bit for bit: torch sums
# in another order). Off: ChunkConvs, torch's BatchNorm1d, then FusedMtjCodes (MTJ) or
# PieceCodes (the others).
FUSED_DRIVE = {"on": True}


def round_half_up(x):
    """floor(x + 1/2) forward, identity backward."""
    return x + (torch.floor(x + 0.5) - x).detach()


def quantise_out(z, bits, relu=False):
    """The output stage's requantisation: floor(z + 1/2) clamped to +-(2^(bits-1) - 1)
    (from 0 for ReLU); straight-through inside the range (the hardtanh gradient)."""
    qmax = float(2 ** (bits - 1) - 1)
    lo = 0.0 if relu else -qmax
    zc = torch.clamp(z, lo, qmax)
    if FLOAT["on"]:
        return zc
    return zc + (torch.clamp(torch.floor(z + 0.5), lo, qmax) - zc).detach()


def unfold(x, kernel, stride, pad):
    """im2col in the hardware's K order (channel, kernel row, kernel column): [B, C*k*k, L].
    (Built from strided slices: Debian's torch 1.13 F.unfold is two orders of magnitude slower.)"""
    b, c, h, w = x.shape
    xp = F.pad(x, (pad, pad, pad, pad)) if pad else x
    oh, ow = (h + 2 * pad - kernel) // stride + 1, (w + 2 * pad - kernel) // stride + 1
    taps = [xp[:, :, y:y + stride * (oh - 1) + 1:stride, xx:xx + stride * (ow - 1) + 1:stride]
            for y in range(kernel) for xx in range(kernel)]
    return torch.stack(taps, dim=2).reshape(b, c * kernel * kernel, oh * ow)


def int_weights(w, bits):
    """Symmetric per-output-channel quantisation to +-(2^(bits-1) - 1); returns the integer
    weights (straight-through) and the per-channel step."""
    qmax = 2 ** (bits - 1) - 1
    flat = w.reshape(w.shape[0], -1)
    step = (flat.abs().max(dim=1).values.clamp_min(1e-8) / qmax).detach()
    q = torch.clamp(round_half_up(flat / step[:, None]), -qmax, qmax)
    return q.reshape(w.shape), step


def split_magnitude(q, width, parts):
    """Sign-and-magnitude slices of an integer tensor, least significant first. Backward: each
    slice carries its share of q, so gradients reach q through every slice."""
    sign = torch.sign(q.detach())
    mag = q.detach().abs()
    total = float(2 ** (width * parts) - 1) if parts > 1 else 1.0
    out = []
    for i in range(parts):
        s = sign * torch.remainder(torch.floor(mag / 2 ** (i * width)), 2 ** width)
        share = q * (2 ** (i * width) / total) if parts > 1 else q
        out.append(share + (s - share).detach())
    return out


def split_magnitude_stacked(q, width, parts):
    """split_magnitude's slices stacked on a new first dimension, in one expression each (no
    per-slice autograd nodes). With one part the slice is q itself: q is already clamped to
    +-(2^width - 1), so sign * (|q| mod 2^width) == q exactly."""
    if parts == 1:
        return q.unsqueeze(0)
    shape = (parts,) + (1,) * q.dim()
    scale = torch.tensor([float(2 ** (i * width)) for i in range(parts)]).reshape(shape)
    sign = torch.sign(q.detach())
    mag = q.detach().abs()
    s = sign * torch.remainder(torch.floor(mag / scale), 2 ** width)
    total = float(2 ** (width * parts) - 1)
    share = q * (scale / total)
    return share + (s - share).detach()


def mult_t(mult, pieces):
    return torch.tensor([float(m) for m in mult]).reshape(1, 1, pieces, 1)


class PieceCodes(torch.autograd.Function):
    """Partial sums (or their normalised drive) to codes, shift-added over all pieces, in one
    node: d is [B, N, P * L] (pieces in (chunk, slice, wave) order), the result y [B, N, L].
    Forward does exactly the per-piece path's operations in its order (the same values, bit for
    bit); backward needs dy/dd = mult * (the converter's straight-through derivative), and
    keeps only that (MTJ: computed in forward from p) or d (the others: recomputed), not
    every intermediate of the chain."""

    @staticmethod
    def forward(ctx, d, layer, pieces):
        conv = layer.conv
        kind = conv.kind
        b, n = d.shape[0], d.shape[1]
        v = d.view(b, n, pieces, -1)
        mult = layer.piece_mult()
        if kind == "ideal":
            codes = v
        elif kind in ("adc", "sparse_adc"):
            lsb, half = layer.lsb(), 2 ** (conv.adc_bits - 1)
            x = v / lsb
            codes = torch.clamp(x + (torch.floor(x + 0.5) - x), -half, half - 1) * lsb
        elif kind == "sense_amp":
            thr = conv.sa_threshold
            hard = torch.where(v > thr, torch.ones_like(v), -torch.ones_like(v))
            soft = torch.clamp(v - thr, -1.0, 1.0)
            codes = soft + (hard - soft)
        else:
            a, bcurve = CURVES[conv.curve]
            z = torch.clamp(v, -1.0, 1.0)
            inside = z == v  # where the clamp passes the gradient (NaN aside, v >= -1 and v <= 1)
            p = z.mul_(a).add_(bcurve).sigmoid_()  # the per-piece path's a * clamp(d) + b, sigmoid
            one = torch.tensor(1.0)
            expect = torch.addcmul(-one, p, one, value=2.0)  # 2 p - 1 (2 p is exact: one rounding)
            ts = layer.piece_t()
            if len(set(ts)) == 1:
                count = sample_count(p, ts[0])
            else:
                count = torch.empty_like(p)
                for t in sorted(set(ts)):
                    idx = [k for k, tk in enumerate(ts) if tk == t]
                    count[:, :, idx] = sample_count(p[:, :, idx], t).to(p.dtype)
            tvec = torch.tensor([float(t) for t in ts]).reshape(1, 1, pieces, 1)
            codes = torch.addcmul(-tvec, count, one, value=2.0).div_(tvec)  # (2k - T) / T, 2k - T exact
            noise = codes - expect if NOISE_GRAD["on"] else None
            codes.sub_(expect).add_(expect)  # expect + (code - expect): the straight-through value
            # Backward needs d(code)/d(d) = 2 a p (1 - p) inside the clamp; with the shift it is
            # all the backward multiplies by, so it is kept instead of d.
            pq = torch.addcmul(p, p, p, value=-1.0)
            if noise is not None:  # + a (code - expect) (1 - 2p) / 2 (NOISE_GRAD above)
                slope = pq.mul_(2 * a).add_(noise.mul_(torch.addcmul(one, p, one, value=-2.0)), alpha=a / 2)
                slope.mul_(mult_t(mult, pieces))
            else:
                slope = pq.mul_(2 * a * mult_t(mult, pieces))
            deriv = torch.where(inside, slope, 0.0)
        # Shift-add in the per-piece path's order, so rounding (non-dyadic codes) is the same;
        # every mult is a power of two, so code * mult is exact.
        y = codes[:, :, 0] * mult[0]
        for k in range(1, pieces):
            y.add_(codes[:, :, k], alpha=mult[k])  # exact product, one rounding: as y + code * m
        ctx.layer, ctx.pieces = layer, pieces
        if kind == "mtj":
            ctx.save_for_backward(deriv)
        elif kind != "ideal":
            ctx.save_for_backward(d)
        return y

    @staticmethod
    def backward(ctx, gy):
        layer, pieces = ctx.layer, ctx.pieces
        conv = layer.conv
        kind = conv.kind
        b, n = gy.shape[0], gy.shape[1]
        if kind == "mtj":
            (deriv,) = ctx.saved_tensors
            return (gy.unsqueeze(2) * deriv).reshape(b, n, -1), None, None
        g = gy.unsqueeze(2) * mult_t(layer.piece_mult(), pieces)
        if kind == "ideal":
            return g.reshape(b, n, -1), None, None
        (d,) = ctx.saved_tensors
        v = d.view(b, n, pieces, -1)
        if kind in ("adc", "sparse_adc"):
            lsb, half = layer.lsb(), 2 ** (conv.adc_bits - 1)
            r = torch.floor(v / lsb + 0.5)
            g = g * ((r >= -half) & (r <= half - 1))
        else:  # sense_amp
            s = v - conv.sa_threshold
            g = g * ((s >= -1.0) & (s <= 1.0))
        return g.reshape(b, n, -1), None, None


class FusedMtjCodes(torch.autograd.Function):
    """PieceCodes for the MTJ in one pass of the fused kernel: forward returns y [B, N, L] and
    keeps d y / d d (2 a p (1 - p) x shift inside the clamp, plus the --noise-grad term), which
    is all the backward multiplies the output gradient by."""

    @staticmethod
    def forward(ctx, d, layer, pieces):
        a, bcurve = CURVES[layer.conv.curve]
        mult = mult_t(layer.piece_mult(), pieces)
        slope = 2 * a * mult  # float32(2 a) x shift, as PieceCodes rounds it
        y, deriv = fused.mtj_codes(d, pieces, layer.piece_t(), mult.flatten(), slope.flatten(), a, bcurve,
                                   NOISE_GRAD["on"], ctx.needs_input_grad[0])
        ctx.pieces = pieces
        if deriv is not None:
            ctx.save_for_backward(deriv)
        return y

    @staticmethod
    def backward(ctx, gy):
        (deriv,) = ctx.saved_tensors
        b, n = gy.shape[0], gy.shape[1]
        g = deriv.view(b, n, ctx.pieces, -1).mul_(gy.unsqueeze(2))  # the factor is not needed again
        return g.view(b, n, -1), None, None


def drive_statistics(bn, x):
    """The drive batch norm's mean and 1/std per output (float64) over the partial sums x (a
    fused.Pieces) and whether they are the batch's: BatchNorm1d's rule (batch statistics in
    training or without running ones; the running ones updated with the unbiased variance and
    the momentum, or the cumulative average when momentum is None)."""
    batch_stats = bn.training or bn.running_mean is None
    if batch_stats:
        s, q = fused.channel_sums(x)
        count = x.B * x.count * x.L
        mean = s / count
        var = (q / count - mean * mean).clamp_min(0.0)
        if bn.training and bn.track_running_stats:
            bn.num_batches_tracked.add_(1)
            f = bn.momentum if bn.momentum is not None else 1.0 / float(bn.num_batches_tracked)
            unbiased = var * (count / max(count - 1, 1))
            bn.running_mean.copy_(f * mean + (1 - f) * bn.running_mean.double())
            bn.running_var.copy_(f * unbiased + (1 - f) * bn.running_var.double())
    else:
        mean, var = bn.running_mean.double(), bn.running_var.double()
    return mean, 1.0 / torch.sqrt(var + bn.eps), batch_stats


class FusedXbarLayer(torch.autograd.Function):
    """A crossbar layer from the wave-stacked inputs xa to y [B, N, L]: ChunkConvs'
    convolutions, then (MTJ and sense amplifier) the drive batch norm and the conversion in the
    fused kernel, which reads the convolutions' outputs where they are (no copy into the
    [B, N, P * L] layout). The statistics are exact integer sums, so they do not depend on the
    layout. Backward: the kernel's passes write the partial sums' gradient straight into the
    convolutions' output layout (with the batch norm: per-output sums, then the gradient), then
    ChunkConvs' input- and weight-gradient convolutions. gamma and beta are None without a
    drive batch norm (ADC, ideal)."""

    @staticmethod
    def forward(ctx, xa, wq, gamma, beta, layer, waves):
        b = layer.bits
        S, A, N = b.slices, waves, layer.cout
        B = xa.shape[0] // A
        conv = layer.conv
        outs, weights = chunk_conv_outputs(xa, wq, layer)
        oh, ow = outs[0].shape[2], outs[0].shape[3]
        x = fused.Pieces.chunks(outs, B, S, A, N, oh * ow)
        norm, mean, invstd, batch_stats = None, None, None, False
        if gamma is not None:
            mean, invstd, batch_stats = drive_statistics(layer.drive, x)
            norm = (mean, gamma.detach().double() * invstd, beta)
        a, bcurve = CURVES[conv.curve]
        pieces = x.count
        mult = mult_t(layer.piece_mult(), pieces)
        want = any(ctx.needs_input_grad[:4])
        extra = {}
        if conv.kind in ("adc", "sparse_adc"):
            extra = dict(lsb=layer.lsb(), adc_half=float(2 ** (conv.adc_bits - 1)))
        elif conv.kind == "sense_amp":
            extra = dict(sa_threshold=conv.sa_threshold)
        y, deriv = fused.mtj_codes(x, pieces, layer.piece_t(), mult.flatten(), (2 * a * mult).flatten(), a, bcurve,
                                   NOISE_GRAD["on"], want, norm=norm, kind=conv.kind, **extra)
        ctx.layer, ctx.waves, ctx.out, ctx.batch_stats, ctx.chunks = layer, A, (oh, ow), batch_stats, len(outs)
        ctx.normed = gamma is not None
        if want:
            if ctx.normed:
                ctx.save_for_backward(xa, deriv, mean.float(), invstd.float(), gamma.detach(), *x.tensors, *weights)
            else:
                ctx.save_for_backward(xa, deriv, *x.tensors, *weights)
        return y

    @staticmethod
    def backward(ctx, gy):
        if ctx.normed:
            xa, deriv, mean, invstd, gamma, *rest = ctx.saved_tensors
        else:
            (xa, deriv, *rest), mean, invstd, gamma = ctx.saved_tensors, None, None, None
        outs, weights = rest[:ctx.chunks], rest[ctx.chunks:]
        layer, A, (oh, ow) = ctx.layer, ctx.waves, ctx.out
        b = layer.bits
        S, N, k = b.slices, layer.cout, layer.kernel
        B = xa.shape[0] // A
        x = fused.Pieces.chunks(outs, B, S, A, N, oh * ow)
        need_x, need_w = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        gouts = [torch.empty_like(o) for o in outs] if need_x or need_w else None
        sg, sgx = fused.drive_backward(x, deriv, gy, mean, invstd, gamma, ctx.batch_stats, gouts)
        ggamma = (sgx * invstd.double()).float() if ctx.normed and ctx.needs_input_grad[2] else None
        gbeta = sg.float() if ctx.normed and ctx.needs_input_grad[3] else None
        gx = torch.zeros_like(xa) if need_x else None
        gw = torch.zeros((N,) + tuple(xa.shape[1:2]) + (k, k)) if need_w else None
        if gouts is not None:
            total = float(2 ** (b.w_slice * S) - 1)
            share = [float(2 ** (s * b.w_slice)) / total if S > 1 else 1.0 for s in range(S)]
            conv_args = ([layer.stride] * 2, [layer.pad] * 2, [1, 1], False, [0, 0], 1)
            for (c0, c1, inside), w, go in zip(layer.chunk_plan(), weights, gouts):
                xc = xa[:, c0:c1]
                if gx is not None:
                    gx[:, c0:c1] += torch.ops.aten.convolution_backward(go, xc, w, None, *conv_args,
                                                                        [True, False, False])[0]
                if gw is not None:  # the slices' gradients combined by their shares (ChunkConvs)
                    g5 = go.view(A * B, S, N, oh, ow)
                    gsum = g5[:, 0] * share[0] if S > 1 else g5[:, 0]
                    for s in range(1, S):
                        gsum.add_(g5[:, s], alpha=share[s])
                    gwc = torch.ops.aten.convolution_backward(gsum, xc, w[:N], None, *conv_args,
                                                              [False, True, False])[1]
                    if inside is not None:
                        gwc = gwc * inside
                    gw[:, c0:c1] += gwc
        return gx, gw, ggamma, gbeta, None, None


def use_fused_drive(layer):
    drive = layer.drive
    return FUSED_DRIVE["on"] and isinstance(drive, nn.BatchNorm1d) and drive.affine


def use_fused_layer(layer):
    """Whether the whole layer runs as FusedXbarLayer: the kernel built, FUSED and FUSED_DRIVE
    on; the MTJ with T up to 32 and the sense amplifier with an affine BatchNorm1d drive; the
    ADC once its range is set (the first batch calibrates it on the unfused path); ideal."""
    kind = layer.conv.kind
    if not FUSED["on"] or not FUSED_DRIVE["on"]:
        return False
    if kind in ("mtj", "sense_amp") and not use_fused_drive(layer):
        return False
    if kind in ("adc", "sparse_adc") and float(layer.adc_range) <= 0:
        return False
    if kind == "mtj":
        return use_fused(layer)
    if not fused.available():
        fused.notice_once(f"fused conversion unavailable ({fused.why()}): running the unfused batched path")
        return False
    return True


def use_fused(layer):
    """Whether the MTJ layer's conversion runs in the fused kernel (T up to 32, library built)."""
    if not FUSED["on"] or max(layer.piece_t()) > 32:
        return False
    if not fused.available():
        fused.notice_once(f"fused conversion unavailable ({fused.why()}): running the unfused batched path")
        return False
    return True


def chunk_conv_outputs(xa, wq, layer):
    """ChunkConvs' convolutions: per row chunk, its output [A * B, S * N, oh, ow] and its
    weights [S * N, channels, k, k] (the taps outside the chunk zero)."""
    b = layer.bits
    S, N, k = b.slices, layer.cout, layer.kernel
    wsl = split_magnitude_stacked(wq, b.w_slice, S)  # [S, N, C, k, k]
    outs, weights = [], []
    for c0, c1, inside in layer.chunk_plan():
        w = wsl[:, :, c0:c1]
        if inside is not None:
            w = w * inside
        weights.append(w.reshape(S * N, c1 - c0, k, k))
        outs.append(F.conv2d(xa[:, c0:c1], weights[-1], stride=layer.stride, padding=layer.pad))
    return outs, weights


class ChunkConvs(torch.autograd.Function):
    """Every partial sum of a crossbar layer, [B, N, P * L] with the pieces in (chunk, slice,
    wave) order, from the integer weights wq and the wave-stacked inputs xa [A * B, C, H, W]:
    one convolution per row chunk computes all slices (as output channels) and waves (as images)
    of that chunk. The weight gradient is linear in the slices (slice s carries the share
    2^(s w_slice) / (2^(w_bits - 1) - 1) of wq, split_magnitude), so backward first combines the
    slices' output gradients and runs one weight-gradient convolution per chunk instead of one
    per slice; the input gradient needs every slice's weights."""

    @staticmethod
    def forward(ctx, xa, wq, layer, waves):
        b = layer.bits
        S, A, N = b.slices, waves, layer.cout
        B = xa.shape[0] // A
        outs, weights = chunk_conv_outputs(xa, wq, layer)
        oh, ow = outs[0].shape[2], outs[0].shape[3]
        # One copy into the per-piece path's layout [B, N, chunk, slice, wave, L].
        ps = torch.stack([o.reshape(A, B, S, N, oh * ow).permute(1, 3, 2, 0, 4) for o in outs], 2)
        ctx.save_for_backward(xa, *weights)
        ctx.layer, ctx.waves, ctx.out = layer, A, (oh, ow)
        return ps.reshape(B, N, -1)

    @staticmethod
    def backward(ctx, gps):
        xa, *weights = ctx.saved_tensors
        layer, A, (oh, ow) = ctx.layer, ctx.waves, ctx.out
        b = layer.bits
        S, N, k = b.slices, layer.cout, layer.kernel
        B = xa.shape[0] // A
        g = gps.reshape(B, N, len(weights), S, A, oh * ow)
        total = float(2 ** (b.w_slice * S) - 1)
        share = torch.tensor([float(2 ** (s * b.w_slice)) / total if S > 1 else 1.0 for s in range(S)])
        gx = torch.zeros_like(xa) if ctx.needs_input_grad[0] else None
        gw = torch.zeros((N,) + tuple(xa.shape[1:2]) + (k, k)) if ctx.needs_input_grad[1] else None
        if gw is not None:  # the slices' gradients combined by their shares, all chunks at once
            # [B, N, C, A, L]; one add per slice (a broadcast product then a sum over the slice
            # dimension was two to four times slower: its inner loops run over the short L)
            gsum = g[:, :, :, 0] * float(share[0]) if S > 1 else g[:, :, :, 0]
            for s in range(1, S):
                gsum.add_(g[:, :, :, s], alpha=float(share[s]))
        conv_args = ([layer.stride] * 2, [layer.pad] * 2, [1, 1], False, [0, 0], 1)
        for c, ((c0, c1, inside), w) in enumerate(zip(layer.chunk_plan(), weights)):
            gc = g[:, :, c]  # [B, N, S, A, L]
            xc = xa[:, c0:c1]
            if gx is not None:
                go = gc.permute(3, 0, 2, 1, 4).reshape(A * B, S * N, oh, ow)
                gi = torch.ops.aten.convolution_backward(go, xc, w, None, *conv_args, [True, False, False])[0]
                gx[:, c0:c1] += gi
            if gw is not None:
                go = gsum[:, :, c].permute(2, 0, 1, 3).reshape(A * B, N, oh, ow)
                gwc = torch.ops.aten.convolution_backward(go, xc, w[:N], None, *conv_args, [False, True, False])[1]
                if inside is not None:
                    gwc = gwc * inside
                gw[:, c0:c1] += gwc
        return gx, gw, None, None


class XbarConv2d(nn.Module):
    """A convolution (or FC as 1x1) on crossbars with the given converter."""

    def __init__(self, cin, cout, kernel, stride=1, pad=0, bits=None, conv=None, rows=128,
                 out_bits=4, act="hardtanh", out_step=None):
        super().__init__()
        self.cin, self.cout, self.kernel, self.stride, self.pad = cin, cout, kernel, stride, pad
        self.bits = bits or Bits()
        self.conv = conv or Converter()
        self.rows = rows
        self.out_bits, self.act = out_bits, act
        # Quantisation step of the output in units of the activation range: hardtanh maps
        # [-1, 1] onto +-(2^(b-1) - 1); a NONE output (before a residual add) keeps the step of
        # the 4-bit block outputs (out_step) with more bits of range.
        self.out_scale = float(out_step if out_step is not None else 2 ** (out_bits - 1) - 1)
        self.weight = nn.Parameter(torch.empty(cout, cin, kernel, kernel))
        nn.init.kaiming_uniform_(self.weight, a=5 ** 0.5)
        self.drive = nn.BatchNorm1d(cout) if self.conv.kind in ("mtj", "sense_amp") else None
        self.norm = nn.BatchNorm2d(cout)
        self.register_buffer("adc_range", torch.tensor(float(self.conv.adc_range)))

    @property
    def K(self):
        return self.cin * self.kernel * self.kernel

    def chunks(self):
        return [(k0, min(self.K, k0 + self.rows)) for k0 in range(0, self.K, self.rows)]

    def partial_sums(self, x):
        """PS[(chunk, slice, wave)] of shape [B, N, L], and the output size."""
        b = self.bits
        wq, _ = int_weights(self.weight, b.w_bits)
        w = wq.reshape(self.cout, -1)
        cols = unfold(x, self.kernel, self.stride, self.pad)  # [B, K, L]
        amax = 2 ** (b.a_bits - 1) - 1
        cols = torch.clamp(cols, -amax, amax)  # the row driver holds a_bits
        wsl = split_magnitude(w, b.w_slice, b.slices)
        awv = split_magnitude(cols, b.a_stream, b.waves)
        ps = {}
        for c, (k0, k1) in enumerate(self.chunks()):
            for i, wi in enumerate(wsl):
                for j, aj in enumerate(awv):
                    ps[c, i, j] = torch.matmul(wi[:, k0:k1], aj[:, k0:k1, :])
        oh = (x.shape[2] + 2 * self.pad - self.kernel) // self.stride + 1
        ow = (x.shape[3] + 2 * self.pad - self.kernel) // self.stride + 1
        return ps, oh, ow

    def lsb(self):
        return float(self.adc_range) / 2 ** (self.conv.adc_bits - 1)

    def calibrate_adc(self, ps):
        """Range of an ADC not given one: the 99.9th percentile of |PS|, rounded up."""
        allps = torch.cat([p.detach().abs().flatten() for p in ps.values()])
        q = torch.quantile(allps[:: max(1, allps.numel() // 100000)], 0.999).item()
        self.adc_range.fill_(max(1.0, float(torch.ceil(torch.tensor(q)))))

    def drive_of(self, ps):
        """The normalised drive of every PS: one gain and bias per output (a BatchNorm over all
        chunks, slices, waves and positions while training)."""
        keys = list(ps)
        stacked = torch.cat([ps[k] for k in keys], dim=2)  # [B, N, sum L]
        d = self.drive(stacked)
        out, pos = {}, 0
        for k in keys:
            n = ps[k].shape[2]
            out[k] = d[:, :, pos:pos + n]
            pos += n
        return out

    def convert(self, ps):
        """Codes of every PS, each already weighted by its unit (lsb, 1/T)."""
        kind = self.conv.kind
        if kind == "ideal":
            return ps
        if kind in ("adc", "sparse_adc"):
            if float(self.adc_range) <= 0:
                self.calibrate_adc(ps)
            lsb, half = self.lsb(), 2 ** (self.conv.adc_bits - 1)
            out = {}
            for k, p in ps.items():
                # A skipped wave has PS 0 exactly and converts to 0 either way.
                code = torch.clamp(round_half_up(p / lsb), -half, half - 1)
                out[k] = code * lsb
            return out
        x = self.drive_of(ps)
        if kind == "sense_amp":
            thr = self.conv.sa_threshold
            out = {}
            for k, d in x.items():
                hard = torch.where(d > thr, torch.ones_like(d), -torch.ones_like(d))
                soft = torch.clamp(d - thr, -1.0, 1.0)
                out[k] = soft + (hard - soft).detach()
            return out
        a, bcurve = CURVES[self.conv.curve]
        out = {}
        for (c, i, j), d in x.items():
            t = self.conv.t(i, j)
            p = torch.sigmoid(a * torch.clamp(d, -1.0, 1.0) + bcurve)
            expect = 2 * p - 1
            count = sample_count_per_piece(p.detach(), t)
            out[c, i, j] = expect + ((2 * count - t) / t - expect).detach()
        return out

    def accumulate(self, codes):
        b = self.bits
        y = 0
        for (c, i, j), code in codes.items():
            y = y + code * float(2 ** (i * b.w_slice + j * b.a_stream))
        return y

    def piece_mult(self):
        """Shift of every piece, in (chunk, slice, wave) order; MTJ codes are in units of 1/T."""
        b = self.bits
        return [float(2 ** (i * b.w_slice + j * b.a_stream)) for _ in self.chunks()
                for i in range(b.slices) for j in range(b.waves)]

    def piece_t(self):
        b = self.bits
        return [self.conv.t(i, j) for _ in self.chunks() for i in range(b.slices) for j in range(b.waves)]

    def chunk_plan(self):
        """Per row chunk: its channel range and which kernel taps of those channels fall in it
        (K is ordered channel, kernel row, kernel column, so a chunk is a run of channels with
        partial channels at its ends)."""
        key = (self.cin, self.kernel, self.rows)
        if getattr(self, "_plan_key", None) != key:
            self._plan, self._plan_key = self._chunk_plan(), key
        return self._plan

    def _chunk_plan(self):
        kk = self.kernel * self.kernel
        plan = []
        for k0, k1 in self.chunks():
            c0, c1 = k0 // kk, (k1 - 1) // kk + 1
            k = torch.arange(c0 * kk, c1 * kk).reshape(c1 - c0, self.kernel, self.kernel)
            inside = (k >= k0) & (k < k1)
            plan.append((c0, c1, None if bool(inside.all()) else inside.float()))
        return plan

    def partial_sums_batched(self, x):
        """Every PS at once: [B, N, P * L] with the pieces in (chunk, slice, wave) order, the
        per-piece path's concatenation layout. One convolution per row chunk computes all
        slices (as output channels) and waves (as images) of that chunk; the PS are integers,
        so they equal the per-piece products exactly whatever the summation order."""
        b = self.bits
        wq, xa = self.wave_inputs(x)
        ps = ChunkConvs.apply(xa, wq, self, b.waves)
        oh = (x.shape[2] + 2 * self.pad - self.kernel) // self.stride + 1
        ow = (x.shape[3] + 2 * self.pad - self.kernel) // self.stride + 1
        return ps, len(self.chunks()) * b.slices * b.waves, oh, ow

    def calibrate_adc_batched(self, ps, pieces):
        """calibrate_adc on the batched layout: the same values in the same order."""
        b, n = ps.shape[0], ps.shape[1]
        flat = ps.detach().reshape(b, n, pieces, -1).permute(2, 0, 1, 3).reshape(-1).abs()
        q = torch.quantile(flat[:: max(1, flat.numel() // 100000)], 0.999).item()
        self.adc_range.fill_(max(1.0, float(torch.ceil(torch.tensor(q)))))

    def wave_inputs(self, x):
        """The integer weights and the wave-stacked inputs [A * B, C, H, W] of the layer."""
        b = self.bits
        wq, _ = int_weights(self.weight, b.w_bits)
        amax = 2 ** (b.a_bits - 1) - 1
        xc = torch.clamp(x, -amax, amax)  # the row driver holds a_bits (padding is 0: inside)
        awv = split_magnitude_stacked(xc, b.a_stream, b.waves)  # [A, B, C, H, W]
        return wq, awv.reshape((b.waves * x.shape[0],) + tuple(x.shape[1:]))

    def forward_batched(self, x):
        if use_fused_layer(self):
            wq, xa = self.wave_inputs(x)
            normed = self.drive is not None
            y = FusedXbarLayer.apply(xa, wq, self.drive.weight if normed else None,
                                     self.drive.bias if normed else None, self, self.bits.waves)
            oh = (x.shape[2] + 2 * self.pad - self.kernel) // self.stride + 1
            return y.reshape(x.shape[0], self.cout, oh, -1)
        ps, pieces, oh, ow = self.partial_sums_batched(x)
        kind = self.conv.kind
        if kind in ("adc", "sparse_adc") and float(self.adc_range) <= 0:
            self.calibrate_adc_batched(ps, pieces)
        if kind == "mtj" and use_fused(self):
            return FusedMtjCodes.apply(self.drive(ps), self, pieces).reshape(x.shape[0], self.cout, oh, ow)
        d = self.drive(ps) if kind in ("mtj", "sense_amp") else ps
        return PieceCodes.apply(d, self, pieces).reshape(x.shape[0], self.cout, oh, ow)

    def forward_per_piece(self, x):
        ps, oh, ow = self.partial_sums(x)
        return self.accumulate(self.convert(ps)).reshape(x.shape[0], self.cout, oh, ow)

    def forward(self, x):
        if FLOAT["on"]:
            y = F.conv2d(x, self.weight, stride=self.stride, padding=self.pad)
            return quantise_out(self.norm(y) * self.out_scale, self.out_bits, relu=self.act == "relu")
        y = self.forward_per_piece(x) if PER_PIECE["on"] else self.forward_batched(x)
        z = self.norm(y) * self.out_scale
        return quantise_out(z, self.out_bits, relu=self.act == "relu")


class DigitalConv2d(nn.Module):
    """A full-precision layer in the digital unit: 8-bit weights, exact integer sums.
    With logits=True it is the network's last layer: float output, no quantisation; pool > 1
    folds a global average pool over a pool x pool map into it (the kernel covers the map)."""

    def __init__(self, cin, cout, kernel, stride=1, pad=0, w_bits=8, a_bits=8, out_bits=4,
                 act="hardtanh", logits=False, pool=1, in_step=7.0, identity=False):
        super().__init__()
        self.cin, self.cout, self.kernel, self.stride, self.pad = cin, cout, kernel, stride, pad
        self.w_bits, self.a_bits, self.out_bits, self.act = w_bits, a_bits, out_bits, act
        self.logits, self.pool, self.in_step = logits, pool, in_step
        self.identity = identity  # fixed identity weights (ResNet option-A shortcut)
        self.weight = nn.Parameter(torch.empty(cout, cin, kernel, kernel), requires_grad=not identity)
        nn.init.kaiming_uniform_(self.weight, a=5 ** 0.5)
        if identity:
            with torch.no_grad():
                self.weight.zero_()
                for n in range(min(cin, cout)):
                    self.weight[n, n, 0, 0] = 1.0
        if logits:
            self.bias = nn.Parameter(torch.zeros(cout))
        elif not identity:
            self.norm = nn.BatchNorm2d(cout)

    def int_weights(self):
        if self.identity:
            return self.weight.detach(), torch.ones(self.cout)
        return int_weights(self.weight, self.w_bits)

    def forward(self, x):
        amax = 2 ** (self.a_bits - 1) - 1
        x = torch.clamp(x, -amax, amax)
        wq, step = self.int_weights()
        if FLOAT["on"] and not self.identity:
            wq, step = self.weight, torch.ones(self.cout)
        if self.pool > 1:
            # GAP then FC == one kernel covering the map with the FC weight at every position.
            y = F.conv2d(x.sum(dim=(2, 3), keepdim=True), wq)
            return y.flatten(1) * (step / (self.in_step * self.pool * self.pool)) + self.bias
        y = F.conv2d(x, wq, stride=self.stride, padding=self.pad)
        if self.logits:
            return y.flatten(1) * (step / self.in_step) + self.bias
        if self.identity:
            return y
        z = self.norm(y) * float(2 ** (self.out_bits - 1) - 1)
        return quantise_out(z, self.out_bits, relu=self.act == "relu")


class ResidualAdd(nn.Module):
    """requantise(act(a * scale_a + b * scale_b)), both operands in the same step."""

    def __init__(self, out_bits=4, act="hardtanh"):
        super().__init__()
        self.out_bits, self.act = out_bits, act

    def forward(self, a, b):
        return quantise_out(a + b, self.out_bits, relu=self.act == "relu")


def quantise_input(pixels, scale=127.0 / 255.0, offset=0.0, bits=8):
    """Pixels 0..255 to the model's input integers, as the firmware does (float32)."""
    qmax = 2 ** (bits - 1) - 1
    x = pixels.float() * torch.tensor(scale, dtype=torch.float32) + torch.tensor(offset, dtype=torch.float32)
    if FLOAT["on"]:
        return x
    return torch.clamp(torch.floor(x + 0.5), -qmax, qmax)
