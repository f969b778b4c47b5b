"""The ternary-weight small CNN for the racetrack associative processor (issue 12).

    /usr/bin/python3 -m tools.stoxnet.ternary --epochs 2 --seed 1 --threads 1 --out models/small_cnn_ternary

Same shape as small_cnn: 1x28x28 -> conv 16 -> max pool -> conv 32 -> max pool -> conv 64 ->
global average pool + FC 10. The three convolutions have ternary weights (TWN: per output
channel delta = 0.7 E|W|, scale alpha = E|W| over |W| > delta, straight-through estimator) and
4-bit unsigned activations (a learned clip, PACT-style, straight-through rounding); the input
is the pixel quantised as the model file's header says, q = min(floor(p / 2 + 1/2), 127)
(7 bits unsigned, step 2/255). The FC runs in the chip's digital unit with int8 weights.

Deployment is integer: each convolution's batch norm, ternary scale and activation step fold
into y = clamp((acc * M + B) >> S, 0, 15) per channel (acc the ternary sum), which the AP
compiler (apc.py) lowers to an AP program. Writes <out>.sxvm (the model file: three AP_CONV
layers, type 24, carrying their programs; the FC as a DIGITAL_CONV), <out>/conv{1,2,3}.sxap,
<out>/model.npz (the integer layers and the quantised FC) and <out>/model.json (command, seed,
accuracies fake-quantised and integer, operations per output before and after each compiler
pass).
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from . import apc, data
from .files import write_atomic

REQUANT_SHIFT = 16


def ternarise(w):
    """TWN per output channel: (ternary codes, alpha)."""
    a = w.abs()
    delta = 0.7 * a.mean(dim=(1, 2, 3), keepdim=True)
    mask = (a > delta).to(w.dtype)
    alpha = (a * mask).sum(dim=(1, 2, 3), keepdim=True) / mask.sum(dim=(1, 2, 3), keepdim=True).clamp(min=1)
    return torch.sign(w) * mask, alpha


class TernaryConv(nn.Conv2d):
    def forward(self, x):
        codes, alpha = ternarise(self.weight)
        wq = self.weight + (codes * alpha - self.weight).detach()
        return F.conv2d(x, wq, None, self.stride, self.padding)


class ActQuant(nn.Module):
    """Unsigned 4-bit activations on [0, clip]: step clip / 15."""

    def __init__(self, bits=4, clip=3.0):
        super().__init__()
        self.levels = 2 ** bits - 1
        self.clip = nn.Parameter(torch.tensor(float(clip)))

    def forward(self, x):
        y = torch.minimum(F.relu(x), self.clip)
        step = self.clip / self.levels
        return y + (torch.floor(y / step + 0.5) * step - y).detach()


class TernaryCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.ModuleList([TernaryConv(1, 16, 3, padding=1, bias=False),
                                   TernaryConv(16, 32, 3, padding=1, bias=False),
                                   TernaryConv(32, 64, 3, padding=1, bias=False)])
        self.bn = nn.ModuleList([nn.BatchNorm2d(c) for c in (16, 32, 64)])
        self.act = nn.ModuleList([ActQuant() for _ in range(3)])
        self.fc = nn.Linear(64, 10)

    def forward(self, x):  # x: quantised pixels x step (input_pixels)
        for i in range(3):
            x = self.act[i](self.bn[i](self.conv[i](x)))
            if i < 2:
                x = F.max_pool2d(x, 2)
        return self.fc(x.mean(dim=(2, 3)))


INPUT_SCALE, INPUT_STEP, INPUT_BITS = 0.5, 2.0 / 255.0, 7


def input_codes(pixels):
    """The model file's input quantisation: floor(p x 0.5 + 0.5), at most 127."""
    return np.minimum(np.floor(pixels.astype(np.float32) * np.float32(INPUT_SCALE) + np.float32(0.5)), 127).astype(np.int64)


def input_pixels(pixels):
    return torch.from_numpy(input_codes(pixels).astype(np.float32) * np.float32(INPUT_STEP)).unsqueeze(1)


def integer_layers(net):
    """The deployed layers: [(apc.Layer, step of its output)], and the FC."""
    layers, s_in, act_bits = [], INPUT_STEP, INPUT_BITS
    for i in range(3):
        codes, alpha = ternarise(net.conv[i].weight.detach())
        bn = net.bn[i]
        g = (bn.weight / torch.sqrt(bn.running_var + bn.eps)).detach()
        b = (bn.bias - bn.running_mean * g).detach()
        s_out = float(net.act[i].clip.detach()) / net.act[i].levels
        alpha = alpha.flatten()
        mult = torch.floor(g * alpha * s_in / s_out * 2 ** REQUANT_SHIFT + 0.5).to(torch.int64).numpy()
        bias = torch.floor((b / s_out + 0.5) * 2 ** REQUANT_SHIFT + 0.5).to(torch.int64).numpy()
        size = 28 >> i
        layers.append((apc.Layer(codes.to(torch.int64).numpy(), size, size, 1, 1, act_bits, 4, mult, bias,
                                 REQUANT_SHIFT, pool=2 if i < 2 else 0), s_out))
        s_in, act_bits = s_out, 4
    return layers, net.fc.weight.detach().numpy().astype(np.float32), net.fc.bias.detach().numpy().astype(np.float32)


def fc_quantised(fc_w, fc_b, s3, positions=49):
    """The FC as the chip's digital unit runs it (a DIGITAL_CONV over the 7x7 map, the FC weight
    at every position): int8 weights, and per class the float32 scale step_w x s3 / 49."""
    step = float(np.abs(fc_w).max()) / 127.0
    wq = np.clip(np.floor(fc_w / step + 0.5), -127, 127).astype(np.int64)
    scale = np.full(fc_w.shape[0], step * s3 / positions, dtype=np.float32)
    return wq, scale, fc_b.astype(np.float32)


def fc_logits(a3, fcq):
    """a3: [batch][64][7][7] integer activations -> float32 logits, the digital unit's way:
    z = float(acc) x scale + bias in float32."""
    wq, scale, bias = fcq
    acc = a3.reshape(a3.shape[0], a3.shape[1], -1).sum(axis=2) @ wq.T
    return acc.astype(np.float32) * scale + bias


def integer_forward(layers, fcq, pixels):
    """Logits of one image [28][28] uint8 through the integer layers and the FC."""
    x = input_codes(pixels)[None]
    for L, _ in layers:
        x = apc.reference(L, x)
    return fc_logits(x[None], fcq)[0], x


def integer_accuracy(layers, fcq, x, y):
    correct = 0
    for b0 in range(0, len(x), 500):
        a = input_codes(x[b0:b0 + 500])[:, None]
        for L, _ in layers:
            a = np.stack([apc.reference(L, img) for img in a])
        correct += int((fc_logits(a, fcq).argmax(1) == y[b0:b0 + 500]).sum())
    return correct / len(x)


LAYER_AP_CONV = 24


def export_model(path, layers, programs, fcq):
    """The model file (docs/model-format.md): three AP_CONV layers whose blobs are their AP
    programs, then the FC as a DIGITAL_CONV with FLOAT32 logits."""
    from .export import HEADER, LAYER, layer_entry, params_block, LAYER_DIGITAL, OUT_FLOAT32
    import struct
    import zlib
    entries, blobs = [], []
    table_end = 64 + 64 * (len(layers) + 1)
    offset = [table_end]

    def blob(data):
        at = offset[0]
        blobs.append(bytes(data) + b"\0" * (-len(data) % 4))
        offset[0] += len(blobs[-1])
        return at, len(data)

    shape = (1, 28, 28)
    for i, ((L, _), prog) in enumerate(zip(layers, programs)):
        n, c, k, _ = L.w.shape
        woff, wlen = blob(prog)
        e = layer_entry(type=LAYER_AP_CONV, activation=1, out_bits=L.out_bits, input=i, in_channels=c,
                        in_h=L.in_h, in_w=L.in_w, out_channels=n, kernel_h=k, kernel_w=k, stride=L.stride,
                        pad=L.pad, w_bits=2, a_bits=L.act_bits, weights_offset=woff, weights_bytes=wlen)
        e["pool"] = L.pool
        entries.append(e)
        shape = (n, L.out_h // (L.pool or 1), L.out_w // (L.pool or 1))
    wq, scale, bias = fcq
    c, h, w = shape
    full = np.repeat(np.repeat(wq[:, :, None, None], h, axis=2), w, axis=3)
    woff, wlen = blob(full.reshape(wq.shape[0], -1).astype(np.int8).tobytes())
    poff, plen = blob(params_block("ideal", torch.from_numpy(scale), torch.from_numpy(bias)))
    e = layer_entry(type=LAYER_DIGITAL, out_format=OUT_FLOAT32, input=len(layers), in_channels=c, in_h=h, in_w=w,
                    out_channels=wq.shape[0], kernel_h=h, kernel_w=w, stride=1, pad=0, w_bits=8, a_bits=5,
                    weights_offset=woff, weights_bytes=wlen, params_offset=poff, params_bytes=plen)
    e["pool"] = 0
    entries.append(e)
    table = b"".join(LAYER.pack(*(e[k] for k in (
        "type", "activation", "out_format", "out_bits", "input", "input_b", "in_channels", "in_h",
        "in_w", "out_channels", "kernel_h", "kernel_w", "stride", "pad", "w_bits", "w_slice",
        "a_bits", "a_stream", "scale_a", "scale_b", "weights_offset", "weights_bytes",
        "params_offset", "params_bytes")), struct.pack("<IIII", e["pool"], 0, 0, 0)) for e in entries)
    size = table_end + sum(len(b) for b in blobs)
    head = HEADER.pack(b"SXVM", 1, 64, size, 0, len(entries), 64, 64, 1, 28, 28, 8, 0, 10, INPUT_SCALE, 0.0, 0,
                       b"small_cnn_tern")
    data = bytearray(head + table + b"".join(blobs))
    struct.pack_into("<I", data, 12, zlib.crc32(bytes(data)) & 0xFFFFFFFF)
    write_atomic(path, lambda f: f.write(data))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=float, default=2)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--train-limit", type=int, default=0, help="use the first N training images")
    ap.add_argument("--test-limit", type=int, default=0, help="evaluate on the first N test images")
    ap.add_argument("--columns", type=int, default=2048, help="bits per CAM row the compiler may use")
    ap.add_argument("--out", required=True, help="directory to write")
    args = ap.parse_args(argv)
    if args.batch < 1:
        ap.error(f"--batch {args.batch}: must be at least 1")
    if args.columns < 1:
        ap.error(f"--columns {args.columns}: must be at least 1")
    if not (args.epochs > 0 and np.isfinite(args.epochs)):
        ap.error(f"--epochs {args.epochs}: must be a positive number")
    for name in ("train_limit", "test_limit"):
        if getattr(args, name) < 0:
            ap.error(f"--{name.replace('_', '-')} {getattr(args, name)}: must be 0 (all) or positive")
    if args.threads < 1:
        ap.error(f"--threads {args.threads}: must be at least 1")
    try:
        run(ap, args, argv)
    except (data.DataError, ValueError) as e:
        print(f"ternary: {e}", file=sys.stderr)
        sys.exit(2)


def run(ap, args, argv):
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.set_num_threads(args.threads)

    x_tr, y_tr = data.load("train")
    x_te, y_te = data.load("test")
    if args.train_limit:
        x_tr, y_tr = x_tr[:args.train_limit], y_tr[:args.train_limit]
    if args.test_limit:
        x_te, y_te = x_te[:args.test_limit], y_te[:args.test_limit]
    if args.batch > len(x_tr):
        # A batch larger than the training set never runs, so the step loop would never end.
        ap.error(f"--batch {args.batch}: larger than the {len(x_tr)} training images")
    xt = input_pixels(x_tr)
    yt = torch.from_numpy(y_tr.astype(np.int64))
    net = TernaryCNN()
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    steps = int(args.epochs * len(xt) / args.batch)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(1, steps))
    t0 = time.time()
    net.train()
    step = 0
    while step < steps:
        perm = torch.randperm(len(xt))
        for b0 in range(0, len(xt) - args.batch + 1, args.batch):
            if step >= steps:
                break
            idx = perm[b0:b0 + args.batch]
            loss = F.cross_entropy(net(xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            if step % 100 == 0:
                print(f"step {step}/{steps} loss {loss.item():.3f} ({time.time() - t0:.0f} s)", flush=True)
    train_s = time.time() - t0
    net.eval()
    with torch.no_grad():
        xe = input_pixels(x_te)
        acc_float = float((net(xe).argmax(1).numpy() == y_te).mean())
    layers, fc_w, fc_b = integer_layers(net)
    fcq = fc_quantised(fc_w, fc_b, layers[-1][1])
    acc_int = integer_accuracy(layers, fcq, x_te, y_te)
    print(f"accuracy: fake-quantised PyTorch {acc_float:.4f}, integer deployment {acc_int:.4f} on {len(x_te)} images")

    os.makedirs(args.out, exist_ok=True)
    meta = {"command": " ".join([sys.executable, "-m", "tools.stoxnet.ternary"] + (argv or sys.argv[1:])),
            "seed": args.seed, "epochs": args.epochs, "train_images": len(x_tr), "test_images": len(x_te),
            "train_seconds": round(train_s), "torch": torch.__version__,
            "accuracy_fake_quantised": acc_float, "accuracy_integer": acc_int,
            "requant_shift": REQUANT_SHIFT, "layers": []}
    arrays = {"fc_wq": fcq[0], "fc_scale": fcq[1], "fc_bias": fcq[2]}
    programs = []
    for i, (L, s_out) in enumerate(layers):
        P = apc.compile_layer(L, columns=args.columns)
        programs.append(P.encode())
        prog = programs[-1]
        write_atomic(os.path.join(args.out, f"conv{i + 1}.sxap"), lambda f: f.write(prog))
        arrays[f"w{i + 1}"] = L.w.astype(np.int8)
        arrays[f"mult{i + 1}"] = np.asarray(L.mult, np.int64)
        arrays[f"bias{i + 1}"] = np.asarray(L.bias, np.int64)
        arrays[f"step{i + 1}"] = np.float32(s_out)
        meta["layers"].append({"program": f"conv{i + 1}.sxap", "in": [int(L.w.shape[1]), L.in_h, L.in_w],
                               "out_channels": int(L.w.shape[0]), "act_bits": L.act_bits, "pool": L.pool,
                               "zero_weights": float((L.w == 0).mean()),
                               "passes": [{"pass": n, **d} for n, d in P.report]})
        print(f"conv{i + 1}:\n" + apc.format_report(P))
    write_atomic(os.path.join(args.out, "model.npz"), lambda f: np.savez(f, **arrays))
    export_model(args.out + ".sxvm", layers, programs, fcq)
    write_atomic(os.path.join(args.out, "model.pt"), lambda f: torch.save(net.state_dict(), f))
    write_atomic(os.path.join(args.out, "model.json"), lambda f: f.write(json.dumps(meta, indent=2) + "\n"), "w")


if __name__ == "__main__":
    main()
