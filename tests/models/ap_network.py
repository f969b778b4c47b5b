"""The shipped ternary small CNN (models/small_cnn_ternary) on the AP model: for test images,
each of its three compiled programs, run pass by pass on the rtm_ap model (stoxvp_ap_run),
gives exactly the integer reference's tensor (numpy convolution, requantisation, pooling), and
the predictions equal the integer reference's. The shipped programs are what the compiler makes
of the shipped integer layers today (the compiler is deterministic)."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from tools.stoxnet import apc, data  # noqa: E402
from tools.stoxnet.ternary import REQUANT_SHIFT, fc_logits, input_codes  # noqa: E402

RUN = os.environ["STOXVP_AP_RUN"]
MODEL = os.path.join(os.environ.get("STOXVP_MODELS", "models"), "small_cnn_ternary")
IMAGES = int(os.environ.get("AP_NETWORK_IMAGES", "12"))


def main():
    meta = json.load(open(os.path.join(MODEL, "model.json")))
    z = np.load(os.path.join(MODEL, "model.npz"))
    layers = []
    for i in range(3):
        w = z[f"w{i + 1}"].astype(np.int64)
        size = 28 >> i
        L = apc.Layer(w, size, size, 1, 1, 7 if i == 0 else 4, 4, z[f"mult{i + 1}"], z[f"bias{i + 1}"],
                      REQUANT_SHIFT, pool=2 if i < 2 else 0)
        layers.append(L)
        shipped = open(os.path.join(MODEL, f"conv{i + 1}.sxap"), "rb").read()
        assert apc.compile_layer(L).encode() == shipped, f"conv{i + 1}.sxap is not what the compiler makes of the layer"
    x_te, y_te = data.load("test")
    agree = correct = 0
    with tempfile.TemporaryDirectory() as tmp:
        for img in range(IMAGES):
            a = input_codes(x_te[img])[None]
            for i, L in enumerate(layers):
                want = apc.reference(L, a)
                pp = os.path.join(MODEL, f"conv{i + 1}.sxap")
                xp, yp = os.path.join(tmp, "x.bin"), os.path.join(tmp, "y.bin")
                a.astype(np.uint8).tofile(xp)
                r = subprocess.run([RUN, pp, xp, yp], capture_output=True, text=True)
                assert r.returncode == 0, r.stderr
                got = np.fromfile(yp, dtype=np.uint8).reshape(want.shape).astype(np.int64)
                assert np.array_equal(got, want), f"image {img} conv{i + 1}: the AP differs from the integer reference"
                a = got
            pred = int(np.argmax(fc_logits(a[None], (z["fc_wq"], z["fc_scale"], z["fc_bias"]))[0]))
            correct += pred == y_te[img]
            agree += 1
    print(f"PASS: {agree} images through the three AP programs equal the integer reference bit for bit "
          f"({correct} correct; the model's integer accuracy on {meta['test_images']} images: {meta['accuracy_integer']:.4f})")


if __name__ == "__main__":
    main()
