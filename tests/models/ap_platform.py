"""The ternary small CNN on the whole platform with rtm_ap tiles (configs/rtm_ap.json): the
inference firmware drives the AP tiles through descriptors (AP_LOAD_PROGRAM once, then per
image AP_LOAD_ACT, AP_RUN, AP_STORE per layer) and the digital unit runs the FC. Its logits
equal the integer reference's (numpy: the AP layers' integer arithmetic, the digital unit's
float32 output stage) bit for bit, host-compiled and, when built, on the RV32 ISS."""
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from tools.stoxnet import apc, data  # noqa: E402
from tools.stoxnet.ternary import REQUANT_SHIFT, fc_logits, input_codes  # noqa: E402

BIN = os.environ["STOXVP_BIN"]
ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
MODELS = os.environ.get("STOXVP_MODELS", os.path.join(ROOT, "models"))
IMAGES = int(os.environ.get("AP_PLATFORM_IMAGES", "20"))


def reference_logits(x):
    z = np.load(os.path.join(MODELS, "small_cnn_ternary", "model.npz"))
    a = input_codes(x)[:, None]
    for i in range(3):
        size = 28 >> i
        L = apc.Layer(z[f"w{i + 1}"].astype(np.int64), size, size, 1, 1, 7 if i == 0 else 4, 4, z[f"mult{i + 1}"],
                      z[f"bias{i + 1}"], REQUANT_SHIFT, pool=2 if i < 2 else 0)
        a = np.stack([apc.reference(L, img) for img in a])
    return fc_logits(a, (z["fc_wq"], z["fc_scale"], z["fc_bias"]))


def run(cpu, tmp, config=os.path.join(ROOT, "configs", "rtm_ap.json")):
    out = os.path.join(tmp, f"logits_{cpu}.bin")
    cmd = [BIN, "--cpu", cpu, "--config", config, "--model",
           os.path.join(MODELS, "small_cnn_ternary.sxvm"), "-n", str(IMAGES), "--logits-out", out, "--no-vcd",
           "--no-power", "--report", os.path.join(tmp, f"report_{cpu}.json")]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "W571" not in r.stdout + r.stderr, "SystemC warned about a start without activity"
    print(r.stdout.splitlines()[-1] if r.stdout else "")
    return np.fromfile(out, dtype=np.float32).reshape(IMAGES, 10), r.stdout


def main():
    x, y = data.load("test")
    want = reference_logits(x[:IMAGES])
    with tempfile.TemporaryDirectory() as tmp:
        got, text = run("host", tmp)
        assert np.array_equal(got, want), f"host logits differ from the reference:\n{got[:3]}\n{want[:3]}"
        # Determinism: a second run gives the same logits and the same report (energy, time).
        again, text2 = run("host", tmp)
        summary = lambda t: [ln for ln in t.splitlines() if "per image" in ln or ln.strip().startswith(("total", "rtm_ap_"))]
        assert summary(text), text
        assert np.array_equal(again, got) and summary(text2) == summary(text), "two runs differ"
        for comp in ("rtm_ap_search", "rtm_ap_write", "rtm_ap_shift", "rtm_ap_activation"):
            assert comp in text, f"{comp} missing from the energy table"
        # One AP tile for three AP layers: the firmware reloads each program per image.
        one = os.path.join(tmp, "one_ap_tile.json")
        with open(one, "w") as f:
            f.write(open(os.path.join(ROOT, "configs", "rtm_ap.json")).read().replace('"count": 3, "nodes": [16, 17, 18]',
                                                                                   '"count": 1, "nodes": [16]'))
        got_one, text_one = run("host", tmp, one)
        assert np.array_equal(got_one, want), "with program reloads the logits differ"
        assert int(text_one.split(" descriptors")[0].split()[-1]) > int(text.split(" descriptors")[0].split()[-1])
        cpus = ["host"]
        if os.environ.get("STOXVP_RISCV") == "1":
            got_rv, _ = run("riscv", tmp)
            assert np.array_equal(got_rv, want), "RV32 logits differ from the reference"
            cpus.append("riscv")
    correct = int((want.argmax(1) == y[:IMAGES]).sum())
    print(f"PASS: {IMAGES} images on the platform with rtm_ap tiles ({', '.join(cpus)}) equal the integer "
          f"reference bit for bit, {correct} correct")


if __name__ == "__main__":
    main()
