"""The training tool's recipe options (docs/training.md, issue 14): the distillation loss equals
its formula computed independently in numpy; --noise-grad's MTJ backward equals its formula; the teacher's logits come from the teacher's own
(float) mode; --bn-frozen keeps every batch norm's running statistics as they were and still
learns the rest; --train-samples draws T per batch from its list while the model file keeps
--samples; --ema exports the moving average of the weights the plain run passes through, and
carries it across a resume; bad values are refused."""
import contextlib
import io
import os
import sys
import tempfile
from types import SimpleNamespace

import numpy as np
import torch

from tools.stoxnet import data, datapath, hwref, train

MODELS = os.environ.get("STOXVP_MODELS", "models")
failures = []


def check(cond, what):
    print(("ok: " if cond else "FAILED: ") + what)
    if not cond:
        failures.append(what)


def refused(argv):
    with contextlib.redirect_stderr(io.StringIO()) as err:
        try:
            train.main(argv)
        except SystemExit as e:
            return e.code == 2, err.getvalue()
    return False, ""


# The distillation loss against numpy.
torch.manual_seed(5)
s, t, y = torch.randn(16, 10, dtype=torch.float64), torch.randn(16, 10, dtype=torch.float64), torch.randint(0, 10, (16,))
for alpha, tau in ((0.0, 2.0), (0.5, 2.0), (0.9, 4.0), (1.0, 1.0)):
    got = train.loss_of(s, y, t, SimpleNamespace(kd_alpha=alpha, kd_temp=tau)).item()
    sn, tn = s.numpy(), t.numpy()

    def log_softmax(v):
        m = v.max(1, keepdims=True)
        return v - m - np.log(np.exp(v - m).sum(1, keepdims=True))
    ce = -log_softmax(sn)[np.arange(16), y.numpy()].mean()
    lt, ls = log_softmax(tn / tau), log_softmax(sn / tau)
    kl = (np.exp(lt) * (lt - ls)).sum(1).mean()
    want = (1 - alpha) * ce + alpha * tau * tau * kl
    check(abs(got - want) < 1e-9 * max(1.0, abs(want)), f"KD loss alpha {alpha} tau {tau}: {got:.9f} == numpy {want:.9f}")
check(train.loss_of(s, y, None, None).item() == torch.nn.functional.cross_entropy(s, y).item(),
      "without a teacher the loss is the cross-entropy")

# --noise-grad: the MTJ's backward adds a (code - expect) (1 - 2p) / 2 to 2 a p (1 - p) inside the
# clamp (one piece per output here, so the layer's output is the code itself).
conv = datapath.Converter(kind="mtj")
conv.set_samples(4)
layer = datapath.XbarConv2d(8, 6, 3, pad=1, bits=datapath.Bits(4, 3, 4, 3), conv=conv)  # K 72: one piece
a = datapath.CURVES["final"][0]
d0 = torch.linspace(-1.4, 1.4, 2 * 6 * 50).reshape(2, 6, 50)
g = torch.randn(2, 6, 50)
for on in (False, True):
    datapath.NOISE_GRAD["on"] = on
    d = d0.clone().requires_grad_(True)
    torch.manual_seed(9)
    y = datapath.PieceCodes.apply(d, layer, 1)
    y.backward(g)
    dd = d0.double()
    p = torch.sigmoid(a * dd.clamp(-1, 1))
    want = 2 * a * p * (1 - p) + (a / 2 * (y.detach().double() - (2 * p - 1)) * (1 - 2 * p) if on else 0)
    want = g.double() * torch.where(dd.abs() <= 1, want, torch.zeros_like(want))
    err = (d.grad.double() - want).abs().max().item()
    check(err < 1e-5, f"MTJ backward {'with' if on else 'without'} --noise-grad equals its formula (max error {err:.1e})")
datapath.NOISE_GRAD["on"] = False


# The float teacher's logits: float mode (its accuracy is the float model's), mode restored after.
x_tr, y_tr = data.load("train")
logits = train.teacher_logits(os.path.join(MODELS, "small_cnn_float.pt"), x_tr[:500])
acc = (logits.argmax(1).numpy() == y_tr[:500]).mean()
check(logits.shape == (500, 10) and acc > 0.85, f"float teacher's accuracy on 500 training images {acc:.3f} > 0.85")
check(datapath.FLOAT["on"] is False, "the float flag is restored after the teacher's pass")

with tempfile.TemporaryDirectory() as d:
    common = ["--net", "small_cnn", "--converter", "mtj", "--w-slice", "1", "--samples", "4", "--batch", "64",
              "--epochs", "1", "--test-limit", "64", "--seed", "4", "--threads", "1"]
    a = os.path.join(d, "a.sxvm")
    check(train.main(common + ["--train-limit", "128", "--out", a]) == 0, "a short run gives a start point")
    drawn = []
    set_samples = datapath.Converter.set_samples

    def recording(self, spec):
        drawn.append(spec)
        return set_samples(self, spec)
    datapath.Converter.set_samples = recording
    b = os.path.join(d, "b.sxvm")
    try:
        rc = train.main(common + ["--train-limit", "640", "--init", os.path.join(d, "a.pt"), "--bn-frozen",
                                  "--train-samples", "4,8", "--noise-grad", "--teacher", os.path.join(MODELS, "small_cnn_float.pt"),
                                  "--out", b])
    finally:
        datapath.Converter.set_samples = set_samples
    check(rc == 0 and datapath.NOISE_GRAD["on"], "a distilled, frozen-BN, noise-gradient run over T in {4, 8} ends normally")
    # Calls: --samples at build, the teacher's own converter, one per batch, --samples restored.
    per_batch = drawn[2:-1]
    check(len(per_batch) == 10 and set(per_batch) == {4, 8}, f"one T per batch from the list: {per_batch}")
    check(drawn[-1] == 4, "--samples is restored for evaluation and export")
    sa, sb = torch.load(os.path.join(d, "a.pt"))["state_dict"], torch.load(os.path.join(d, "b.pt"))["state_dict"]
    stats = [k for k in sa if k.endswith(("running_mean", "running_var", "num_batches_tracked"))]
    check(len(stats) == 15 and all(torch.equal(sa[k], sb[k]) for k in stats),
          f"--bn-frozen: all {len(stats)} running statistics unchanged")
    learnt = [k for k in sa if k not in stats and not k.endswith("adc_range")]  # adc_range: a buffer
    same = [k for k in learnt if torch.equal(sa[k], sb[k])]
    check(not same, f"--bn-frozen: all {len(learnt)} parameters learnt (unchanged: {same})")
    m = hwref.Model.load(b)
    xbar = [m.params(i)[0]["samples"] for i, L in enumerate(m.layers) if L["type"] == 1]
    check(len(xbar) == 2 and all((t == 4).all() for t in xbar), "the model file's T is --samples (4) in every layer")

    # --ema 0.25 over two steps: 0.0625 w0 + 0.1875 w1 + 0.75 w2, where w0, w1, w2 are the weights a run
    # without --ema passes through (the average does not change the training).
    two = common + ["--train-limit", "128", "--init", os.path.join(d, "a.pt")]
    e, p, q = (os.path.join(d, n + ".sxvm") for n in ("e", "p", "q"))
    check(train.main(two + ["--out", p]) == 0 and train.main(two + ["--out", q, "--stop-after", "1"]) == 3,
          "two plain steps, and the first of them stopped")
    w0, w2 = sa, torch.load(os.path.join(d, "p.pt"))["state_dict"]
    w1 = torch.load(os.path.join(d, "q.resume"))["net"]
    check(train.main(two + ["--ema", "0.25", "--out", e]) == 0, "--ema 0.25 ends normally")
    se = torch.load(os.path.join(d, "e.pt"))["state_dict"]
    floats = [k for k in w0 if w0[k].dtype.is_floating_point]
    err = max(((se[k] - (0.0625 * w0[k] + 0.1875 * w1[k] + 0.75 * w2[k])).abs().max() / (w2[k].abs().max() + 1e-12)).item()
              for k in floats)
    moved = [k for k in floats if not torch.equal(w1[k], w2[k])]
    check(err < 1e-6 and len(moved) > 10, f"--ema 0.25: the exported weights are 0.0625 w0 + 0.1875 w1 + 0.75 w2 "
          f"(largest relative error {err:.1e}, {len(moved)} tensors moved by the second step)")
    f = os.path.join(d, "f.sxvm")
    check(train.main(two + ["--ema", "0.25", "--out", f, "--stop-after", "1"]) == 3 and
          train.main(two + ["--ema", "0.25", "--out", f]) == 0, "--ema stopped after one step and resumed")
    sf = torch.load(os.path.join(d, "f.pt"))["state_dict"]
    check(all(torch.equal(se[k], sf[k]) for k in se), "--ema resumed equals --ema uninterrupted bit for bit")

    for argv, what in ((["--ema", "1"], "--ema 1 (no learning would show)"),
                       (["--ema", "-0.1"], "a negative --ema"),
                       (["--train-samples", "4,x"], "a T that is not a number"),
                       (["--train-samples", "0,4"], "T = 0"),
                       (["--converter", "ideal", "--train-samples", "4,8"], "--train-samples without the MTJ"),
                       (["--kd-alpha", "1.5"], "--kd-alpha above 1"),
                       (["--kd-temp", "0"], "--kd-temp 0")):
        ok, msg = refused(common + ["--smoke", "--out", os.path.join(d, "r.sxvm")] + argv)
        check(ok and ("--train-samples" in msg or "--kd-" in msg or "--ema" in msg), f"refused: {what} ({msg.strip().splitlines()[-1] if msg else ''})")
print(f"{len(failures)} failed")
sys.exit(1 if failures else 0)
