"""The fused conversion kernels (tools/stoxnet/fused/, libstoxnet_fused.so through ctypes).

datapath.PieceCodes converts the MTJ's normalised drive in about fifteen eager torch passes
plus a sampler that materialises T draws per partial sum. The kernel does it in one pass
(clamp, a x + b, sigmoid, T Bernoulli draws, code, straight-through value, shift-add) and keeps
only the backward's factor. Two users in datapath:

- FusedMtjCodes: the conversion alone, after torch's drive batch norm. Its values are
  PieceCodes': the same float operations in the same order and rounding (the library is built
  with -ffp-contract=off and writes fmaf where torch's vectorised kernels fuse), and a sigmoid
  whose exp is the one torch's own sigmoid runs (SLEEF's expf in its vectorised loop, the C
  library's expf in the loop's tail), so p is torch.sigmoid's bit for bit.
- FusedXbarLayer (the default, every converter kind): also the drive batch norm of the MTJ and
  the sense amplifier (statistics from exact integer sums, the normalisation folded into the
  pass, the backward in two passes), reading the convolutions' outputs in place (Pieces); equal
  to the unfolded path to float rounding (ADC and ideal, which have no batch norm: bit for bit).

The draws: a counter-based generator (SplitMix64's output function over the element's logical
index, keyed from torch's generator, so torch.manual_seed fixes every draw and no result depends
on threads or layout) instead of numpy's SFC64 stream in sample_count; each draw is still a 32-bit
integer against (p - 1/2)(2^32 - 256). tests/models/fused_codes.py checks all of it.

Without the library (a tree not built, no libsleef) `available()` is False, datapath says so once
and runs the unfused batched path.
"""
import ctypes
import os
import re
import sys

import torch

ABI = 4


class _Pieces(ctypes.Structure):
    _fields_ = [("piece", ctypes.c_void_p), ("B", ctypes.c_int64), ("N", ctypes.c_int64), ("L", ctypes.c_int64),
                ("stride_b", ctypes.c_int64), ("stride_n", ctypes.c_int64), ("count", ctypes.c_int32)]


class _Args(ctypes.Structure):
    _fields_ = [("x", _Pieces), ("samples", ctypes.c_void_p), ("mult", ctypes.c_void_p),
                ("slope", ctypes.c_void_p), ("a", ctypes.c_float), ("b", ctypes.c_float),
                ("half_a", ctypes.c_float), ("exp_kind", ctypes.c_int32), ("deterministic", ctypes.c_int32),
                ("noise_grad", ctypes.c_int32), ("key", ctypes.c_uint64), ("y", ctypes.c_void_p),
                ("deriv", ctypes.c_void_p), ("counts", ctypes.c_void_p), ("norm_mean", ctypes.c_void_p),
                ("norm_alpha", ctypes.c_void_p), ("norm_beta", ctypes.c_void_p), ("kind", ctypes.c_int32),
                ("sa_threshold", ctypes.c_float), ("lsb", ctypes.c_float), ("adc_half", ctypes.c_float)]

KIND = {"mtj": 0, "sense_amp": 1, "adc": 2, "sparse_adc": 2, "ideal": 3}


class Pieces:
    """Where a layer's partial sums are, for the kernels (struct stoxnet_pieces): the row of
    piece k, batch b, output n at table[k] + b stride_b + n stride_n floats. Keeps the tensors
    (and the pointer table) alive while the kernels read them."""

    def __init__(self, tensors, rows, B, N, L, stride_b, stride_n):
        """rows: per piece (index into tensors, offset of its first row in floats)."""
        self.tensors = list(tensors)
        for t in self.tensors:
            if t.dtype != torch.float32 or not t.is_contiguous():
                raise TypeError("fused kernels: partial sums must be contiguous float32")
        self.rows = rows
        self.table = self.like(self.tensors)
        self.B, self.N, self.L, self.count = B, N, L, len(rows)
        self.struct = _Pieces(self.table.data_ptr(), B, N, L, stride_b, stride_n, len(rows))

    @classmethod
    def contiguous(cls, d, pieces):
        """A [B, N, P * L] tensor."""
        d = d.detach().contiguous()
        b, n = d.shape[0], d.shape[1]
        L = d.shape[2] // pieces
        return cls([d], [(0, k * L) for k in range(pieces)], b, n, L, n * pieces * L, pieces * L)

    @classmethod
    def chunks(cls, outs, batch, slices, waves, n, L):
        """The per-chunk convolution outputs [A * B, S * N, L] (ChunkConvs), pieces in (chunk,
        slice, wave) order."""
        outs = [o.detach().contiguous() for o in outs]
        rows = [(c, (a * batch * slices + s) * n * L) for c in range(len(outs)) for s in range(slices)
                for a in range(waves)]
        return cls(outs, rows, batch, n, L, slices * n * L, L)

    def like(self, tensors):
        """The pointer table of the same layout over other tensors of the same shapes."""
        for t, u in zip(self.tensors, tensors):
            if u.shape != t.shape or u.dtype != torch.float32 or not u.is_contiguous():
                raise TypeError("fused kernels: gradient buffers must match the partial sums")
        return torch.tensor([tensors[i].data_ptr() + 4 * off for i, off in self.rows], dtype=torch.int64)


_state = {"lib": None, "tried": False, "why": ""}


def _candidates():
    here = os.path.dirname(os.path.abspath(__file__))
    return [os.environ.get("STOXNET_FUSED_LIB"),
            os.path.join(here, "..", "..", "build", "tools", "libstoxnet_fused.so")]


def library():
    """The loaded library, or None (the reason in why())."""
    if _state["tried"]:
        return _state["lib"]
    _state["tried"] = True
    path = next((c for c in _candidates() if c and os.path.exists(c)), None)
    if path is None:
        _state["why"] = "libstoxnet_fused.so not built (cmake --build build, or set STOXNET_FUSED_LIB)"
        return None
    try:
        lib = ctypes.CDLL(os.path.abspath(path))
    except OSError as e:
        _state["why"] = f"{path}: {e}"
        return None
    lib.stoxnet_abi.restype = ctypes.c_int
    if lib.stoxnet_abi() != ABI:
        _state["why"] = f"{path}: ABI {lib.stoxnet_abi()}, this module speaks {ABI} (rebuild)"
        return None
    lib.stoxnet_mtj_codes.argtypes = [ctypes.POINTER(_Args)]
    lib.stoxnet_mtj_codes.restype = ctypes.c_int
    lib.stoxnet_isa.restype = ctypes.c_char_p
    lib.stoxnet_set_isa.argtypes = [ctypes.c_char_p]
    lib.stoxnet_set_isa.restype = ctypes.c_int
    lib.stoxnet_draw.argtypes = [ctypes.c_uint64, ctypes.c_int64, ctypes.c_int32]
    lib.stoxnet_draw.restype = ctypes.c_uint32
    ptr = ctypes.c_void_p
    lib.stoxnet_channel_sums.argtypes = [ctypes.POINTER(_Pieces), ptr, ptr]
    lib.stoxnet_channel_sums.restype = ctypes.c_int
    lib.stoxnet_drive_backward.argtypes = [ctypes.POINTER(_Pieces), ptr, ptr, ptr, ptr, ptr, ctypes.c_int32,
                                           ptr, ptr, ptr]
    lib.stoxnet_drive_backward.restype = ctypes.c_int
    _state["lib"] = lib
    return lib


def why():
    return _state["why"]


def available():
    return library() is not None


def isa():
    return library().stoxnet_isa().decode()


def set_isa(name):
    """Force the kernel's instruction set ('avx512', 'avx2', 'scalar'; None: the best)."""
    if library().stoxnet_set_isa(name.encode() if name else None) != 0:
        raise ValueError(f"instruction set {name!r} not available on this CPU")


def exp_kind():
    """Which exp torch's sigmoid runs: its CPU capability (AVX512: SLEEF on 16 floats, AVX2:
    on 8, otherwise the C library's expf)."""
    if "exp_kind" not in _state:
        m = re.search(r"CPU capability usage: (\w+)", torch.__config__.show())
        cap = m.group(1) if m else "DEFAULT"
        _state["exp_kind"] = {"AVX512": 16, "AVX2": 8}.get(cap, 0)
    return _state["exp_kind"]


# Tests put a deterministic sampler (count = floor(T p + 1/2)) in place of the draws.
DETERMINISTIC = {"on": False}


def mtj_codes(d, pieces, samples, mult, slope, a, b, noise_grad, want_deriv, key=None, counts=False,
              norm=None, kind="mtj", sa_threshold=0.0, lsb=1.0, adc_half=1.0):
    """y [B, N, L] and the backward factor [B, N, P * L] (or None) of the drives d (a [B, N, P * L]
    tensor, or a Pieces); with counts=True also the switching events (uint8, [B, N, P * L]).
    With norm = (mean, alpha, beta) (each [N]) d is the raw partial sums and the drive is
    fmaf(d - mean[n], alpha[n], beta[n]). kind: the converter (the sense amplifier's threshold,
    the ADC's lsb and 2^(bits - 1) as given); only the MTJ draws (and takes a key)."""
    lib = library()
    x = d if isinstance(d, Pieces) else Pieces.contiguous(d, pieces)
    if x.count != pieces:
        raise ValueError(f"fused conversion: {x.count} pieces given, {pieces} expected")
    shape = (x.B, x.N, pieces * x.L)
    y = torch.empty((x.B, x.N, x.L), dtype=torch.float32)
    deriv = torch.empty(shape, dtype=torch.float32) if want_deriv else None
    cnt = torch.empty(shape, dtype=torch.uint8) if counts else None
    ts = torch.tensor(samples, dtype=torch.int32)
    mult = mult.contiguous()
    slope = slope.contiguous()
    if key is None:
        key = int(torch.randint(0, 2 ** 62, (1,)).item()) if kind == "mtj" else 0  # as sample_count seeds SFC64
    args = _Args(x.struct, ts.data_ptr(), mult.data_ptr(), slope.data_ptr(),
                 float(a), float(b), float(torch.tensor(a / 2, dtype=torch.float32)), exp_kind(),
                 1 if DETERMINISTIC["on"] else 0, 1 if noise_grad else 0, key, y.data_ptr(),
                 deriv.data_ptr() if deriv is not None else None, cnt.data_ptr() if cnt is not None else None,
                 None, None, None, KIND[kind], float(sa_threshold), float(lsb), float(adc_half))
    if norm is not None:
        norm = [t.detach().float().contiguous() for t in norm]
        args.norm_mean, args.norm_alpha, args.norm_beta = (t.data_ptr() for t in norm)
    rc = lib.stoxnet_mtj_codes(ctypes.byref(args))
    if rc != 0:
        raise RuntimeError(f"fused conversion failed ({'bad argument' if rc == 1 else 'out of memory'})")
    return (y, deriv, cnt) if counts else (y, deriv)


def channel_sums(x):
    """Per output n of the partial sums x (a Pieces): the sum and the sum of squares (float64 [N])."""
    s, q = torch.empty(x.N, dtype=torch.float64), torch.empty(x.N, dtype=torch.float64)
    if library().stoxnet_channel_sums(ctypes.byref(x.struct), s.data_ptr(), q.data_ptr()) != 0:
        raise RuntimeError("fused channel sums: bad argument")
    return s, q


def drive_backward(x, deriv, gy, mean, invstd, gamma, train, grad_x=None):
    """The drive batch norm's backward folded with the conversion's: (sum of gd, sum of
    gd (x - mean)) per output, gd = gy x deriv; writes the partial sums' gradient into grad_x
    (tensors shaped as x's, or None) (mtj_codes_body.h)."""
    gy = gy.contiguous()
    if gamma is not None:  # None: no batch norm, grad_x = gy x deriv
        mean, invstd, gamma = (t.detach().float().contiguous() for t in (mean, invstd, gamma))
    ptr = (lambda t: t.data_ptr() if t is not None else None)
    sg, sgx = torch.empty(x.N, dtype=torch.float64), torch.empty(x.N, dtype=torch.float64)
    table = x.like(grad_x) if grad_x is not None else None
    rc = library().stoxnet_drive_backward(ctypes.byref(x.struct), deriv.data_ptr(), gy.data_ptr(), ptr(mean),
                                          ptr(invstd), ptr(gamma), 1 if train else 0,
                                          table.data_ptr() if table is not None else None, sg.data_ptr(),
                                          sgx.data_ptr())
    if rc != 0:
        raise RuntimeError("fused drive backward: bad argument")
    return sg, sgx


def notice_once(what):
    if not _state.get("noticed"):
        _state["noticed"] = True
        print(f"stoxnet: {what}", file=sys.stderr)
