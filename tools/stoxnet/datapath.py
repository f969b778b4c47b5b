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

import torch
import torch.nn as nn
import torch.nn.functional as F

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


def sample_count(p, t):
    """Switching events in t samples of probability p: Binomial(t, p). For the small T of
    StoX-Net, t uniform comparisons are much faster than torch.binomial on CPU."""
    if t <= 32:
        return (torch.rand((t,) + tuple(p.shape)) < p).sum(0).to(p.dtype)
    return torch.binomial(torch.full_like(p, float(t)), p)


# Float mode: the same networks with every quantiser, slicer and converter removed (weights,
# activations and partial sums in float32): the 'float software' baseline.
FLOAT = {"on": False}


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
            count = sample_count(p.detach(), t)
            out[c, i, j] = expect + ((2 * count - t) / t - expect).detach()
        return out

    def accumulate(self, codes):
        b = self.bits
        y = 0
        for (c, i, j), code in codes.items():
            y = y + code * float(2 ** (i * b.w_slice + j * b.a_stream))
        return y

    def forward(self, x):
        if FLOAT["on"]:
            y = F.conv2d(x, self.weight, stride=self.stride, padding=self.pad)
            return quantise_out(self.norm(y) * self.out_scale, self.out_bits, relu=self.act == "relu")
        ps, oh, ow = self.partial_sums(x)
        y = self.accumulate(self.convert(ps)).reshape(x.shape[0], self.cout, oh, ow)
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
