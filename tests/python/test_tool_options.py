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
