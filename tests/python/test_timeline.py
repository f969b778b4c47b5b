"""--timeline: the Chrome trace-event format (every begin ended, time monotonic per track, the
required fields) and its slices against the report (busy times, DMA bytes, energy)."""
import collections
import json
import os
import subprocess

import pytest

SRC = os.environ.get("STOXVP_SOURCE_DIR", os.getcwd())
CLI = os.environ["STOXVP_BIN"]
MODEL = os.path.join(SRC, "models", "small_cnn_mtj.sxvm")


def run(tmp_path, *args, images=5, timeline=None):
    tl, rep = timeline or tmp_path / "timeline.json", tmp_path / "report.json"
    p = subprocess.run([CLI, "--model", MODEL, "--images", str(images), "--seed", "1", "--no-vcd", "--no-power",
                        "--quiet", "--report", str(rep), "--timeline", str(tl), *args], capture_output=True, text=True)
    return p, tl, rep


def slices_by_track(trace):
    """Checks the format and returns {track name: [(name, begin_us, end_us, args)]}."""
    assert isinstance(trace, dict) and isinstance(trace["traceEvents"], list)
    names, open_, out, last_ts = {}, {}, collections.defaultdict(list), {}
    for e in trace["traceEvents"]:
        for field in ("name", "ph", "pid", "tid"):
            assert field in e, (field, e)
        if e["ph"] == "M":
            if e["name"] == "thread_name":
                names[e["tid"]] = e["args"]["name"]
            continue
        if e["ph"] == "C":
            assert all(isinstance(v, (int, float)) for v in e["args"].values()), e
            assert e["ts"] >= last_ts.get("counter " + e["name"], 0), e
            last_ts["counter " + e["name"]] = e["ts"]
            out["counter " + e["name"]].append((e["name"], e["ts"], e["ts"], e["args"]))
            continue
        assert e["ph"] in ("B", "E"), e
        assert isinstance(e["ts"], (int, float)) and e["ts"] >= 0, e
        tid = e["tid"]
        assert e["ts"] >= last_ts.get(tid, 0), ("time goes back on a track", e)
        last_ts[tid] = e["ts"]
        if e["ph"] == "B":
            assert tid not in open_, ("a begin inside an open slice", e)
            assert "cat" in e and "args" in e, e
            open_[tid] = e
        else:
            b = open_.pop(tid, None)
            assert b is not None and b["name"] == e["name"], ("an end without its begin", e)
            out[names[tid]].append((b["name"], b["ts"], e["ts"], b["args"]))
    assert not open_, ("begins without an end", open_)
    return out


def total(slices):
    return sum(e - b for _, b, e, _ in slices)


def test_timeline_format_and_busy_times(tmp_path):
    p, tl, rep = run(tmp_path)
    assert p.returncode == 0, p.stderr
    tracks = slices_by_track(json.load(open(tl)))
    report = json.load(open(rep))
    for t in ("cpu", "command processor", "layers", "dma", "tile 0"):
        assert t in tracks, (t, sorted(tracks))
    assert any(t.startswith("noc link ") for t in tracks)
    acc = report["accelerator"]
    # The command processor's slices are its busy time; each tile's are that tile's.
    assert total(tracks["command processor"]) * 1000 == pytest.approx(acc["busy_ns"], rel=1e-9)
    # A layer's slice runs from its first descriptor's start to its last one's end (programming
    # and running it are separate descriptors): it covers their busy time and their numbers.
    assert total(tracks["layers"]) * 1000 >= acc["busy_ns"] - 1e-6
    assert sum(a["descriptors"] for *_, a in tracks["layers"]) == acc["descriptors"]
    assert sum(a["energy_pj"] for *_, a in tracks["layers"]) == pytest.approx(
        sum(a["energy_pj"] for *_, a in tracks["command processor"]), rel=1e-12)
    for i, tile in enumerate(acc["tiles"]):
        assert total(tracks.get(f"tile {i}", [])) * 1000 == pytest.approx(tile["busy_ns"], rel=1e-9, abs=1e-6)
        assert len([s for s in tracks.get(f"tile {i}", []) if s[0] == "conv"]) == tile["operations"]
    assert len(tracks["command processor"]) == acc["descriptors"]
    # Every DMA byte moved is in a slice.
    dma = [s for t, v in tracks.items() if t.startswith("dma") for s in v]
    assert sum(a["bytes"] for *_, a in dma) == acc["dma_bytes_read"] + acc["dma_bytes_written"]
    # The descriptors' energies add up to the layers' dynamic energy of the report.
    assert sum(a["energy_pj"] for *_, a in tracks["command processor"]) == pytest.approx(
        sum(l["dynamic_energy_pj"] for l in report["layers"]), rel=1e-9)
    assert sum(a["macs"] for *_, a in tracks["command processor"]) == acc["macs"]
    # The CPU is in one state at every instant from 0 to the end of the run.
    cpu = sorted(tracks["cpu"], key=lambda s: s[1])
    assert cpu[0][1] == 0 and {s[0] for s in cpu} <= {"running", "asleep", "interrupt"}
    assert all(a[2] == b[1] for a, b in zip(cpu, cpu[1:]))
    assert cpu[-1][2] * 1000 == pytest.approx(report["run"]["sim_time_ns"], rel=1e-12)
    assert {"asleep", "interrupt", "running"} <= {s[0] for s in cpu}
    # The power counter (mW per group, leakage included) over its bins is the accelerator's
    # energy, the last bin counted whole.
    power = tracks["counter power (mW)"]
    interval_ns = report["config"]["power_trace"]["interval_ns"]
    assert power[1][1] - power[0][1] == pytest.approx(interval_ns / 1000)
    counted_ns = len(power) * interval_ns - report["run"]["sim_time_ns"]
    energy = sum(sum(a.values()) for *_, a in power) * interval_ns
    assert energy - counted_ns * report["energy"]["accelerator_leakage_mw"] == pytest.approx(
        report["energy"]["accelerator_pj"], rel=1e-9)


def test_timeline_is_written_whole_or_not_at_all(tmp_path):
    tl = tmp_path / "timeline.json"
    tl.write_text("previous")
    # A bad model stops the run during set-up: the previous file stays.
    p = subprocess.run([CLI, "--model", str(tmp_path / "missing.sxvm"), "--no-vcd", "--no-power",
                        "--report", str(tmp_path / "r.json"), "--timeline", str(tl)], capture_output=True, text=True)
    assert p.returncode == 65 and tl.read_text() == "previous"
    # An unwritable place is refused with the option and the file named, exit status 69.
    blocker = tmp_path / "file"
    blocker.write_text("")
    p, _, _ = run(tmp_path, images=1, timeline=blocker / "t.json")
    assert p.returncode == 69 and "t.json" in p.stderr
    assert [f for f in os.listdir(tmp_path) if ".tmp" in f] == []
