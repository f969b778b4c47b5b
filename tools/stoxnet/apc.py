"""The associative-processor compiler: lowers one ternary convolution to an AP program
(docs/ap-program-format.md), the program the rtm_ap tile runs.

A ternary output is y[o, p] = requant(sum_{w=+1} x - sum_{w=-1} x). The passes:
  1. constant weight folding: a weight becomes the choice of ADD, SUB or nothing; weights are
     never stored and zero weights cost nothing;
  2. loop interchange and unrolling: rows are output positions; the compiler chooses how many
     input fields (chunk) and accumulators (block of output channels) live in the CAM at once,
     within the row's column budget, to minimise activation loads;
  3. common-subexpression elimination: a pair (x_a + x_b) or (x_a - x_b) used by several output
     channels of a block is computed once into a temporary field (out-of-place ADD3/SUB3) and
     added instead of its two terms; temporaries pair up again (nested).
Requantisation: y = clamp((acc * M + B) >> S, 0, 2^out_bits - 1), the multiply by the
constant M folded into shifted adds of its canonical signed digits.
`report` gives the operations per output after each pass.
"""
import math
import struct
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

OP = dict(LOAD=1, CLEAR=2, ADD=3, SUB=4, ADDC=5, ADD3=6, SUB3=7, COPY=8, COPYROW=9, RELU=10,
          MAX=11, REQUANT=12, STORE=13)
A_SIGNED, B_SIGNED = 1, 2
ROLE_SCRATCH, ROLE_ACT, ROLE_ACC, ROLE_OUT = 0, 1, 2, 3
HEADER = struct.Struct("<4sHHIHHIHHHBBBBBBHHHHII16s")
assert HEADER.size == 64


@dataclass
class Layer:
    """A ternary convolution: w[out][in][k][k] in {-1, 0, +1}; requantisation per channel."""
    w: np.ndarray
    in_h: int
    in_w: int
    stride: int = 1
    pad: int = 0
    act_bits: int = 4
    out_bits: int = 4
    mult: np.ndarray = None   # M per channel (int)
    bias: np.ndarray = None   # B per channel (int)
    shift: int = 0            # S
    pool: int = 0             # 0 or 2 (2x2 max after requantisation)

    @property
    def out_h(self):
        return (self.in_h + 2 * self.pad - self.w.shape[2]) // self.stride + 1

    @property
    def out_w(self):
        return (self.in_w + 2 * self.pad - self.w.shape[3]) // self.stride + 1


def reference(layer, x):
    """The integer reference: numpy convolution, requantisation, pooling. x: [C][H][W] ints."""
    n, c, k, _ = layer.w.shape
    xp = np.zeros((c, layer.in_h + 2 * layer.pad, layer.in_w + 2 * layer.pad), dtype=np.int64)
    xp[:, layer.pad:layer.pad + layer.in_h, layer.pad:layer.pad + layer.in_w] = x
    oh, ow, s = layer.out_h, layer.out_w, layer.stride
    cols = np.stack([xp[:, dy:dy + s * oh:s, dx:dx + s * ow:s] for dy in range(k) for dx in range(k)], axis=1)
    acc = np.einsum("nck,ckhw->nhw", layer.w.reshape(n, c, k * k).astype(np.int64), cols.reshape(c, k * k, oh, ow))
    mult = np.ones(n, np.int64) if layer.mult is None else np.asarray(layer.mult, np.int64)
    bias = np.zeros(n, np.int64) if layer.bias is None else np.asarray(layer.bias, np.int64)
    y = np.clip((acc * mult[:, None, None] + bias[:, None, None]) >> layer.shift, 0, 2 ** layer.out_bits - 1)
    if layer.pool:
        ph, pw = oh // 2, ow // 2
        y = y[:, :2 * ph, :2 * pw].reshape(n, ph, 2, pw, 2).max(axis=(2, 4))
    return y


def csd(m):
    """Canonical signed digits of m: [(shift, +1 or -1)], no two adjacent non-zero."""
    digits, i = [], 0
    while m:
        if m & 1:
            d = 2 - (m & 3)  # +1 when m = 1 mod 4, -1 when m = 3 mod 4
            digits.append((i, d))
            m -= d
        m >>= 1
        i += 1
    return digits


def bits_signed(lo, hi):
    """Two's-complement bits holding every integer in [lo, hi]."""
    b = 1
    while not (-(1 << (b - 1)) <= lo and hi <= (1 << (b - 1)) - 1):
        b += 1
    return b


@dataclass
class Program:
    layer: Layer
    fields: list = field(default_factory=list)   # (bits, role)
    code: list = field(default_factory=list)     # (op, flags, dst, a, b, imm)
    report: list = field(default_factory=list)   # (pass, dict of counts per output)

    def add_field(self, bits, role):
        self.fields.append((bits, role))
        return len(self.fields) - 1

    def emit(self, op, dst=0, a=0, b=0, imm=0, flags=0):
        self.code.append((OP[op], flags, dst, a, b, imm))

    def encode(self):
        L = self.layer
        n, c, k, _ = L.w.shape
        head_rest = bytes(16)
        total = 64 + 4 * len(self.fields) + 12 * len(self.code)
        head = HEADER.pack(b"SXAP", 1, 64, total, len(self.fields), 0, len(self.code), c, L.in_h, L.in_w,
                           k, L.stride, L.pad, L.act_bits, L.out_bits, L.pool, n, L.out_h, L.out_w, 0,
                           L.out_h * L.out_w, sum(b for b, _ in self.fields), head_rest)
        body = b"".join(struct.pack("<BBH", b, r, 0) for b, r in self.fields)
        code = b"".join(struct.pack("<BBHHHi", *ins) for ins in self.code)
        return head + body + code


def _cse(channels, widths, next_id, free, room):
    """channels: {n: {atom: sign}}; widths: {atom: (bits, signed)}. Pairs shared by several
    channels become temporaries while their fields fit: a free temporary field of the same width
    (`free`: Counter of widths), else `room` new bits. Returns [(tmp, a, b, rel)] in definition
    order. Pair counts come from the channel x atom sign matrix: same-sign co-occurrences are
    P'P + N'N, opposite-sign ones P'N + N'P (P, N: where the sign is +1, -1)."""
    temps, free = [], Counter(free)
    keys = list(channels)
    atoms = sorted({a for t in channels.values() for a in t})
    if not keys or len(atoms) < 2:
        return temps
    S = np.zeros((len(keys), len(atoms)), dtype=np.int32)
    col = {a: j for j, a in enumerate(atoms)}
    for i, k in enumerate(keys):
        for a, sg in channels[k].items():
            S[i, col[a]] = sg
    while True:
        Pm, Nm = (S > 0).astype(np.int32), (S < 0).astype(np.int32)
        same = Pm.T @ Pm + Nm.T @ Nm
        opp = Pm.T @ Nm + Nm.T @ Pm
        m = S.shape[1]
        upper = np.triu(np.ones((m, m), dtype=bool), 1)
        same = np.where(upper, same, 0)
        opp = np.where(upper, opp, 0)
        js, jo = int(np.argmax(same)), int(np.argmax(opp))
        cs, co = same.flat[js], opp.flat[jo]
        if max(cs, co) < 2:
            break
        rel, flat = (1, js) if cs >= co else (-1, jo)
        ja, jb = divmod(flat, m)
        a, b = atoms[ja], atoms[jb]
        ba, sa = widths[a]
        bb, sb = widths[b]
        lo_a, hi_a = (-(1 << (ba - 1)), (1 << (ba - 1)) - 1) if sa else (0, (1 << ba) - 1)
        lo_b, hi_b = (-(1 << (bb - 1)), (1 << (bb - 1)) - 1) if sb else (0, (1 << bb) - 1)
        lo, hi = (lo_a + lo_b, hi_a + hi_b) if rel > 0 else (lo_a - hi_b, hi_a - lo_b)
        signed = lo < 0
        tbits = bits_signed(lo, hi) if signed else max(1, hi.bit_length())
        if free[tbits] > 0:
            free[tbits] -= 1
        elif tbits <= room:
            room -= tbits
        else:
            break
        t = next_id
        next_id += 1
        widths[t] = (tbits, signed)
        temps.append((t, a, b, rel))
        hit = (S[:, ja] != 0) & (S[:, ja] * S[:, jb] == rel)
        new = np.where(hit, S[:, ja], 0).astype(np.int32)
        S[hit, ja] = 0
        S[hit, jb] = 0
        S = np.concatenate([S, new[:, None]], axis=1)
        atoms.append(t)
    for i, k in enumerate(keys):
        channels[k] = {atoms[j]: int(S[i, j]) for j in np.nonzero(S[i])[0]}
    return temps


def compile_layer(layer, columns=2048, cse=True):
    """Returns a Program. `columns`: bits per CAM row the tile offers."""
    L = layer
    n, c, k, _ = L.w.shape
    K = c * k * k
    w = L.w.reshape(n, K).astype(np.int64)
    if not np.isin(w, (-1, 0, 1)).all():
        raise ValueError("compile_layer: weights must be ternary (-1, 0, +1)")
    mult = np.ones(n, np.int64) if L.mult is None else np.asarray(L.mult, np.int64)
    bias = np.zeros(n, np.int64) if L.bias is None else np.asarray(L.bias, np.int64)
    amax = (1 << L.act_bits) - 1
    acc_bits = L.act_bits + max(1, math.ceil(math.log2(K))) + 1
    # The product field holds acc * M + B for every channel.
    p_lo = min(int(-K * amax * abs(m) - abs(b)) for m, b in zip(mult, bias))
    p_hi = max(int(K * amax * abs(m) + abs(b)) for m, b in zip(mult, bias))
    prod_bits = bits_signed(p_lo, p_hi)
    fixed = prod_bits + 2 * L.out_bits  # product, output, pooling neighbour
    P = Program(layer)
    nnz = int(np.count_nonzero(w))

    # Pass 0 / 1: dense MACs against folded adds.
    P.report.append(("dense", dict(ops_per_output=K, weights_stored=n * K, loads_per_position=K)))
    P.report.append(("constant folding", dict(ops_per_output=nnz / n, weights_stored=0, loads_per_position=K)))

    # Pass 2: the block of accumulators and the chunk of input fields living in the CAM together.
    # CSE temporaries need room too: reserve a quarter of the input columns for them.
    best = None
    for block in range(n, 0, -1):
        room = columns - fixed - block * acc_bits
        if room <= 0:
            continue
        chunk = min(K, room // (L.act_bits + (acc_bits // 2 if cse else 0)))
        if chunk < 1:
            continue
        blocks = math.ceil(n / block)
        loads = blocks * K  # every input field is loaded once per block
        if best is None or loads < best[2]:
            best = (block, chunk, loads)
    if best is None:
        raise ValueError(f"compile_layer: {columns} columns per row cannot hold one accumulator of "
                         f"{acc_bits} bits, one input of {L.act_bits} and the {fixed} bits of the output stage")
    block, chunk, loads = best
    P.report.append(("interchange/unroll", dict(ops_per_output=nnz / n, block=block, chunk=chunk,
                                                loads_per_position=loads)))

    prod = P.add_field(prod_bits, ROLE_SCRATCH)
    out = P.add_field(L.out_bits, ROLE_OUT)
    nb = P.add_field(L.out_bits, ROLE_SCRATCH) if L.pool else None
    x_fields = [P.add_field(L.act_bits, ROLE_ACT) for _ in range(chunk)]
    adds_total, temps_total = 0, 0
    temp_fields = []  # (bits, signed) -> free list keyed by bits, reused across chunks
    acc_fields = [P.add_field(acc_bits, ROLE_ACC) for _ in range(block)]
    for b0 in range(0, n, block):
        chans = list(range(b0, min(n, b0 + block)))
        acc = {o: acc_fields[i] for i, o in enumerate(chans)}
        for o in chans:
            P.emit("CLEAR", dst=acc[o])
        for k0 in range(0, K, chunk):
            ks = list(range(k0, min(K, k0 + chunk)))
            atom = {kk: x_fields[i] for i, kk in enumerate(ks)}
            for kk in ks:
                ch, r = divmod(kk, k * k)
                dy, dx = divmod(r, k)
                P.emit("LOAD", dst=atom[kk], imm=ch | (dy << 16) | (dx << 24))
            channels = {o: {atom[kk]: int(w[o, kk]) for kk in ks if w[o, kk]} for o in chans}
            widths = {atom[kk]: (L.act_bits, False) for kk in ks}
            room = columns - sum(b for b, _ in P.fields)
            temps = _cse(channels, widths, 1 << 20, Counter(b for _, (b, _) in temp_fields), room) if cse else []
            # Temporaries become fields: reuse one of the same width from an earlier chunk.
            free = {}
            for f, (bits, _) in temp_fields:
                free.setdefault(bits, []).append(f)
            fmap = {}
            for t, a, bb, rel in temps:
                bits, signed = widths[t]
                if free.get(bits):
                    fmap[t] = free[bits].pop()
                else:
                    fmap[t] = P.add_field(bits, ROLE_SCRATCH)
                    temp_fields.append((fmap[t], (bits, signed)))
                fa, fb = fmap.get(a, a), fmap.get(bb, bb)
                flags = (A_SIGNED if widths[a][1] else 0) | (B_SIGNED if widths[bb][1] else 0)
                P.emit("ADD3" if rel > 0 else "SUB3", dst=fmap[t], a=fa, b=fb, flags=flags)
            temps_total += len(temps)
            for o in chans:
                for a, s in sorted(channels[o].items()):
                    flags = A_SIGNED if widths[a][1] else 0
                    P.emit("ADD" if s > 0 else "SUB", dst=acc[o], a=fmap.get(a, a), flags=flags)
                    adds_total += 1
        for o in chans:
            P.emit("CLEAR", dst=prod)
            for sh, d in csd(int(abs(mult[o]))):
                sign = d if mult[o] >= 0 else -d
                P.emit("ADD" if sign > 0 else "SUB", dst=prod, a=acc[o], imm=sh, flags=A_SIGNED)
            if bias[o]:
                P.emit("ADDC", dst=prod, imm=int(bias[o]))
            P.emit("REQUANT", dst=out, a=prod, imm=L.shift)
            if L.pool:
                P.emit("COPYROW", dst=nb, a=out, imm=1)
                P.emit("MAX", dst=out, a=nb)
                P.emit("COPYROW", dst=nb, a=out, imm=L.out_w)
                P.emit("MAX", dst=out, a=nb)
            P.emit("STORE", a=out, imm=o)
    P.report.append(("common subexpressions" if cse else "no CSE",
                     dict(ops_per_output=(adds_total + temps_total) / n, temporaries=temps_total,
                          loads_per_position=loads)))
    return P


def format_report(P):
    lines = []
    for name, d in P.report:
        extra = ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in d.items())
        lines.append(f"  {name:24s} {extra}")
    return "\n".join(lines)


def random_layer(rng, c, n, h, w, k=3, stride=1, pad=1, density=0.6, act_bits=4, out_bits=4, pool=0):
    """A random ternary layer with a requantisation that keeps outputs in range."""
    wt = rng.choice([-1, 0, 1], size=(n, c, k, k), p=[density / 2, 1 - density, density / 2])
    mult = rng.integers(1, 40, size=n)
    bias = rng.integers(-64, 64, size=n)
    return Layer(wt.astype(np.int64), h, w, stride, pad, act_bits, out_bits, mult, bias,
                 shift=int(rng.integers(3, 8)), pool=pool)
