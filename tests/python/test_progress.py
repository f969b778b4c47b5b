"""The command line's progress bar: a plain line on a non-terminal once a run passes --progress-after (0 here, so a fast run shows it too), the
same numbers as without it (the run in slices stops and resumes exactly)."""
import json
import os
import re
import subprocess

SRC = os.environ.get("STOXVP_SOURCE_DIR", os.getcwd())
CLI = os.environ["STOXVP_BIN"]
MODEL = os.path.join(SRC, "models", "small_cnn_mtj.sxvm")


def run(tmp_path, name, *extra):
    rep = tmp_path / f"{name}.json"
    p = subprocess.run([CLI, "--model", MODEL, "--images", "300", "--seed", "3", "--no-vcd", "--no-power",
                        "--report", str(rep), "--progress-after", "0", *extra], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return p, json.load(open(rep))


def test_cli_progress_lines_and_unchanged_results(tmp_path):
    with_bar, a = run(tmp_path, "bar")
    without, b = run(tmp_path, "plain", "--no-progress-bar")
    lines = [l for l in with_bar.stderr.splitlines() if l.startswith("stoxvp: ") and "images/s" in l]
    assert lines and re.fullmatch(r"stoxvp: 300/300 images 100\.0% [0-9.]+ images/s elapsed \d+:\d\d left 0:00",
                                  lines[-1]), with_bar.stderr
    assert "images/s" not in without.stderr
    for key in ("inference", "energy", "layers", "summary", "accelerator"):
        assert a[key] == b[key], key
