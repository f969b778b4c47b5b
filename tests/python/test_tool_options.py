"""The Python tools refuse bad options and bad input files with a clear message (exit 2) instead
of a traceback, a hang or a silently changed value (review of the Python tools)."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def tool(module, *args, timeout=120):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", module, *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def refused(r, *words):
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr, r.stderr
    for w in words:
        assert w in r.stderr, (w, r.stderr)


@pytest.mark.parametrize("args,words", [
    (["--batch", "0"], ["--batch", "0"]),
    (["--batch", "-3"], ["--batch", "-3"]),
    (["--columns", "0"], ["--columns", "0"]),
    (["--train-limit", "100", "--batch", "128"], ["--batch", "128", "100 training images"]),
])
def test_ternary_refuses_options(tmp_path, args, words):
    refused(tool("tools.stoxnet.ternary", "--out", tmp_path / "m", *args), *words)
    assert not os.path.exists(tmp_path / "m")


def test_ternary_data_error_is_a_message(tmp_path, monkeypatch, capsys):
    from tools.stoxnet import data, ternary
    monkeypatch.setattr(data, "DEFAULT_DIR", str(tmp_path))
    monkeypatch.setattr(data.load, "__defaults__", (str(tmp_path),))
    with pytest.raises(SystemExit) as e:
        ternary.main(["--out", str(tmp_path / "m")])
    assert e.value.code == 2
    assert capsys.readouterr().err.startswith(f"ternary: {tmp_path}")


@pytest.mark.parametrize("args,words", [
    (["--threshold", "0"], ["--threshold", "0"]),
    (["--threshold", "nan"], ["--threshold", "nan"]),
    (["--threshold", "-0.2"], ["--threshold", "-0.2"]),
    (["--seed", "-1"], ["--seed", "-1"]),
    (["--count", "-5"], ["--count", "-5"]),
    (["--first", "9990", "--count", "20"], ["--count", "20", "10 images"]),
    (["--first", "10000"], ["--first", "10000"]),
])
def test_events_refuses_options(tmp_path, args, words):
    refused(tool("tools.stoxnet.events", "--out", tmp_path / "e.sxev", *args), *words)
    assert not os.listdir(tmp_path)


def test_events_encode_refuses_files_beyond_the_format_limit():
    from tools.stoxnet import events
    import numpy as np
    # A view of 2^27 + 1 events (8 bytes each) without the memory: beyond STOXVP_EVENTS_MAX_BYTES.
    big = np.broadcast_to(np.zeros(1, events.EVENT_DTYPE), ((1 << 27) + 1,))
    with pytest.raises(ValueError, match="STOXVP_EVENTS_MAX_BYTES"):
        events.encode([big], [0])
    assert events.MAX_BYTES == 1 << 30


def test_events_max_bytes_matches_the_c_header():
    import re
    from tools.stoxnet import events
    h = open(os.path.join(ROOT, "firmware/events/stoxvp_events.h")).read()
    m = re.search(r"#define STOXVP_EVENTS_MAX_BYTES \(1u << (\d+)\)", h)
    assert m and events.MAX_BYTES == 1 << int(m.group(1))


SNN_EVENTS = os.path.join(ROOT, "fuzz/corpus/events/two_samples_thinned.sxev")


@pytest.mark.parametrize("args,words", [
    (["--bits", "8/16,8/16"], ["--bits", "2 entries", "3 layers"]),
    (["--bits", "8/16,8/16,8/16,8/16"], ["--bits", "4 entries"]),
    (["--bits", "8/16,x/16,8/16"], ["--bits", "'x/16'"]),
    (["--bits", "8/16,1/16,8/16"], ["--bits", "w_bits 1"]),
    (["--bits", "9/16,8/16,8/16"], ["--bits", "w_bits 9"]),
    (["--bits", "8/4,8/16,8/16"], ["--bits", "v_bits 4"]),
    (["--bits", "8/33,8/16,8/16"], ["--bits", "v_bits 33"]),
    (["--timesteps", "0"], ["--timesteps", "0"]),
    (["--timesteps", "65"], ["--timesteps", "65"]),
])
def test_snn_train_refuses_options(tmp_path, args, words):
    refused(tool("tools.stoxnet.snn_train", "--train", SNN_EVENTS, "--test", SNN_EVENTS,
                 "--out", tmp_path / "m.sxvm", *args), *words)
    assert not os.listdir(tmp_path)


def _events_file(tmp_path, mutate):
    from tools.stoxnet import events
    h, samples = events.decode(open(SNN_EVENTS, "rb").read(), SNN_EVENTS)
    evs = [ev.copy() for _, ev in samples]
    buf = mutate(evs, [lab for lab, _ in samples], h)
    p = tmp_path / "bad.sxev"
    p.write_bytes(buf)
    return str(p)


def test_snn_train_refuses_a_truncated_event_file(tmp_path):
    from tools.stoxnet import events
    bad = _events_file(tmp_path, lambda e, l, h: events.encode(e, l)[:-5])
    r = tool("tools.stoxnet.snn_train", "--train", bad, "--test", SNN_EVENTS, "--out", tmp_path / "m.sxvm")
    refused(r, "snn_train: ", bad, "event_count", "truncated")
    short = tmp_path / "short.sxev"
    short.write_bytes(open(SNN_EVENTS, "rb").read()[:20])
    refused(tool("tools.stoxnet.snn_train", "--train", short, "--test", SNN_EVENTS, "--out", tmp_path / "m.sxvm"),
            str(short), "20 bytes")


def test_snn_train_refuses_events_outside_the_window(tmp_path):
    from tools.stoxnet import events

    def late(evs, labels, h):
        evs[1]["t_us"][3] = h["duration_us"]
        evs[1].sort(order="t_us")
        return events.encode(evs, labels)
    bad = _events_file(tmp_path, late)
    r = tool("tools.stoxnet.snn_train", "--train", SNN_EVENTS, "--test", bad, "--out", tmp_path / "m.sxvm")
    refused(r, "snn_train: ", bad, "sample 1", "t_us = 300000")


@pytest.mark.parametrize("args,words", [
    (["--first", "-1"], ["--first", "-1"]),
    (["--rows", "0"], ["--rows", "0"]),
    (["--rows", "-128"], ["--rows", "-128"]),
])
def test_calibrate_refuses_options(tmp_path, args, words):
    refused(tool("tools.stoxnet.calibrate", "--model", os.path.join(ROOT, "models/small_cnn_mtj.sxvm"),
                 "--out", tmp_path / "m.sxvm", *args), *words)
    assert not os.listdir(tmp_path)
