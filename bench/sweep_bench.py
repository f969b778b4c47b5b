"""Benchmarks of the sweep engine (issue 16): its overhead per point against the point's own
run time, and the speed-up of the local executor on 2 cores.

    PYTHONPATH=build/python /usr/bin/python3 bench/sweep_bench.py [--images 1000] [--points 4] \
        [--parallel-points 16] [--parallel-images 200]

1. Overhead: `--points` points of `--images` images each (T = 1..8 and seeds) as a sweep on one
   core (Snakemake, a Python process per point, the table and the page) against the same runs
   done by the stoxvp command one after another; overhead per point = (sweep - direct) / points.
2. Parallel: `--parallel-points` points run one after another by the stoxvp command, against
   the sweep on 2 cores.
Wall time and CPU time (of this process's children) are reported; medians are not taken (each
figure is one run of minutes), so rerun on an idle machine for stable numbers.
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--points", type=int, default=4)
    ap.add_argument("--parallel-points", type=int, default=16)
    ap.add_argument("--parallel-images", type=int, default=200)
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="stoxvp-sweep-bench-")
    try:
        samples, seeds = grid(a.points)
        n = len(samples) * len(seeds)
        f = sweep_file(d, "overhead", a.images, samples, seeds)
        dw, dc = timed(lambda: direct(a.images, samples, seeds, d))
        sw, sc = timed(lambda: sweep(f, os.path.join(d, "o"), 1))
        print(f"overhead: {n} points of {a.images} images")
        print(f"  stoxvp one after another   wall {dw:7.2f} s  cpu {dc:7.2f} s  ({dw / n:.2f} s per point)")
        print(f"  sweep on 1 core            wall {sw:7.2f} s  cpu {sc:7.2f} s")
        print(f"  overhead per point         wall {(sw - dw) / n:7.2f} s  cpu {(sc - dc) / n:7.2f} s  "
              f"= {100 * (sw - dw) / dw:.1f}% of a point's wall time (target < 10%)")
        samples, seeds = grid(a.parallel_points)
        n = len(samples) * len(seeds)
        f = sweep_file(d, "parallel", a.parallel_images, samples, seeds)
        dw, dc = timed(lambda: direct(a.parallel_images, samples, seeds, d))
        pw, pc = timed(lambda: sweep(f, os.path.join(d, "p"), 2))
        print(f"parallel: {n} points of {a.parallel_images} images")
        print(f"  stoxvp one after another   wall {dw:7.2f} s  cpu {dc:7.2f} s")
        print(f"  sweep on 2 cores           wall {pw:7.2f} s  cpu {pc:7.2f} s")
        print(f"  ratio                      {pw / dw:.2f} (target <= 0.6)")
    finally:
        shutil.rmtree(d)


if __name__ == "__main__":
    main()
