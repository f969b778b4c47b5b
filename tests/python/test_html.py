"""stoxvp --html: a self-contained page (no network) that headless Chromium loads without errors,
with every plot drawn with the traces it states."""
import json
import os
import re
import subprocess

import browser

SRC = os.environ.get("STOXVP_SOURCE_DIR", os.getcwd())
CLI = os.environ["STOXVP_BIN"]
MODEL = os.path.join(SRC, "models", "small_cnn_mtj.sxvm")


def test_run_page_in_chromium(tmp_path):
    page = tmp_path / "run.html"
    p = subprocess.run([CLI, "--model", MODEL, "--images", "10", "--seed", "1", "--no-vcd", "--quiet",
                        "--report", str(tmp_path / "r.json"), "--power-vcd", str(tmp_path / "p.vcd"),
                        "--power-csv", str(tmp_path / "p.csv"), "--html", str(page)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    text = page.read_text()
    # Self-contained: no script or stylesheet is fetched from anywhere.
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=", text)
    report = json.load(open(tmp_path / "r.json"))
    plots, errors, console = browser.load(page)
    assert errors == "" and console == [], (errors, console)
    expected = {
        "energy_by_component": 1,
        "energy_by_layer": len({c for l in report["layers"] for c, v in l["energy_pj"].items() if v > 0}),
        "power_over_time": len([c for c in open(tmp_path / "p.csv").readline().strip().split(",") if c.endswith("_mw")]),
        "layer_latency": 2, "tile_utilisation": 1, "converter_comparison": 1}
    assert set(plots) == set(expected)
    for name, n in expected.items():
        assert plots[name]["traces"] == n, (name, plots[name])
        assert plots[name]["drawn"] == "yes" and plots[name]["g"] == n, (name, plots[name])
        assert plots[name]["paths"] > 0, (name, plots[name])
    assert browser.screenshot(page, str(tmp_path / "run.png")) > 20


def test_html_refusals(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    p = subprocess.run([CLI, "--model", MODEL, "--images", "1", "--no-vcd", "--no-power", "--quiet",
                        "--report", str(tmp_path / "r.json"), "--html", str(blocker / "x.html")],
                       capture_output=True, text=True)
    assert p.returncode == 69 and "x.html" in p.stderr
