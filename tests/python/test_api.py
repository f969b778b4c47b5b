"""The stoxvp Python package against the stoxvp command for the same runs, and its refusals."""
import gzip
import io
import json
import os
import subprocess

import numpy as np
import pytest

import stoxvp
from stoxvp.progress import Progress

SRC = os.environ.get("STOXVP_SOURCE_DIR", os.getcwd())
CLI = os.environ["STOXVP_BIN"]
MODEL = os.path.join(SRC, "models", "small_cnn_mtj.sxvm")
IMAGES = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
LABELS = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"
N = 24


def cli_run(tmp_path, *args):
    report, logits = tmp_path / "cli.json", tmp_path / "cli.logits"
    subprocess.run([CLI, "--model", MODEL, "--images", str(N), "--no-vcd", "--no-power", "--quiet",
                    "--report", str(report), "--logits-out", str(logits), *args], check=True,
                   stdout=subprocess.DEVNULL)
    with open(report) as f:
        rep = json.load(f)
    return rep, np.fromfile(logits, dtype=np.float32).reshape(N, -1)


def same_numbers(py, cli):
    assert py["inference"]["correct"] == cli["inference"]["correct"]
    assert py["inference"]["predictions"] == cli["inference"]["predictions"]
    assert py["inference"]["latency_ns_per_image"] == cli["inference"]["latency_ns_per_image"]
    # Every statistic and energy of the run is the CLI's to the last bit.
    assert py["energy"] == cli["energy"]
    for key in ("summary", "layers", "accelerator", "noc", "mapping", "area"):
        assert py[key] == cli[key], key
    assert py["run"]["sim_time_ns"] == cli["run"]["sim_time_ns"]


@pytest.mark.parametrize("options,cli_args", [
    (dict(seed=7, samples=4), ["--seed", "7", "--samples", "4"]),
    (dict(seed=3, samples=[1, 2, 4]), ["--seed", "3", "--samples", "1,2,4"]),
    (dict(converter="adc", adc_bits=5), ["--converter", "adc", "--adc-bits", "5"]),
])
def test_equals_the_command_line(tmp_path, options, cli_args):
    r = stoxvp.run_inference(model=MODEL, images=N, progress=False, **options)
    rep, logits = cli_run(tmp_path, *cli_args)
    assert r.images == N and r.logits.shape == (N, 10) and r.logits.dtype == np.float32
    assert np.array_equal(r.logits, logits)
    assert r.correct == rep["inference"]["correct"]
    assert r.accuracy == pytest.approx(rep["inference"]["accuracy"], abs=0)
    same_numbers(r.report, rep)
    assert r.stats["energy_pj"] > 0 and r.stats["accel_descriptors"] > 0
    assert list(r.predictions) == rep["inference"]["predictions"]


def read_idx(path, count):
    with gzip.open(path, "rb") as f:
        data = f.read()
    if data[3] == 3:
        n, h, w = np.frombuffer(data[4:16], dtype=">u4")
        return np.frombuffer(data[16:], dtype=np.uint8).reshape(n, h, w)[:count]
    return np.frombuffer(data[8:], dtype=np.uint8)[:count]


def test_numpy_arrays_equal_the_idx_file(tmp_path):
    images, labels = read_idx(IMAGES, N), read_idx(LABELS, N)
    a = stoxvp.run_inference(model=MODEL, images=images, labels=labels, seed=5, progress=False)
    rep, logits = cli_run(tmp_path, "--seed", "5")
    assert np.array_equal(a.logits, logits)
    assert a.correct == rep["inference"]["correct"]
    # Without labels there is no accuracy, but the same logits.
    b = stoxvp.run_inference(model=MODEL, images=images, seed=5, progress=False)
    assert b.accuracy is None and np.array_equal(b.logits, logits)


def test_write_idx_goes_through_a_temporary_file(tmp_path, monkeypatch):
    from stoxvp import api
    path = tmp_path / "images.idx"
    api.write_idx(str(path), np.arange(12, dtype=np.uint8).reshape(2, 2, 3))
    first = path.read_bytes()
    assert first[:16] == bytes.fromhex("00000803000000020000000200000003") and first[16:] == bytes(range(12))

    def interrupted(src, dst):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(api.os, "replace", interrupted)
    with pytest.raises(OSError):
        api.write_idx(str(path), np.zeros((5,), np.uint8))
    assert path.read_bytes() == first and os.listdir(tmp_path) == ["images.idx"]


def test_config_dict_file_and_tile_kind(tmp_path):
    cfg = json.load(open(os.path.join(SRC, "configs", "default.json")))
    a = stoxvp.run_inference(model=MODEL, images=4, config=cfg, seed=2, progress=False)
    b = stoxvp.run_inference(model=MODEL, images=4, config=os.path.join(SRC, "configs", "default.json"), seed=2,
                             progress=False)
    c = stoxvp.run_inference(model=MODEL, images=4, config=cfg, seed=2, tile_kind="xbar", progress=False)
    assert np.array_equal(a.logits, b.logits) and np.array_equal(a.logits, c.logits)
    assert a.report["energy"] == b.report["energy"]
    groups = c.report["config"]["accelerator"]["tile_groups"]
    assert [g["kind"] for g in groups] == ["xbar"] and groups[0]["count"] == 16


def test_errors_carry_the_c_api_message(tmp_path):
    with pytest.raises(stoxvp.ConfigError, match="array_rows"):
        stoxvp.Platform({"accelerator": {"array_rows": "many"}})
    with pytest.raises(stoxvp.ConfigError, match="nonexistent.json"):
        stoxvp.Platform(str(tmp_path / "nonexistent.json"))
    with pytest.raises(stoxvp.ConfigError, match="tile_groups.*nonesuch"):
        stoxvp.run_inference(model=MODEL, images=2, tile_kind="nonesuch", progress=False)
    with pytest.raises(stoxvp.InputError, match="no-such-model.sxvm"):
        stoxvp.run_inference(model=str(tmp_path / "no-such-model.sxvm"), images=2, progress=False)
    with pytest.raises(stoxvp.InputError, match="converter 'flux'"):
        stoxvp.run_inference(model=MODEL, images=2, converter="flux", progress=False)
    with pytest.raises(stoxvp.InputError, match="each T must be 1..255"):
        stoxvp.run_inference(model=MODEL, images=2, samples=0, progress=False)
    with pytest.raises(stoxvp.ArgumentError, match="adc_bits"):
        stoxvp.run_inference(model=MODEL, images=2, adc_bits=4, progress=False)
    with pytest.raises(stoxvp.InputError, match="shape"):
        stoxvp.run_inference(model=MODEL, images=np.zeros((2, 2, 2, 2), dtype=np.uint8), progress=False)
    with stoxvp.Platform() as p:
        with pytest.raises(stoxvp.StateError, match="already exists"):
            stoxvp.Platform()
        with pytest.raises(stoxvp.AddressError, match="not mapped"):
            p.read(0x0, 16)
        base, size = p.region("sram")
        p.write(base, b"\x01\x02\x03\x04")
        assert p.read(base, 4) == b"\x01\x02\x03\x04"
    # After the first one is gone, a new platform may be made.
    stoxvp.Platform().close()


@pytest.mark.skipif(not os.path.exists(os.path.join(os.path.dirname(CLI), "..", "firmware", "riscv", "inference.elf")),
                    reason="no RV32 toolchain: the build made no inference.elf")
def test_riscv_firmware_predicts_what_the_host_firmware_does():
    host = stoxvp.run_inference(model=MODEL, images=3, seed=4, progress=False)
    rv = stoxvp.run_inference(model=MODEL, images=3, seed=4, cpu="riscv", progress=False)
    assert np.array_equal(host.logits, rv.logits) and host.correct == rv.correct
    assert rv.report["cpu"]["kind"] == "riscv" and rv.stats["cpu_instructions"] > 0


def test_report_file_and_vcd(tmp_path):
    r = stoxvp.run_inference(model=MODEL, images=2, seed=1, report=tmp_path / "r.json", vcd=str(tmp_path / "t.vcd"),
                             power_csv=str(tmp_path / "p.csv"), timeline=str(tmp_path / "t.json"), progress=False)
    assert json.load(open(tmp_path / "t.json"))["traceEvents"]
    assert json.load(open(tmp_path / "r.json"))["inference"]["images"] == 2
    assert (tmp_path / "t.vcd").stat().st_size > 0 and (tmp_path / "p.csv").stat().st_size > 0
    assert r.report["inference"]["images"] == 2


def test_progress_lines_when_not_a_terminal():
    t = [0.0]
    out = io.StringIO()
    bar = Progress(100, stream=out, delay=2.0, interval=10.0, tty=False, clock=lambda: t[0])
    bar.update(5)  # within the delay: nothing
    assert out.getvalue() == ""
    t[0] = 5.0
    bar.update(50)
    t[0] = 6.0
    bar.update(60)  # within the interval: nothing
    t[0] = 15.0
    bar.update(90)
    bar.finish()
    lines = out.getvalue().splitlines()
    assert lines[0] == "stoxvp: 50/100 images  50.0% 10.0 images/s elapsed 0:05 left 0:05"
    assert lines[1].startswith("stoxvp: 90/100 images  90.0% 6.0 images/s elapsed 0:15 left 0:01")
    assert len(lines) == 3


def test_progress_bar_on_a_terminal():
    t = [0.0]
    out = io.StringIO()
    bar = Progress(10, stream=out, delay=0.0, interval=0.0, tty=True, clock=lambda: t[0])
    t[0] = 2.0
    bar.update(4)
    assert out.getvalue().startswith("\rstoxvp [############..................] 4/10 images  40.0% 2.0 images/s")
    assert "left 0:03" in out.getvalue()


def test_progress_shown_by_a_run(capsys):
    stoxvp.run_inference(model=MODEL, images=3, seed=1, progress=True)
    err = capsys.readouterr().err
    assert "3/3 images 100.0%" in err


def test_jobs_give_the_single_process_run(tmp_path):
    """run_inference(jobs=N): the images over worker processes (issue 15), the same logits,
    predictions and accelerator figures as one process; refusals of bad values."""
    one = stoxvp.run_inference(MODEL, images=23, progress=False)
    three = stoxvp.run_inference(MODEL, images=23, progress=False, jobs=3, report=tmp_path / "jobs.json")
    assert np.array_equal(one.logits, three.logits)
    assert np.array_equal(one.predictions, three.predictions)
    assert one.correct == three.correct and three.images == 23
    assert one.report["accelerator"] == three.report["accelerator"]
    assert one.report["layers"] == three.report["layers"]
    for name, c in one.report["energy"]["components"].items():
        assert c["dynamic_pj"] == three.report["energy"]["components"][name]["dynamic_pj"], name
    with open(tmp_path / "jobs.json") as f:
        shares = json.load(f)["jobs"]["shares"]
    assert len(shares) == 3 and shares[0]["first_image"] == 0 and shares[2]["images"].endswith("-22")
    assert sum(s["image_count"] for s in shares) == 23
    for bad in (0, -1, 257, 2.0, True):
        with pytest.raises(stoxvp.ArgumentError):
            stoxvp.run_inference(MODEL, images=3, jobs=bad)
    with pytest.raises(stoxvp.ArgumentError):
        stoxvp.run_inference(MODEL, images=3, jobs=2, vcd=tmp_path / "x.vcd")
