"""A training run stopped part-way and resumed (twice) ends with exactly the weights and model
file of the same run uninterrupted; a resume file from another run or an unreadable one is
refused with a message naming the file and what differs."""
import filecmp
import os
import sys
import tempfile

import torch

from tools.stoxnet import train

base = ["--net", "small_cnn", "--converter", "mtj", "--w-slice", "1", "--samples", "4",
        "--train-limit", "384", "--batch", "64", "--epochs", "2", "--test-limit", "100",
        "--seed", "3", "--threads", "1"]
failures = []


def check(cond, what):
    print(("ok: " if cond else "FAILED: ") + what)
    if not cond:
        failures.append(what)


def refused(argv, needle):
    try:
        train.main(argv)
    except SystemExit as e:
        return needle in str(e.code)
    return False


with tempfile.TemporaryDirectory() as d:
    a, b = os.path.join(d, "a.sxvm"), os.path.join(d, "b.sxvm")
    check(train.main(base + ["--out", a]) == 0, "the uninterrupted run ends normally")
    check(train.main(base + ["--out", b, "--stop-after", "5"]) == 3, "--stop-after 5 stops with status 3")
    check(os.path.exists(os.path.join(d, "b.resume")), "a stopped run leaves b.resume")
    check(train.main(base + ["--out", b, "--stop-after", "6"]) == 3, "the first resume stops again")
    check(train.main(base + ["--out", b]) == 0, "the second resume runs to the end")
    check(not os.path.exists(os.path.join(d, "b.resume")), "a finished run removes its resume file")
    sa, sb = torch.load(os.path.join(d, "a.pt"))["state_dict"], torch.load(os.path.join(d, "b.pt"))["state_dict"]
    check(sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa),
          "resumed weights equal the uninterrupted run's bit for bit")
    check(filecmp.cmp(a, b, shallow=False), "resumed model file equals the uninterrupted run's byte for byte")

    c = os.path.join(d, "c.sxvm")
    check(train.main(base + ["--out", c, "--stop-after", "2"]) == 3, "a third run stops")
    check(refused(base[:-2] + ["--threads", "1", "--lr", "1e-3", "--out", c], "differs in lr"),
          "a resume file from a run with another --lr is refused, naming lr")
    with open(os.path.join(d, "c.resume"), "wb") as f:
        f.write(b"not a checkpoint")
    check(refused(base + ["--out", c], "c.resume: not a readable resume file"), "an unreadable resume file is refused")
    check(train.main(base + ["--out", c, "--fresh", "--stop-after", "1"]) == 3, "--fresh ignores it")
print(f"{len(failures)} failed")
sys.exit(1 if failures else 0)
