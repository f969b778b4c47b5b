"""Benchmarks of the sweep engine (issue 16): its overhead per point against the point's own
run time, and the speed-up of the local executor on 2 cores.

    PYTHONPATH=build/python /usr/bin/python3 bench/sweep_bench.py [--images 1000] [--points 16] \
        [--parallel-points 16] [--parallel-images 1000] [--repeat 3]

1. Overhead: `--points` points of `--images` images each (T = 1, 2, 4, 8 and seeds) as a sweep on
   one core (Snakemake, a job per point, the table and the page) against the same runs done by
   the stoxvp command one after another; overhead per point = (sweep - direct) / points, also
   split into Snakemake's fixed cost per sweep (a sweep of one 1-image point minus that point)
   and what each point adds.
2. Parallel: `--parallel-points` points run one after another by the stoxvp command, against the
   sweep on 2 cores (the direct runs of 1. are reused when the grids are the same).
CPU time is that of all child processes (user + system, grandchildren included: each parent
waits for its own); each figure is the median of `--repeat` runs; the load average is printed
with each, since the machine is shared and wall times mean little on a loaded one.
"""
import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(SRC, "build", "tools", "stoxvp")
MODEL = os.path.join(SRC, "models", "small_cnn_mtj.sxvm")


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(fn):
    w, c = time.time(), children_cpu()
    fn()
    return time.time() - w, children_cpu() - c


def sweep_file(d, name, images, samples, seeds):
    path = os.path.join(d, name + ".yaml")
    with open(path, "w") as f:
        f.write(f"name: {name}\nmodel: {MODEL}\nimages: {images}\nseeds: {seeds}\nfixed: {{converter: mtj}}\n"
                f"grid: {{samples: {samples}}}\n")
    return path


def direct(images, samples, seeds, d):
    for t in samples:
        for s in seeds:
            subprocess.run([CLI, "--model", MODEL, "--images", str(images), "--seed", str(s), "--samples", str(t),
                            "--no-vcd", "--no-power", "--quiet", "--no-progress-bar", "--report",
                            os.path.join(d, "r.json")], check=True, stdout=subprocess.DEVNULL)


def sweep(path, out, cores):
    subprocess.run([sys.executable, "-m", "stoxvp.sweep", "run", path, "--out", out, "--cores", str(cores)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def grid(n):
    samples = [1, 2, 4, 8]
    seeds = list(range(1, (n + len(samples) - 1) // len(samples) + 1))
    return samples[:n] if n < len(samples) else samples, seeds if n >= len(samples) else [1]


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2


def load():
    return "load average %.1f %.1f %.1f" % os.getloadavg()


def measure(label, fn, repeat):
    """Median wall and CPU time of `repeat` calls of fn(i), printing each run with the load."""
    ws, cs = [], []
    for i in range(repeat):
        w, c = timed(lambda: fn(i))
        ws.append(w)
        cs.append(c)
        print(f"    {label:30s} run {i + 1}: wall {w:7.2f} s  cpu {c:7.2f} s  ({load()})", flush=True)
    return median(ws), median(cs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--points", type=int, default=16)
    ap.add_argument("--parallel-points", type=int, default=16)
    ap.add_argument("--parallel-images", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="stoxvp-sweep-bench-")
    print(f"start: {load()} on {os.cpu_count()} cores", flush=True)
    try:
        # Snakemake's fixed cost per sweep: a sweep of one 1-image point against that point.
        f1 = sweep_file(d, "fixed", 1, [1], [1])
        _, c1 = measure("one 1-image point, stoxvp", lambda i: direct(1, [1], [1], d), a.repeat)
        _, s1 = measure("one 1-image point, sweep", lambda i: sweep(f1, os.path.join(d, f"f{i}"), 1), a.repeat)
        fixed = s1 - c1
        samples, seeds = grid(a.points)
        n = len(samples) * len(seeds)
        f = sweep_file(d, "overhead", a.images, samples, seeds)
        dw, dc = measure("stoxvp one after another", lambda i: direct(a.images, samples, seeds, d), a.repeat)
        sw, sc = measure("sweep on 1 core", lambda i: sweep(f, os.path.join(d, f"o{i}"), 1), a.repeat)
        point = dc / n
        per = (sc - dc) / n
        marginal = (sc - dc - fixed) / n
        print(f"overhead: {n} points of {a.images} images (medians of {a.repeat})")
        print(f"  stoxvp one after another   wall {dw:7.2f} s  cpu {dc:7.2f} s  ({point:.3f} s cpu per point)")
        print(f"  sweep on 1 core            wall {sw:7.2f} s  cpu {sc:7.2f} s")
        print(f"  overhead per point         cpu {per:7.3f} s = {100 * per / point:.1f}% of a point's cpu time "
              f"(target < 10%); wall {(sw - dw) / n:.3f} s = {100 * (sw - dw) / dw:.1f}%")
        print(f"    of which fixed per sweep cpu {fixed:7.3f} s ({fixed / n:.3f} s per point at {n} points)")
        print(f"    and each point adds      cpu {marginal:7.3f} s = {100 * marginal / point:.1f}% of a point's cpu time")
        samples, seeds = grid(a.parallel_points)
        n = len(samples) * len(seeds)
        f = sweep_file(d, "parallel", a.parallel_images, samples, seeds)
        if (a.parallel_points, a.parallel_images) != (a.points, a.images):
            dw, dc = measure("stoxvp one after another", lambda i: direct(a.parallel_images, samples, seeds, d),
                             a.repeat)
        pw, pc = measure("sweep on 2 cores", lambda i: sweep(f, os.path.join(d, f"p{i}"), 2), a.repeat)
        print(f"parallel: {n} points of {a.parallel_images} images (medians of {a.repeat})")
        print(f"  stoxvp one after another   wall {dw:7.2f} s  cpu {dc:7.2f} s")
        print(f"  sweep on 2 cores           wall {pw:7.2f} s  cpu {pc:7.2f} s")
        print(f"  ratio                      {pw / dw:.2f} wall (target <= 0.6)")
        # What an idle machine would give, from CPU times alone: wall = cpu for the direct runs,
        # Snakemake's fixed cost serial, the rest shared by the 2 cores.
        print(f"  ratio from cpu times       ({fixed:.2f} + ({pc:.2f} - {fixed:.2f}) / 2) / {dc:.2f} = "
              f"{(fixed + (pc - fixed) / 2) / dc:.2f}")
        print(f"end: {load()}")
    finally:
        shutil.rmtree(d)


if __name__ == "__main__":
    main()
