"""Sweeps on Snakemake, locally: the table, the effective configurations, the command line's
numbers for a point, no rerun of finished points, the sweep file's refusals, the page in Chromium."""
import csv
import json
import os
import shutil
import subprocess
import sys

import pytest

import browser

SRC = os.environ.get("STOXVP_SOURCE_DIR", os.getcwd())
CLI = os.environ["STOXVP_BIN"]
TINY = os.path.join(SRC, "tests", "python", "sweeps", "tiny.yaml")


def sweep(*args, cwd=SRC):
    return subprocess.run([sys.executable, "-m", "stoxvp.sweep", *args], capture_output=True, text=True, cwd=cwd)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny")
    p = sweep("run", TINY, "--out", str(out), "--cores", "2")
    assert p.returncode == 0, p.stderr + open(out / "snakemake.log").read()[-3000:]
    return out


def read_csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def test_table_and_configurations(tiny, tmp_path):
    rows = read_csv(tiny / "results.csv")
    assert [(r["samples"], r["seed"]) for r in rows] == [("1", "1"), ("1", "2"), ("4", "1"), ("4", "2")]
    doc = json.load(open(tiny / "results.json"))
    assert len(doc["points"]) == 4
    for p in doc["points"]:
        assert p["effective_config"]["accelerator"]["array_rows"] == 128
        assert p["settings"]["converter"] == "mtj"
    # A point's numbers are the command line's for the same run.
    rep = tmp_path / "r.json"
    subprocess.run([CLI, "--model", os.path.join(SRC, "models", "small_cnn_mtj.sxvm"), "--images", "8", "--seed", "2",
                    "--samples", "4", "--no-vcd", "--no-power", "--quiet", "--report", str(rep)], check=True,
                   stdout=subprocess.DEVNULL)
    cli = json.load(open(rep))
    row = rows[3]
    assert int(row["correct"]) == cli["inference"]["correct"]
    assert float(row["energy_pj"]) == pytest.approx(cli["energy"]["total_pj"], rel=1e-12)
    assert float(row["latency_per_image_ns"]) == pytest.approx(cli["inference"]["latency_ns_per_image"], rel=1e-12)


def test_finished_points_are_not_rerun(tiny, tmp_path):
    out = tmp_path / "copy"
    shutil.copytree(tiny, out)
    points = sorted((out / "points").iterdir())
    before = {p.name: p.stat().st_mtime_ns for p in points}
    os.unlink(points[0])
    p = sweep("run", TINY, "--out", str(out), "--cores", "2")
    assert p.returncode == 0, p.stderr
    after = {p.name: p.stat().st_mtime_ns for p in (out / "points").iterdir()}
    assert set(after) == set(before)
    assert [n for n in before if after[n] != before[n]] == [points[0].name]
    assert read_csv(out / "results.csv") == read_csv(tiny / "results.csv")


@pytest.mark.parametrize("text,message", [
    ("grid: {samples: [0]}\n", "grid.samples[0]: 0: T must be 1..255"),
    ("grid: {samples: ['8,x']}\n", "grid.samples[0]: '8,x': expected T or comma-separated T values"),
    ("fixed: {samples: ''}\n", "fixed.samples: '': expected T or comma-separated T values"),
    ("grid: {colour: [1]}\n", "grid.colour: unknown parameter 'colour'"),
    ("seeds: one\n", "seeds: 'one': expected a list of seeds"),
    ("images: 0\n", "images: 0: expected a count"),
    ("grid: {samples: [1, 1]}\n", "grid.samples: a value is listed twice"),
    ("model: nowhere.sxvm\n", "models: nowhere.sxvm: no such model file"),
    ("grid: [1\n", "not valid YAML"),
    ("speed: 3\n", "speed: unknown field"),
    ("cases: [{converter: mtj, samples: 300}]\n", "cases[0].samples: 300: T must be 1..255"),
    ("cases: [{label: a, converter: mtj}, {label: a, converter: adc}]\n", "cases[1].label: 'a' is used twice"),
    ("grid: {samples: [1]}\ncases: [{samples: 2}]\n", "cases[0].samples: also given under fixed or grid"),
    ("model: models/small_cnn_mtj.sxvm\ncases: [{model: models/small_cnn_ideal.sxvm}]\n",
     "cases[0].model: cases name their models"),
])
def test_sweep_file_refusals(tmp_path, text, message):
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    p = sweep("check", str(f))
    assert p.returncode == 2 and str(f) in p.stderr and message in p.stderr, p.stderr


@pytest.mark.parametrize("content,message", [
    (None, "not a file"),
    ("{\"cost\": ", "not valid JSON"),
    ("[1, 2]", "a configuration is a JSON object, this file holds a list"),
])
def test_sweep_config_file_refusals(tmp_path, content, message):
    """The sweep's configuration file is checked when the sweep is read, not when a point runs."""
    cfg = tmp_path / "cfg.json"
    if content is None:
        cfg.mkdir()
    else:
        cfg.write_text(content)
    f = tmp_path / "bad.yaml"
    f.write_text(f"config: {cfg}\n")
    p = sweep("check", str(f))
    assert p.returncode == 2 and "Traceback" not in p.stderr, p.stderr
    assert f"{f}: config: {cfg}: {message}" in p.stderr, p.stderr


def test_cases_with_the_grid(tmp_path):
    f = tmp_path / "cases.yaml"
    f.write_text(f"seeds: [1, 2]\ngrid: {{cols_per_converter: [0, 2]}}\ncases:\n"
                 f"  - {{label: adc6, model: {SRC}/models/small_cnn_ideal.sxvm, converter: adc, adc_bits: 6}}\n"
                 f"  - {{model: {SRC}/models/small_cnn_mtj.sxvm, samples: 2}}\n")
    p = sweep("check", str(f))
    assert p.returncode == 0, p.stderr
    points = [json.loads(l.split(" ", 1)[1]) for l in p.stdout.splitlines()]
    assert len(points) == 2 * 2 * 2
    assert [(s["case"], s["cols_per_converter"], s["seed"]) for s in points[:4]] == [
        ("adc6", 0, 1), ("adc6", 0, 2), ("adc6", 2, 1), ("adc6", 2, 2)]
    assert points[0]["converter"] == "adc" and points[0]["adc_bits"] == 6 and points[0]["model"].endswith("ideal.sxvm")
    assert points[4]["case"] == f"model={SRC}/models/small_cnn_mtj.sxvm,samples=2" and points[4]["samples"] == 2


def test_sweep_page_in_chromium(tiny):
    plots, errors, console = browser.load(tiny / "sweep.html")
    assert errors == "" and console == [], (errors, console)
    # Accuracy, energy and EDP against T (one trace: nothing else swept), and the Pareto front.
    expected = {"accuracy_vs_samples": 1, "energy_per_image_nj_vs_samples": 1, "edp_per_image_pjs_vs_samples": 1,
                "pareto": 2}
    assert set(plots) == set(expected)
    for name, n in expected.items():
        assert plots[name]["traces"] == n and plots[name]["g"] == n and plots[name]["drawn"] == "yes", plots[name]


def test_pareto_front():
    from stoxvp.html import pareto_front
    pts = [(0.8, 10.0), (0.9, 20.0), (0.85, 25.0), (0.7, 5.0), (0.9, 15.0)]
    assert sorted(pareto_front(pts)) == [0, 3, 4]
