"""A bit-exact reference of the accelerator's inference, written independently of the C++ model:
numpy integer arithmetic for the partial sums, the same counter-based random numbers, the same
binomial thresholds, float32 for every step the hardware does in float32. Given a model file,
an image, the seed and the image's dataset index, it yields the logits the platform's inference
firmware must produce, bit for bit.

The model file is parsed and validated by the project's one C reader
(firmware/model/stoxvp_model.c), loaded as a shared library through ctypes.
"""
import ctypes
import math
import os

import numpy as np

M64 = 0xFFFFFFFFFFFFFFFF
GOLDEN = 0x9E3779B97F4A7C15
LAYER_XBAR, LAYER_DIGITAL, LAYER_MAX_POOL, LAYER_AVG_POOL, LAYER_ADD = 1, 2, 3, 4, 5
CONV_IDEAL, CONV_ADC, CONV_SPARSE_ADC, CONV_SENSE_AMP, CONV_MTJ = range(5)
ACT_NONE, ACT_RELU, ACT_HARDTANH = 0, 1, 2
OUT_INT8, OUT_INT32, OUT_FLOAT32 = 0, 1, 2
STREAM_LAYERS = 256  # rng_stream = image_index * 256 + layer (firmware/apps/inference)


class ModelError(Exception):
    pass


# ---- the C reader through ctypes --------------------------------------------------------------

class _Header(ctypes.Structure):
    _fields_ = [("magic", ctypes.c_char * 4), ("version", ctypes.c_uint16), ("header_bytes", ctypes.c_uint16),
                ("file_bytes", ctypes.c_uint32), ("crc32", ctypes.c_uint32), ("layer_count", ctypes.c_uint32),
                ("layer_table_offset", ctypes.c_uint32), ("layer_entry_bytes", ctypes.c_uint16),
                ("input_channels", ctypes.c_uint16), ("input_h", ctypes.c_uint16), ("input_w", ctypes.c_uint16),
                ("input_bits", ctypes.c_uint8), ("reserved0", ctypes.c_uint8), ("classes", ctypes.c_uint16),
                ("input_scale", ctypes.c_float), ("input_offset", ctypes.c_float), ("reserved1", ctypes.c_uint32),
                ("name", ctypes.c_char * 16)]


class _Layer(ctypes.Structure):
    _fields_ = [(n, t) for n, t in (
        ("type", ctypes.c_uint8), ("activation", ctypes.c_uint8), ("out_format", ctypes.c_uint8),
        ("out_bits", ctypes.c_uint8), ("input", ctypes.c_uint16), ("input_b", ctypes.c_uint16),
        ("in_channels", ctypes.c_uint16), ("in_h", ctypes.c_uint16), ("in_w", ctypes.c_uint16),
        ("out_channels", ctypes.c_uint16), ("kernel_h", ctypes.c_uint8), ("kernel_w", ctypes.c_uint8),
        ("stride", ctypes.c_uint8), ("pad", ctypes.c_uint8), ("w_bits", ctypes.c_uint8),
        ("w_slice", ctypes.c_uint8), ("a_bits", ctypes.c_uint8), ("a_stream", ctypes.c_uint8),
        ("scale_a", ctypes.c_float), ("scale_b", ctypes.c_float), ("weights_offset", ctypes.c_uint32),
        ("weights_bytes", ctypes.c_uint32), ("params_offset", ctypes.c_uint32),
        ("params_bytes", ctypes.c_uint32), ("reserved", ctypes.c_uint32 * 4))]


class _Shape(ctypes.Structure):
    _fields_ = [("c", ctypes.c_uint16), ("h", ctypes.c_uint16), ("w", ctypes.c_uint16)]


class _Model(ctypes.Structure):
    _fields_ = [("header", _Header), ("layer_count", ctypes.c_uint32), ("layers", _Layer * 256),
                ("tensors", _Shape * 257), ("data", ctypes.c_void_p), ("size", ctypes.c_uint32)]


def _library(path=None):
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [path, os.environ.get("STOXVP_MODEL_LIB"),
                  os.path.join(here, "..", "..", "build", "firmware", "libstoxvp_model.so")]
    for c in candidates:
        if c and os.path.exists(c):
            lib = ctypes.CDLL(os.path.abspath(c))
            lib.stoxvp_model_parse.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(_Model),
                                               ctypes.c_char_p, ctypes.c_size_t]
            lib.stoxvp_model_parse.restype = ctypes.c_int
            return lib
    raise ModelError("libstoxvp_model.so not found: build the project, or set STOXVP_MODEL_LIB")


class Model:
    """A model file validated by the C reader; layers as dicts, blobs as numpy arrays."""

    def __init__(self, data, library=None):
        self.data = bytes(data)
        self._buf = ctypes.create_string_buffer(self.data, len(self.data))
        self._m = _Model()
        err = ctypes.create_string_buffer(256)
        rc = _library(library).stoxvp_model_parse(self._buf, len(self.data), ctypes.byref(self._m), err, 256)
        if rc != 0:
            raise ModelError(err.value.decode())
        h = self._m.header
        self.header = {n: getattr(h, n) for n, _ in _Header._fields_}
        self.layers = [{n: getattr(self._m.layers[i], n) for n, _ in _Layer._fields_ if n != "reserved"}
                       for i in range(self._m.layer_count)]
        self.shapes = [(s.c, s.h, s.w) for s in self._m.tensors[:self._m.layer_count + 1]]

    @classmethod
    def load(cls, path, library=None):
        with open(path, "rb") as f:
            return cls(f.read(), library)

    def weights(self, layer):
        L = self.layers[layer]
        k = L["in_channels"] * L["kernel_h"] * L["kernel_w"]
        return np.frombuffer(self.data, np.int8, L["weights_bytes"], L["weights_offset"]).reshape(
            L["out_channels"], k).astype(np.int64)

    def params(self, layer):
        """(header dict, out_scale, out_bias, drive_gain, drive_bias, table) of a layer, defaults
        where absent, exactly as the accelerator interprets them."""
        L = self.layers[layer]
        n = L["out_channels"]
        ones, zeros = np.ones(n, np.float32), np.zeros(n, np.float32)
        if L["params_offset"] == 0:
            return dict(converter=CONV_IDEAL, flags=0), ones, zeros, ones, zeros, None
        o = L["params_offset"]
        b = self.data
        hd = dict(converter=b[o], adc_bits=b[o + 1], cols=b[o + 2], curve=b[o + 3],
                  flags=int.from_bytes(b[o + 4:o + 8], "little"))
        hd["adc_range"], hd["sa_threshold"], hd["curve_a"], hd["curve_b"] = np.frombuffer(b, np.float32, 4, o + 8)
        hd["table_len"] = int.from_bytes(b[o + 24:o + 28], "little")
        hd["samples"] = np.frombuffer(b, np.uint8, 64, o + 32).reshape(8, 8).copy()
        f = np.frombuffer(b, np.float32, (L["params_bytes"] - 96) // 4, o + 96)
        at = 0
        scale, bias, gain, dbias, table = ones, zeros, ones, zeros, None
        if hd["flags"] & 1:
            scale, bias, at = f[at:at + n], f[at + n:at + 2 * n], at + 2 * n
        if hd["flags"] & 2:
            gain, dbias, at = f[at:at + n], f[at + n:at + 2 * n], at + 2 * n
        if hd["curve"] == 1:
            table = f[at:at + hd["table_len"]].astype(np.float64)
        return hd, scale, bias, gain, dbias, table


# ---- randomness and the binomial, as hw/core does them ------------------------------------------

def mix64(z):
    z = np.asarray(z, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def stream_key(seed, stream):
    s = (stream * GOLDEN + 0x632BE59BD9B4E019) & M64
    return int(mix64(np.uint64(seed) ^ mix64(np.uint64(s))))


def uniform32(key, counters):
    with np.errstate(over="ignore"):
        z = np.uint64(key) + counters.astype(np.uint64) * np.uint64(GOLDEN)
    return (mix64(z) >> np.uint64(32)).astype(np.uint64)


def binomial_thresholds(p, t):
    """hw/core/converter.cpp's thresholds: the same operations in the same order."""
    pmf = [0.0] * (t + 1)
    if not p > 0.0:
        pmf[0] = 1.0
    elif not p < 1.0:
        pmf[t] = 1.0
    elif p <= 0.5:
        r = p / (1.0 - p)
        pmf[0] = (1.0 - p) ** float(t)
        for k in range(t):
            pmf[k + 1] = pmf[k] * (t - k) / (k + 1) * r
    else:
        r = (1.0 - p) / p
        pmf[t] = p ** float(t)
        for k in range(t, 0, -1):
            pmf[k - 1] = pmf[k] * k / (t - k + 1) * r
    thr, cum = [], 0.0
    for k in range(t):
        cum += pmf[k]
        scaled = math.floor(cum * 4294967296.0 + 0.5)
        thr.append(0xFFFFFFFF if scaled >= 4294967295.0 else int(scaled))
    return thr


def switching_probability(x, a, b, table):
    x = min(max(x, -1.0), 1.0)
    if table is not None:
        n = len(table)
        pos = (x + 1.0) * 0.5 * (n - 1)
        i = min(int(pos), n - 2)
        f = pos - i
        return table[i] * (1.0 - f) + table[i + 1] * f
    return 1.0 / (1.0 + math.exp(-(a * x + b)))


# ---- the layers ---------------------------------------------------------------------------------

def im2col(x, L):
    """[P, K] rows in the hardware's K order (ci, kh, kw)."""
    c, h, w = x.shape
    kh, kw, s, p = L["kernel_h"], L["kernel_w"], L["stride"], L["pad"]
    xp = np.pad(x, ((0, 0), (p, p), (p, p)))
    oh, ow = (h + 2 * p - kh) // s + 1, (w + 2 * p - kw) // s + 1
    rows = np.empty((oh * ow, c * kh * kw), np.int64)
    for y in range(oh):
        for xo in range(ow):
            rows[y * ow + xo] = xp[:, y * s:y * s + kh, xo * s:xo * s + kw].reshape(-1)
    return rows, oh, ow


def quantise(z, act, bits):
    qmax = np.float32(2 ** (bits - 1) - 1)
    lo = np.float32(0) if act == ACT_RELU else -qmax
    return np.clip(np.floor(z + np.float32(0.5)), lo, qmax).astype(np.int64)


def output_stage(acc, L, scale, bias, unit):
    """acc [P, N] int64 -> the layer's output tensor [N, P] (int8 values or float32 logits)."""
    m = (scale.astype(np.float32) * np.float32(unit)).astype(np.float32)
    z = acc.astype(np.float32) * m[None, :] + bias.astype(np.float32)[None, :]
    if L["out_format"] == OUT_FLOAT32:
        if L["activation"] == ACT_RELU:
            z = np.maximum(z, np.float32(0))
        elif L["activation"] == ACT_HARDTANH:
            z = np.clip(z, np.float32(-1), np.float32(1))
        return z.T
    return quantise(z, L["activation"], L["out_bits"]).T


def sign_magnitude_parts(v, width, parts):
    sign, mag = np.sign(v), np.abs(v)
    return [sign * ((mag >> (i * width)) & ((1 << width) - 1)) for i in range(parts)]


def shape_image(pixels, shape):
    """An image shaped to the model's input as the host runner does it: centred with zero
    padding in a larger input, replicated over the channels."""
    c, h, w = shape
    rows, cols = pixels.shape
    out = np.zeros((c, h, w), np.uint8)
    py, px = (h - rows) // 2, (w - cols) // 2
    out[:, py:py + rows, px:px + cols] = pixels
    return out


class Reference:
    def __init__(self, model, seed, rows=128, override=None):
        self.model, self.seed, self.rows = model, seed, rows
        self.override = override or {}  # converter, adc_bits, adc_range, samples (8x8)
        self._thr = {}
        # observe(layer, ps): every partial sum of a crossbar layer's reads, [P, N] int64 per
        # (chunk, slice, wave), before conversion (tools/stoxnet/calibrate.py).
        self.observe = None

    def thresholds(self, p, t):
        key = (p, t)
        if key not in self._thr:
            self._thr[key] = binomial_thresholds(p, t)
        return self._thr[key]

    def xbar(self, x, i, L, stream):
        hd, scale, bias, gain, dbias, table = self.model.params(i)
        hd = dict(hd)
        hd.update({k: v for k, v in self.override.items() if k in ("converter", "adc_bits", "adc_range")})
        samples = self.override.get("samples", hd.get("samples"))
        kind = hd["converter"]
        cols, oh, ow = im2col(x, L)
        amax = 2 ** (L["a_bits"] - 1) - 1
        cols = np.clip(cols, -amax, amax)  # the row driver's a_bits register
        w = self.model.weights(i)
        ws, as_ = L["w_slice"], L["a_stream"]
        S, A = -(-(L["w_bits"] - 1) // ws), -(-(L["a_bits"] - 1) // as_)
        K, N, P = w.shape[1], w.shape[0], cols.shape[0]
        chunks = -(-K // self.rows)
        wsl, awv = sign_magnitude_parts(w, ws, S), sign_magnitude_parts(cols, as_, A)
        max_ps = min(K, self.rows) * (2 ** ws - 1) * (2 ** as_ - 1)
        L_lcm, unit = 1, 1.0
        if kind == CONV_MTJ:
            for si in range(S):
                for sj in range(A):
                    L_lcm = math.lcm(L_lcm, int(samples[si][sj]))
            unit = 1.0 / L_lcm
        lsb = 1.0
        if kind in (CONV_ADC, CONV_SPARSE_ADC):
            rng = float(hd["adc_range"])
            if rng == 0:
                rng = 1.0
                while rng < max_ps:
                    rng *= 2
            lsb = rng / 2.0 ** (hd["adc_bits"] - 1)
            unit = lsb
        key = stream_key(self.seed, stream)
        acc = np.zeros((P, N), np.int64)
        pos = np.arange(P, dtype=np.uint64)[:, None]
        ch = np.arange(N, dtype=np.uint64)[None, :]
        for c in range(chunks):
            k0, k1 = c * self.rows, min(K, (c + 1) * self.rows)
            for si in range(S):
                for sj in range(A):
                    ps = awv[sj][:, k0:k1] @ wsl[si][:, k0:k1].T  # [P, N]
                    if self.observe is not None:
                        self.observe(i, ps)
                    mult = 2 ** (si * ws + sj * as_)
                    if kind == CONV_IDEAL:
                        code = ps
                    elif kind in (CONV_ADC, CONV_SPARSE_ADC):
                        half = 2 ** (hd["adc_bits"] - 1)
                        code = np.clip(np.floor(ps.astype(np.float64) / lsb + 0.5), -half, half - 1).astype(np.int64)
                    elif kind == CONV_SENSE_AMP:
                        d = gain[None, :] * ps.astype(np.float32) + dbias[None, :]
                        code = np.where(d > np.float32(hd["sa_threshold"]), 1, -1)
                    else:
                        t = int(samples[si][sj])
                        d = gain[None, :] * ps.astype(np.float32) + dbias[None, :]  # float32 drive
                        uniq, inv = np.unique(d, return_inverse=True)
                        thr = np.array([self.thresholds(switching_probability(float(v), float(hd["curve_a"]),
                                                                                 float(hd["curve_b"]), table), t)
                                        for v in uniq], dtype=np.uint64).reshape(len(uniq), t)
                        counter = ((((pos * np.uint64(N) + ch) * np.uint64(S) + np.uint64(si)) * np.uint64(A)
                                    + np.uint64(sj)) * np.uint64(chunks) + np.uint64(c))
                        u = uniform32(key, counter)
                        k = (u[..., None] >= thr[inv.reshape(P, N)]).sum(axis=-1)
                        code = 2 * k - t
                        mult *= L_lcm // t
                    acc += code.astype(np.int64) * mult
        return output_stage(acc, L, scale, bias, np.float32(unit)).reshape(N, oh, ow)

    def run(self, pixels, index):
        """Logits (float32) of one image; `index` is its dataset index (names its random draws)."""
        m = self.model
        h = m.header
        qmax = np.float32(2 ** (h["input_bits"] - 1) - 1)
        v = shape_image(pixels, m.shapes[0]).astype(np.float32) * np.float32(h["input_scale"]) + \
            np.float32(h["input_offset"])
        tensors = [np.clip(np.floor(v + np.float32(0.5)), -qmax, qmax).astype(np.int64)]
        for i, L in enumerate(m.layers):
            x = tensors[L["input"]]
            t = L["type"]
            if t == LAYER_XBAR:
                out = self.xbar(x, i, L, index * STREAM_LAYERS + i)
            elif t == LAYER_DIGITAL:
                amax = 2 ** (L["a_bits"] - 1) - 1
                cols, oh, ow = im2col(np.clip(x, -amax, amax), L)
                acc = cols @ m.weights(i).T
                _, scale, bias, _, _, _ = m.params(i)
                out = output_stage(acc, L, scale, bias, np.float32(1.0)).reshape(L["out_channels"], oh, ow)
            elif t in (LAYER_MAX_POOL, LAYER_AVG_POOL):
                k, s = L["kernel_h"], L["stride"]
                c, hh, ww = x.shape
                oh, ow = (hh - k) // s + 1, (ww - k) // s + 1
                win = np.stack([x[:, y:y + s * oh:s, xx:xx + s * ow:s] for y in range(k) for xx in range(k)])
                out = win.max(0) if t == LAYER_MAX_POOL else np.floor(win.sum(0) / (k * k) + 0.5).astype(np.int64)
            else:
                z = (x.astype(np.float32) * np.float32(L["scale_a"]) +
                     tensors[L["input_b"]].astype(np.float32) * np.float32(L["scale_b"]))
                out = quantise(z, L["activation"], L["out_bits"])
            tensors.append(out)
        return tensors[-1].reshape(-1).astype(np.float32)
