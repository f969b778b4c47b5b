"""Cost of one PS-quantization-aware training step against the float step of the same network
and batch (issue 14). Each round runs one step of every mode in turn (float, batched PS-aware,
and optionally the old per-piece PS-aware forward), so machine load hits them alike; the
report gives medians over the rounds of CPU time and wall time, and the ratios to float.

    PYTHONPATH=. /usr/bin/python3 bench/bench_training.py --threads 1 --batch 128 --rounds 5

Modes: "float"; "batched", the default PS-aware step (the drive batch norm and the conversion in
the fused kernel, tools/stoxnet/fused.py, when the library is built); "unfused", the batched step
with them in torch's eager passes (datapath.PieceCodes: the "before" of the fused kernel);
"per_piece", the implementation before the batched step.

A step is forward, cross-entropy, backward and an Adam update, on random Fashion-MNIST-shaped
inputs (the time does not depend on the pixels). The converter is the shipped small CNN's:
MTJ, 1-bit weight slices, T = 4 (--w-slice, --samples, --converter to change it).
"""
import argparse
import statistics
import sys
import time

import torch
import torch.nn.functional as F

from tools.stoxnet import datapath, fused, nets
from tools.stoxnet.perf import tune_allocator


def make_net(name, args):
    conv = datapath.Converter(kind=args.converter, adc_bits=args.adc_bits, adc_range=args.adc_range)
    conv.set_samples([int(t) for t in args.samples.split(",")] if "," in args.samples else int(args.samples))
    return nets.build(name, datapath.Bits(4, args.w_slice, 4, 3), conv)


def step(net, opt, x, y, mode, micro):
    datapath.FLOAT["on"] = mode == "float"
    datapath.PER_PIECE["on"] = mode == "per_piece"
    datapath.FUSED["on"] = mode == "batched"
    try:
        opt.zero_grad()
        for k in range(0, len(x), micro):
            loss = F.cross_entropy(net(x[k:k + micro]), y[k:k + micro]) * (len(x[k:k + micro]) / len(x))
            loss.backward()
        opt.step()
    finally:
        datapath.FLOAT["on"] = False
        datapath.PER_PIECE["on"] = False
        datapath.FUSED["on"] = True


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nets", default="small_cnn,resnet20")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--micro-batch", type=int, default=0, help="gradient accumulation over micro-batches (0: none)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--converter", default="mtj")
    ap.add_argument("--adc-bits", type=int, default=4)
    ap.add_argument("--adc-range", type=float, default=64.0)
    ap.add_argument("--samples", default="4")
    ap.add_argument("--w-slice", type=int, default=1)
    ap.add_argument("--per-piece", default="small_cnn",
                    help="networks whose old per-piece step is measured too ('all', 'none' or a list: "
                         "a ResNet-20 per-piece step takes minutes)")
    ap.add_argument("--per-piece-rounds", type=int, default=1)
    ap.add_argument("--no-unfused", action="store_true", help="do not measure the unfused batched step")
    ap.add_argument("--no-tune-allocator", action="store_true",
                    help="leave glibc's allocator as it is (how the per-piece trainer ran before issue 14)")
    ap.add_argument("--require-target", action="store_true", help="exit 1 if a ratio is above 5x")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    tuned = False if args.no_tune_allocator else tune_allocator()
    torch.manual_seed(1)
    micro = args.micro_batch or args.batch
    print(f"bench_training: torch {torch.__version__}, {torch.get_num_threads()} thread(s), batch {args.batch}"
          f"{f' in micro-batches of {micro}' if micro != args.batch else ''}, {args.converter} "
          f"w_slice {args.w_slice} T {args.samples}, allocator tuned: {tuned}; medians of {args.rounds} rounds")
    print(f"  fused kernel: {fused.isa() if fused.available() else 'not available (' + fused.why() + ')'}")
    failed = False
    for name in args.nets.split(","):
        net = make_net(name, args)
        net.train()
        opt = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=1e-3)
        x = torch.randint(0, 256, (args.batch,) + net.input_shape).float() * (127 / 255)
        x = torch.floor(x + 0.5)
        y = torch.randint(0, 10, (args.batch,))
        modes = ["float", "batched"]
        if fused.available() and not args.no_unfused:
            modes.append("unfused")
        if args.per_piece == "all" or name in args.per_piece.split(","):
            modes.append("per_piece")
        step(net, opt, x, y, "batched", micro)  # warm-up (and ADC calibration)
        step(net, opt, x, y, "float", micro)
        times = {m: [] for m in modes}
        for r in range(args.rounds):
            for m in modes:
                if m == "per_piece" and r >= args.per_piece_rounds:
                    continue
                c0, w0 = time.process_time(), time.perf_counter()
                step(net, opt, x, y, m, micro)
                times[m].append((time.process_time() - c0, time.perf_counter() - w0))
        med = {m: (statistics.median(c for c, _ in v), statistics.median(w for _, w in v)) for m, v in times.items()}
        fc, fw = med["float"]
        print(f"  {name}")
        for m in modes:
            c, w = med[m]
            print(f"    {m:10s} cpu {c:8.3f} s  wall {w:8.3f} s   ratio to float: cpu {c / fc:6.2f}x  wall {w / fw:6.2f}x"
                  f"   ({len(times[m])} steps)")
        bc, bw = med["batched"]
        if "unfused" in med:
            uc, uw = med["unfused"]
            print(f"    speed-up of the fused conversion over the unfused one: cpu {uc / bc:.2f}x, wall {uw / bw:.2f}x")
        if "per_piece" in med:
            pc, pw = med["per_piece"]
            print(f"    speed-up of the batched step over the per-piece step: cpu {pc / bc:.1f}x, wall {pw / bw:.1f}x")
        ok = bc / fc <= 5.0
        failed |= not ok
        print(f"    target: PS-aware step <= 5x float (CPU time): {'met' if ok else 'NOT met'} ({bc / fc:.2f}x)")
    return 1 if failed and args.require_target else 0


if __name__ == "__main__":
    sys.exit(main())
