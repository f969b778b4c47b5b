"""Training, evaluation and export of stoxvp models (PS-quantization-aware training).

    /usr/bin/python3 -m tools.stoxnet.train --net small_cnn --converter mtj --samples 4 \
        --w-slice 1 --epochs 6 --seed 1 --out models/small_cnn_mtj.sxvm

Writes the model file, a checkpoint (.pt) and a metadata sidecar (.json: the command, the seed,
the accuracies measured here). --smoke runs one batch of everything, for the test suite.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from . import data
from .datapath import FLOAT, Bits, Converter, quantise_input
from .export import export
from .nets import build
from .perf import tune_allocator


def prepare(images, net_name):
    x = quantise_input(torch.from_numpy(np.array(images, dtype=np.uint8)).unsqueeze(1))
    if net_name.startswith("resnet20"):
        x = F.pad(x, (2, 2, 2, 2))  # Fashion-MNIST 28x28 padded to 32x32
        if net_name == "resnet20_cifar":
            x = x.expand(-1, 3, -1, -1)
    return x


def evaluate(net, x, y, batch=500):
    net.eval()
    correct = 0
    with torch.no_grad():
        for b in range(0, len(x), batch):
            correct += (net(x[b:b + batch]).argmax(1) == y[b:b + batch]).sum().item()
    return correct / len(x)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--net", default="small_cnn", choices=["small_cnn", "resnet20", "resnet20_cifar"])
    ap.add_argument("--converter", default="mtj", choices=["ideal", "adc", "sparse_adc", "sense_amp", "mtj"])
    ap.add_argument("--adc-bits", type=int, default=4)
    ap.add_argument("--adc-range", type=float, default=0.0, help="0: calibrated on the first batch")
    ap.add_argument("--samples", default="4", help="MTJ T: one value, or one per weight slice (LSB first)")
    ap.add_argument("--curve", default="final", choices=["final", "tanh", "device"])
    ap.add_argument("--w-bits", type=int, default=4)
    ap.add_argument("--w-slice", type=int, default=3)
    ap.add_argument("--a-bits", type=int, default=4)
    ap.add_argument("--a-stream", type=int, default=3)
    ap.add_argument("--rows", type=int, default=128)
    ap.add_argument("--epochs", type=float, default=5)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--micro-batch", type=int, default=0,
                    help="split each batch into micro-batches of this size and accumulate their gradients "
                         "(less memory; batch norms then see micro-batch statistics); 0: whole batches")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--train-limit", type=int, default=0, help="use the first N training images")
    ap.add_argument("--init", help="start from this checkpoint (.pt)")
    ap.add_argument("--untrained", action="store_true", help="export random weights (cost studies)")
    ap.add_argument("--float", action="store_true",
                    help="the float baseline: no quantiser or converter; writes only .pt and .json")
    ap.add_argument("--smoke", action="store_true", help="one batch of training, evaluation and export")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--out", required=True, help="model file to write (.sxvm); .pt and .json beside it")
    args = ap.parse_args(argv)

    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.set_num_threads(args.threads)
    tune_allocator()
    if args.micro_batch < 0:
        ap.error(f"--micro-batch {args.micro_batch}: must be 0 (whole batches) or a positive size")
    FLOAT["on"] = args.float
    bits = Bits(args.w_bits, args.w_slice, args.a_bits, args.a_stream)
    conv = Converter(kind=args.converter, adc_bits=args.adc_bits, adc_range=args.adc_range, curve=args.curve)
    conv.set_samples([int(t) for t in args.samples.split(",")] if "," in args.samples else int(args.samples))
    net = build(args.net, bits, conv, args.rows)
    if args.init:
        state = torch.load(args.init)["state_dict"]
        missing = net.load_state_dict(state, strict=False)
        print(f"initialised from {args.init} ({len(missing.missing_keys)} parameters new)")

    base = os.path.splitext(args.out)[0]
    meta = {"command": "/usr/bin/python3 -m tools.stoxnet.train " + " ".join(argv if argv is not None else sys.argv[1:]),
            "seed": args.seed, "net": args.net, "converter": args.converter, "samples": args.samples,
            "bits": vars(bits), "torch": torch.__version__}
    if args.untrained:
        # Batch-norm statistics from a few random batches, so the folded scales are sane.
        net.train()
        with torch.no_grad():
            for _ in range(2):
                net(torch.randint(-7, 8, (8,) + net.input_shape).float() * (127 / 7))
        meta["accuracy"] = None
    else:
        x_tr, y_tr = data.load("train")
        x_te, y_te = data.load("test")
        if args.train_limit:
            x_tr, y_tr = x_tr[:args.train_limit], y_tr[:args.train_limit]
        if args.smoke:
            x_tr, y_tr, x_te, y_te = x_tr[:64], y_tr[:64], x_te[:64], y_te[:64]
        xt, yt = prepare(x_tr, args.net), torch.from_numpy(y_tr.astype(np.int64))
        xe, ye = prepare(x_te, args.net), torch.from_numpy(y_te.astype(np.int64))
        opt = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=args.lr)
        steps = max(1, int(args.epochs * len(xt) / args.batch)) if not args.smoke else 1
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps)
        net.train()
        t0 = time.time()
        for step in range(steps):
            if step % (len(xt) // args.batch or 1) == 0:
                perm = torch.randperm(len(xt))
            idx = perm[(step % (len(xt) // args.batch or 1)) * args.batch:][:args.batch]
            opt.zero_grad()
            micro = args.micro_batch or len(idx)
            loss = 0.0
            for k in range(0, len(idx), micro):
                part = idx[k:k + micro]
                # Each micro-batch's mean loss weighted by its share: the gradients add up to the batch's.
                l = F.cross_entropy(net(xt[part]), yt[part]) * (len(part) / len(idx))
                l.backward()
                loss += l.detach()
            opt.step()
            sched.step()
            if step % 100 == 0 or step == steps - 1:
                print(f"step {step + 1}/{steps} loss {loss.item():.3f} ({time.time() - t0:.0f} s)", flush=True)
        acc = evaluate(net, xe, ye)
        print(f"test accuracy (PyTorch, {'float' if args.float else args.converter}): {acc * 100:.2f}%")
        meta.update(accuracy=acc, test_images=len(xe), train_images=len(xt), epochs=args.epochs,
                    train_seconds=round(time.time() - t0))
    if not args.float:
        export(net, args.out)
    torch.save({"state_dict": net.state_dict(), "args": vars(args)}, base + ".pt")
    with open(base + ".json", "w") as f:
        json.dump(meta, f, indent=2)
    print(f"wrote {'' if args.float else args.out + ', '}{base}.pt, {base}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
