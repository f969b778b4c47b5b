"""Trains a small spiking CNN of integrate-and-fire neurons on Fashion-MNIST event streams
(tools/stoxnet/events.py) with a surrogate gradient, and exports it to the stoxvp model format
(spiking layer types SNN_CONV 16 and SNN_FC 17, docs/model-format.md) with per-layer weight and
membrane-potential resolutions.

Network: SNN_CONV 2->8 (5x5, stride 2, pad 2) -> SNN_CONV 8->16 (3x3, stride 2, pad 1) ->
SNN_FC 1296->10; IF neurons without leak, threshold 1, reset by subtraction; the prediction is
the output neuron with the most spikes (ties: the higher final potential, then the lower index).
Weights are fake-quantised to each layer's w_bits during training (straight-through), so the
exported integer network (W_int = round(W x s), threshold round(s), s = (2^(w_bits-1)-1) / max|W|)
is the trained one; its potentials are v_bits-bit numbers that wrap (docs/snn-cim.md).

    /usr/bin/python3 -m tools.stoxnet.snn_train --train data/fmnist_train4000.sxev \\
        --test data/fmnist_test.sxev --out models/snn_fmnist_w8v16.sxvm --bits 8/16,8/16,8/16 --seed 1
"""
import argparse
import json
import os
import struct
import sys
import time
import zlib

import numpy as np
import torch
import torch.nn.functional as F

from . import events, snnref
from .files import write_atomic

LAYER_SNN_CONV, LAYER_SNN_FC = 16, 17
OUT_INT32 = 1
HEADER = struct.Struct("<4sHHIIIIHHHHBBHffI16s")
LAYER = struct.Struct("<BBBBHHHHHHBBBBBBBBffIIIIIIII")
assert HEADER.size == 64 and LAYER.size == 64
ARCH = [  # (type, out_c, kernel, stride, pad)
    ("conv", 8, 5, 2, 2),
    ("conv", 16, 3, 2, 1),
    ("fc", 10, 1, 1, 0),
]


class SpikeFn(torch.autograd.Function):
    """Heaviside forward; fast-sigmoid surrogate backward (Zenke & Ganguli 2018), slope 5."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (x >= 0).float()

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (1 + 5 * x.abs()) ** 2


def fake_quant(w, bits):
    lim = 2 ** (bits - 1) - 1
    s = lim / w.detach().abs().max().clamp_min(1e-8)
    return w + (torch.round(w * s).clamp(-lim, lim) / s - w).detach()


class SNN(torch.nn.Module):
    def __init__(self, bits):
        super().__init__()
        self.bits = bits
        self.weights = torch.nn.ParameterList()
        self.shapes = [(2, 34, 34)]
        for typ, oc, k, s, p in ARCH:
            c, h, w = self.shapes[-1]
            if typ == "conv":
                wt = torch.empty(oc, c, k, k)
                torch.nn.init.kaiming_uniform_(wt, a=5 ** 0.5)
                self.shapes.append((oc, (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1))
            else:
                wt = torch.empty(oc, c * h * w)
                torch.nn.init.kaiming_uniform_(wt, a=5 ** 0.5)
                self.shapes.append((oc, 1, 1))
            self.weights.append(torch.nn.Parameter(wt * 3))

    def forward(self, x, quant=True):
        """x: (batch, T, 2, 34, 34) spikes; returns output spike counts and final potentials."""
        b, T = x.shape[:2]
        v = [torch.zeros((b,) + s) for s in self.shapes[1:]]
        counts = torch.zeros(b, self.shapes[-1][0])
        ws = [fake_quant(w, wb) if quant else w for w, (wb, _) in zip(self.weights, self.bits)]
        for t in range(T):
            s = x[:, t]
            for i, (typ, oc, k, st, p) in enumerate(ARCH):
                cur = F.conv2d(s, ws[i], stride=st, padding=p) if typ == "conv" else F.linear(s.flatten(1), ws[i]).view(b, oc, 1, 1)
                v[i] = v[i] + cur
                s = SpikeFn.apply(v[i] - 1.0)
                v[i] = v[i] - s  # reset by subtraction, threshold 1
            counts = counts + s.view(b, -1)
        return counts, v[-1].view(b, -1)


def load_bins(path, T, limit=0):
    try:
        with open(path, "rb") as f:
            buf = f.read()
    except OSError as e:
        raise ValueError(f"{path}: cannot read: {e.strerror}") from None
    h, samples = events.decode(buf, path)
    if limit:
        samples = samples[:limit]
    x = np.stack([events.bin_spikes(ev, T, h["duration_us"], h["width"], h["height"]) for _, ev in samples])
    y = np.array([lab for lab, _ in samples], np.int64)
    return x, y


def integer_layers(net):
    """The exported integer network as snnref layer dicts."""
    out = []
    for (typ, oc, k, st, p), w, (wb, vb), shp in zip(ARCH, net.weights, net.bits, net.shapes):
        lim = 2 ** (wb - 1) - 1
        w = w.detach()
        s = lim / float(w.abs().max())
        wi = torch.round(w * s).clamp(-lim, lim).to(torch.int64)
        thr = int(min(2 ** (vb - 1) - 1, max(1, round(s))))
        c, h, ww = shp
        out.append(dict(type=0 if typ == "conv" else 1, in_c=c, in_h=h, in_w=ww, out_c=oc, kernel=k if typ == "conv" else 1,
                        stride=st if typ == "conv" else 1, pad=p if typ == "conv" else 0, w_bits=wb, v_bits=vb,
                        threshold=thr, reset=1, policy=2, weights=wi.reshape(-1).tolist()))
    return out


def predict(counts, v):
    """Most spikes; ties by the higher final potential, then the lower index."""
    counts, v = np.asarray(counts, np.int64), np.asarray(v, np.int64)
    best = 0
    for o in range(1, len(counts)):
        if counts[o] > counts[best] or (counts[o] == counts[best] and v[o] > v[best]):
            best = o
    return best


def integer_accuracy(layers, x, y):
    net = snnref.Network(layers)
    correct = 0
    for xi, yi in zip(x, y):
        net.reset()
        for t in range(xi.shape[0]):
            net.step(xi[t])
        correct += predict(net.counts[-1].reshape(-1), net.v[-1].reshape(-1)) == yi
    return correct / len(y)


def read_model(path):
    """The spiking layers of a model file as snnref layer dicts, read with struct (apart from the
    C reader, which validates the file on the platform)."""
    buf = open(path, "rb").read()
    count = HEADER.unpack_from(buf, 0)[5]
    layers = []
    for i in range(count):
        f = LAYER.unpack_from(buf, 64 + 64 * i)
        typ, c, hh, ww, oc, k, st, pad, wb = f[0], f[6], f[7], f[8], f[9], f[10], f[12], f[13], f[14]
        woff, wbytes, word0, word1 = f[20], f[21], f[24], f[25]
        w = np.frombuffer(buf, np.int8, wbytes, woff).astype(np.int64).tolist()
        layers.append(dict(type=0 if typ == LAYER_SNN_CONV else 1, in_c=c, in_h=hh, in_w=ww, out_c=oc, kernel=k,
                           stride=st, pad=pad, w_bits=wb, v_bits=word0 & 0xFF, reset=(word0 >> 8) & 0xFF,
                           policy=(word0 >> 16) & 0xFF, threshold=struct.unpack("<i", struct.pack("<I", word1))[0],
                           weights=w))
    return layers


def export(layers, path, name):
    entries, blobs = [], []
    table_end = 64 + 64 * len(layers)
    off = table_end
    for L in layers:
        wb = np.asarray(L["weights"], np.int8).tobytes()
        k = L["in_c"] * L["kernel"] * L["kernel"] if L["type"] == 0 else L["in_c"] * L["in_h"] * L["in_w"]
        assert len(wb) == k * L["out_c"]
        blobs.append(wb + b"\0" * (-len(wb) % 4))
        word0 = L["v_bits"] | (L["reset"] << 8) | (L["policy"] << 16)
        entries.append(LAYER.pack(LAYER_SNN_CONV if L["type"] == 0 else LAYER_SNN_FC, 0, OUT_INT32, 0, len(entries), 0,
                                  L["in_c"], L["in_h"], L["in_w"], L["out_c"], L["kernel"], L["kernel"], L["stride"],
                                  L["pad"], L["w_bits"], 0, 1, 0, 0.0, 0.0, off, len(wb), 0, 0, word0,
                                  L["threshold"] & 0xFFFFFFFF, 0, 0))
        off += len(blobs[-1])
    head = HEADER.pack(b"SXVM", 1, 64, off, 0, len(layers), 64, 64, 2, 34, 34, 1, 0, layers[-1]["out_c"], 1.0, 0.0, 0,
                       name.encode()[:16])
    data = bytearray(head + b"".join(entries) + b"".join(blobs))
    struct.pack_into("<I", data, 12, zlib.crc32(bytes(data)) & 0xFFFFFFFF)
    write_atomic(path, lambda f: f.write(data))




def parse_bits(ap, text):
    """--bits: one w/v entry per layer of ARCH, 2 <= w <= 8 (int8 weights), w <= v <= 32."""
    entries = text.split(",")
    if len(entries) != len(ARCH):
        ap.error(f"--bits {text}: {len(entries)} entries, the network has {len(ARCH)} layers (w/v each)")
    bits = []
    for e in entries:
        try:
            w, v = (int(p) for p in e.split("/"))
        except ValueError:
            ap.error(f"--bits {text}: entry {e!r} is not w_bits/v_bits")
        if not 2 <= w <= 8:
            ap.error(f"--bits {text}: entry {e}: w_bits {w} outside 2..8")
        if not w <= v <= 32:
            ap.error(f"--bits {text}: entry {e}: v_bits {v} outside {w}..32 (w_bits..32)")
        bits.append((w, v))
    return bits


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--bits", default="8/16,8/16,8/16", help="w_bits/v_bits per layer")
    ap.add_argument("--timesteps", type=int, default=8)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--train-count", type=int, default=0, help="training samples (0: the whole file)")
    ap.add_argument("--test-count", type=int, default=1000, help="test samples for the reported accuracies")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--name", default="snn_fmnist")
    a = ap.parse_args(argv)
    bits = parse_bits(ap, a.bits)
    if not 1 <= a.timesteps <= 64:
        ap.error(f"--timesteps {a.timesteps}: outside 1..64")
    try:
        run(a, bits, argv)
    except ValueError as e:
        print(f"snn_train: {e}", file=sys.stderr)
        sys.exit(2)


def run(a, bits, argv):
    torch.set_num_threads(1)
    torch.manual_seed(a.seed)
    t0 = time.time()
    xtr, ytr = load_bins(a.train, a.timesteps, a.train_count)
    xte, yte = load_bins(a.test, a.timesteps, a.test_count)
    net = SNN(bits)
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    rng = np.random.default_rng(a.seed)
    for ep in range(a.epochs):
        order = rng.permutation(len(ytr))
        tot = 0.0
        for i in range(0, len(order), 32):
            idx = order[i:i + 32]
            counts, v = net(torch.from_numpy(xtr[idx]).float())
            loss = F.cross_entropy(counts, torch.from_numpy(ytr[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += float(loss) * len(idx)
        print(f"epoch {ep + 1}: loss {tot / len(ytr):.3f} ({time.time() - t0:.0f} s)", flush=True)
    with torch.no_grad():
        def acc(quant):
            c, v = net(torch.from_numpy(xte).float(), quant=quant)
            pred = [predict(ci.numpy().astype(np.int64), (vi * 1e6).numpy().astype(np.int64)) for ci, vi in zip(c, v)]
            return float(np.mean(np.array(pred) == yte))
        float_acc, fq_acc = acc(False), acc(True)
    layers = integer_layers(net)
    int_acc = integer_accuracy(layers, xte, yte)
    export(layers, a.out, a.name)
    meta = dict(command="/usr/bin/python3 -m tools.stoxnet.snn_train " + " ".join(sys.argv[1:] if argv is None else argv),
                seed=a.seed, timesteps=a.timesteps, epochs=a.epochs, train_samples=int(len(ytr)), bits=a.bits,
                test_samples=int(len(yte)), accuracy_float=float_acc, accuracy_fake_quant=fq_acc,
                accuracy_integer=int_acc, thresholds=[L["threshold"] for L in layers], seconds=round(time.time() - t0))
    write_atomic(os.path.splitext(a.out)[0] + ".json", lambda f: f.write(json.dumps(meta, indent=2)), "w")
    print(f"snn_train: {a.out}: float {float_acc:.2%}, fake-quant {fq_acc:.2%}, integer {int_acc:.2%} on {len(yte)} test samples")


if __name__ == "__main__":
    main()
