"""Training, evaluation and export of stoxvp models (PS-quantization-aware training).

    /usr/bin/python3 -m tools.stoxnet.train --net small_cnn --converter mtj --samples 4 \
        --w-slice 1 --epochs 6 --seed 1 --out models/small_cnn_mtj.sxvm

Writes the model file, a checkpoint (.pt) and a metadata sidecar (.json: the command, the seed,
the accuracies measured here). --smoke runs one batch of everything, for the test suite.

Fine-tuning (--init) records the run it started from; --teacher (distillation), --bn-frozen,
--train-samples and --noise-grad make the shipped MTJ model's recipe (docs/training.md,
models/train_all.sh); --ema keeps an exponential moving average of the weights (Polyak averaging),
which is what is evaluated and exported.

A long run saves its whole training state (weights, optimiser, schedule, the epoch's order, the
random generators) to OUT.resume every --checkpoint-seconds and when it is interrupted (Ctrl-C,
SIGTERM); the same command run again continues from there and ends with the same weights as an
uninterrupted run. --fresh ignores such a file.
"""
import argparse
import json
import os
import signal
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from . import data
from .datapath import FLOAT, NOISE_GRAD, Bits, Converter, quantise_input
from .export import export
from .files import write_atomic
from .nets import build
from .perf import tune_allocator


def ema_of(net, decay):
    """The shadow copy --ema keeps: every floating-point parameter and buffer, starting from the
    initial weights (empty without --ema)."""
    return {k: v.detach().clone() for k, v in net.state_dict().items() if v.dtype.is_floating_point} if decay else {}


def ema_update(ema, net, decay):
    if not ema:  # without --ema: no state_dict walk on every step
        return
    with torch.no_grad():
        for k, v in net.state_dict().items():
            if k in ema:
                ema[k].mul_(decay).add_(v, alpha=1 - decay)


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


def teacher_logits(path, images):
    """The teacher's logits on the training images, computed once (eval mode, its own mode: a
    float checkpoint runs without quantisers, on the unrounded input as it was trained)."""
    ckpt = torch.load(path)
    a = ckpt["args"]
    was = FLOAT["on"]
    FLOAT["on"] = bool(a.get("float"))
    try:
        conv = Converter(kind=a["converter"], adc_bits=a["adc_bits"], curve=a["curve"])
        conv.set_samples([int(t) for t in a["samples"].split(",")] if "," in a["samples"] else int(a["samples"]))
        teacher = build(a["net"], Bits(a["w_bits"], a["w_slice"], a["a_bits"], a["a_stream"]), conv, a["rows"])
        teacher.load_state_dict(ckpt["state_dict"])
        teacher.eval()
        x = prepare(images, a["net"])
        with torch.no_grad():
            return torch.cat([teacher(x[b:b + 1000]) for b in range(0, len(x), 1000)])
    finally:
        FLOAT["on"] = was


def loss_of(logits, labels, soft, args):
    """Cross-entropy, or with a teacher's logits the distillation loss (Hinton et al. 2015):
    (1 - alpha) CE + alpha tau^2 KL(softmax(teacher / tau) || softmax(student / tau))."""
    ce = F.cross_entropy(logits, labels)
    if soft is None:
        return ce
    tau = args.kd_temp
    kl = F.kl_div(F.log_softmax(logits / tau, 1), F.log_softmax(soft / tau, 1), reduction="batchmean",
                  log_target=True)
    return (1 - args.kd_alpha) * ce + args.kd_alpha * tau * tau * kl


# Options that do not change what a run computes: a run may resume under other values of these.
RESUME_FREE = {"threads", "fresh", "stop_after", "checkpoint_seconds"}


def run_identity(args):
    return {k: v for k, v in vars(args).items() if k not in RESUME_FREE}


def save_resume(path, args, step, perm, spent, net, opt, sched, ema):
    state = {"identity": run_identity(args), "step": step, "perm": perm, "spent": spent,
             "net": net.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(), "ema": ema,
             "torch_rng": torch.get_rng_state(), "numpy_rng": np.random.get_state()}
    write_atomic(path, lambda f: torch.save(state, f))  # a run killed while saving keeps the previous resume point


def load_resume(path, args, net, opt, sched, ema):
    try:
        state = torch.load(path)
    except Exception as e:  # noqa: BLE001 - any unreadable file gets the same clear refusal
        raise SystemExit(f"{path}: not a readable resume file ({e}); remove it or pass --fresh")
    want = run_identity(args)
    if state.get("identity") != want:
        diff = sorted(k for k in set(want) | set(state.get("identity", {}))
                      if want.get(k) != state.get("identity", {}).get(k))
        raise SystemExit(f"{path}: written by a different run (differs in {', '.join(diff)}); "
                         "remove it or pass --fresh")
    net.load_state_dict(state["net"])
    opt.load_state_dict(state["opt"])
    sched.load_state_dict(state["sched"])
    for k, v in (state.get("ema") or {}).items():
        ema[k].copy_(v)
    torch.set_rng_state(state["torch_rng"])
    np.random.set_state(state["numpy_rng"])
    return state["step"], state["perm"], state["spent"]


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
    ap.add_argument("--teacher", help="knowledge distillation: a checkpoint (.pt, e.g. the float model) whose "
                                      "logits on the training images are the soft targets")
    ap.add_argument("--kd-alpha", type=float, default=0.5,
                    help="with --teacher: loss = (1 - alpha) CE + alpha tau^2 KL(teacher || student)")
    ap.add_argument("--kd-temp", type=float, default=2.0, help="with --teacher: the softmax temperature tau")
    ap.add_argument("--train-samples", default="",
                    help="MTJ T drawn per batch from this list (e.g. 4,8,16) while training; the model file "
                         "keeps --samples as its default T")
    ap.add_argument("--noise-grad", action="store_true",
                    help="the MTJ's straight-through gradient also through its sampling noise (datapath.NOISE_GRAD)")
    ap.add_argument("--bn-frozen", action="store_true",
                    help="batch norms normalise with their running statistics while training and keep them "
                         "(gains and biases still learnt): the forward pass is the exported folded model's")
    ap.add_argument("--ema", type=float, default=0.0,
                    help="evaluate and export an exponential moving average of the weights with this decay "
                         "per step (e.g. 0.999; 0: the last weights)")
    ap.add_argument("--untrained", action="store_true", help="export random weights (cost studies)")
    ap.add_argument("--float", action="store_true",
                    help="the float baseline: no quantiser or converter; writes only .pt and .json")
    ap.add_argument("--smoke", action="store_true", help="one batch of training, evaluation and export")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--test-limit", type=int, default=0, help="evaluate on the first N test images")
    ap.add_argument("--checkpoint-seconds", type=float, default=300,
                    help="save the training state to OUT.resume this often (and on Ctrl-C/SIGTERM)")
    ap.add_argument("--fresh", action="store_true", help="ignore OUT.resume; start from the beginning")
    ap.add_argument("--stop-after", type=int, default=0,
                    help="stop after N steps of this run, leaving OUT.resume (to share a machine; tests)")
    ap.add_argument("--out", required=True, help="model file to write (.sxvm); .pt and .json beside it")
    args = ap.parse_args(argv)

    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.set_num_threads(args.threads)
    tune_allocator()
    if args.stop_after < 0 or args.checkpoint_seconds <= 0 or args.test_limit < 0 or args.train_limit < 0:
        ap.error(f"--stop-after {args.stop_after}, --checkpoint-seconds {args.checkpoint_seconds}, --train-limit "
                 f"{args.train_limit}, --test-limit {args.test_limit}: counts must be >= 0, seconds > 0")
    if args.micro_batch < 0:
        ap.error(f"--micro-batch {args.micro_batch}: must be 0 (whole batches) or a positive size")
    if not 0.0 <= args.ema < 1.0:
        ap.error(f"--ema {args.ema}: a decay in [0, 1) (0: no averaging)")
    if not 0.0 <= args.kd_alpha <= 1.0 or args.kd_temp <= 0:
        ap.error(f"--kd-alpha {args.kd_alpha}, --kd-temp {args.kd_temp}: alpha must be in [0, 1], tau > 0")
    train_ts = []
    if args.train_samples:
        try:
            train_ts = [int(t) for t in args.train_samples.split(",")]
        except ValueError:
            train_ts = [0]
        if args.converter != "mtj" or any(not 1 <= t <= 255 for t in train_ts):
            ap.error(f"--train-samples {args.train_samples}: a list of MTJ T values in 1..255 (--converter mtj)")
    FLOAT["on"] = args.float
    NOISE_GRAD["on"] = args.noise_grad
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
    if args.init and os.path.exists(os.path.splitext(args.init)[0] + ".json"):
        # A fine-tuning run records the run it started from (and that one's, ...): the whole recipe.
        with open(os.path.splitext(args.init)[0] + ".json") as f:
            meta["init_from"] = json.load(f)
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
        if args.test_limit:
            x_te, y_te = x_te[:args.test_limit], y_te[:args.test_limit]
        if args.smoke:
            x_tr, y_tr, x_te, y_te = x_tr[:64], y_tr[:64], x_te[:64], y_te[:64]
        xt, yt = prepare(x_tr, args.net), torch.from_numpy(y_tr.astype(np.int64))
        xe, ye = prepare(x_te, args.net), torch.from_numpy(y_te.astype(np.int64))
        soft = teacher_logits(args.teacher, x_tr) if args.teacher else None
        opt = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=args.lr)
        steps = max(1, int(args.epochs * len(xt) / args.batch)) if not args.smoke else 1
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps)
        per_epoch = len(xt) // args.batch or 1
        resume_path = base + ".resume"
        first, perm, spent = 0, None, 0.0
        ema = ema_of(net, args.ema)
        if os.path.exists(resume_path) and not args.fresh and not args.smoke:
            first, perm, spent = load_resume(resume_path, args, net, opt, sched, ema)
            print(f"resuming from {resume_path}: step {first}/{steps} ({spent:.0f} s spent before)", flush=True)
        stop = {"signal": None}

        def on_signal(signum, _frame):
            stop["signal"] = signum
        old_handlers = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        net.train()
        if args.bn_frozen:
            for m in net.modules():
                if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                    m.eval()
        t0 = time.time()
        last_save = last_print = t0
        try:
            for step in range(first, steps):
                if step % per_epoch == 0 or perm is None:
                    perm = torch.randperm(len(xt))
                idx = perm[(step % per_epoch) * args.batch:][:args.batch]
                opt.zero_grad()
                if train_ts:  # one T per batch for every crossbar layer (drawn from torch's generator)
                    conv.set_samples(train_ts[int(torch.randint(0, len(train_ts), (1,)).item())])
                micro = args.micro_batch or len(idx)
                loss = 0.0
                for k in range(0, len(idx), micro):
                    part = idx[k:k + micro]
                    # Each micro-batch's mean loss weighted by its share: the gradients add up to the batch's.
                    l = loss_of(net(xt[part]), yt[part], None if soft is None else soft[part], args) * (len(part) / len(idx))
                    l.backward()
                    loss += l.detach()
                opt.step()
                sched.step()
                ema_update(ema, net, args.ema)
                now = time.time()
                done = step + 1
                if step % 100 == 0 or done == steps or now - last_print >= 60:
                    rate = (now - t0) / (done - first)
                    print(f"step {done}/{steps} epoch {done / per_epoch:.2f} loss {loss.item():.3f} "
                          f"({spent + now - t0:.0f} s, about {rate * (steps - done):.0f} s to go)", flush=True)
                    last_print = now
                stopping = stop["signal"] is not None or (args.stop_after and done - first >= args.stop_after)
                if done < steps and not args.smoke and (stopping or now - last_save >= args.checkpoint_seconds):
                    save_resume(resume_path, args, done, perm, spent + now - t0, net, opt, sched, ema)
                    last_save = now
                if done < steps and stopping:
                    why = f"signal {stop['signal']}" if stop["signal"] is not None else f"--stop-after {args.stop_after}"
                    print(f"stopped at step {done}/{steps} ({why}); the same command resumes from {resume_path}",
                          flush=True)
                    return 3
        finally:
            for sig, h in old_handlers.items():
                signal.signal(sig, h)
        spent += time.time() - t0
        conv.set_samples([int(t) for t in args.samples.split(",")] if "," in args.samples else int(args.samples))
        if ema:
            meta["accuracy_without_ema"] = evaluate(net, xe, ye)
            print(f"test accuracy of the last weights (without --ema): {meta['accuracy_without_ema'] * 100:.2f}%")
            net.load_state_dict({**net.state_dict(), **ema})
        acc = evaluate(net, xe, ye)
        print(f"test accuracy (PyTorch, {'float' if args.float else args.converter}): {acc * 100:.2f}%")
        meta.update(accuracy=acc, test_images=len(xe), train_images=len(xt), epochs=args.epochs,
                    train_seconds=round(spent))
        if "init_from" in meta:  # this run and every run before it in the chain
            prev = meta["init_from"]
            meta["recipe_train_seconds"] = round(spent) + prev.get("recipe_train_seconds", prev.get("train_seconds", 0))
    if not args.float:
        export(net, args.out)
    torch.save({"state_dict": net.state_dict(), "args": vars(args)}, base + ".pt")
    with open(base + ".json", "w") as f:
        json.dump(meta, f, indent=2)
    print(f"wrote {'' if args.float else args.out + ', '}{base}.pt, {base}.json")
    if os.path.exists(base + ".resume"):
        os.remove(base + ".resume")
    return 0


if __name__ == "__main__":
    sys.exit(main())
