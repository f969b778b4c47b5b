"""A calibrated ADC full scale per crossbar layer, for running a model under an ADC it was not
given a range for.

The platform's ADC with adc_range 0 takes the geometric bound of |PS| (min(K, rows) x
(2^w_slice - 1) x (2^a_stream - 1), rounded up to a power of two): lossless with enough bits,
far too coarse with few (docs/datapath.md). This tool passes training images through the
bit-exact reference of the platform (hwref.py) with the ideal converter, collects every crossbar
layer's partial sums, and takes each layer's full scale as the 99.9th percentile of |PS| (the
rule training uses when it calibrates an ADC, datapath.XbarConv2d.calibrate_adc), at least 1.
It writes the ranges as JSON and, with --out, a copy of the model whose crossbar layers use the
ADC with their own range (run it without --converter: the override would replace the ranges).

    python3 -m tools.stoxnet.calibrate --model models/small_cnn_mtj.sxvm --adc-bits 4 \\
        --images 256 --out traces/small_cnn_mtj_adc4.sxvm
"""
import argparse
import json
import os
import struct
import sys
import zlib

import numpy as np

from . import data, hwref
from .files import write_atomic

QUANTILE = 0.999
KINDS = {"adc": hwref.CONV_ADC, "sparse_adc": hwref.CONV_SPARSE_ADC}


class CalibrationError(Exception):
    pass


def quantile_of_counts(counts, q):
    """The smallest v with P(|PS| <= v) >= q, from a histogram of |PS| (exact, no sampling)."""
    cum = np.cumsum(counts)
    return int(np.searchsorted(cum, q * cum[-1], side="left"))


def calibrate(model, images, rows=128, quantile=QUANTILE, first_index=0):
    """Per crossbar layer: {layer, K, bound, p999, max, adc_range} from `images` ([n, h, w] uint8)."""
    ref = hwref.Reference(model, seed=1, rows=rows, override={"converter": hwref.CONV_IDEAL})
    hist = {}

    def observe(layer, ps):
        a = np.abs(ps).reshape(-1)
        h = np.bincount(a)
        old = hist.get(layer)
        if old is None:
            hist[layer] = h
        else:
            n = max(len(old), len(h))
            hist[layer] = np.pad(old, (0, n - len(old))) + np.pad(h, (0, n - len(h)))

    ref.observe = observe
    for n, img in enumerate(images):
        ref.run(img, first_index + n)
    out = []
    for i, L in enumerate(model.layers):
        if L["type"] != hwref.LAYER_XBAR:
            continue
        if i not in hist:
            raise CalibrationError(f"layer {i}: no partial sums observed")
        h = hist[i]
        K = L["in_channels"] * L["kernel_h"] * L["kernel_w"]
        bound = min(K, rows) * (2 ** L["w_slice"] - 1) * (2 ** L["a_stream"] - 1)
        p = quantile_of_counts(h, quantile)
        out.append(dict(layer=i, K=K, bound=bound, quantile=quantile, p_quantile=p,
                        max=int(np.nonzero(h)[0][-1]), adc_range=float(max(1, p))))
    return out


def with_adc(model, ranges, kind, bits):
    """The model file's bytes with every crossbar layer's converter set to `kind` at `bits` and
    its calibrated range, the checksum recomputed."""
    buf = bytearray(model.data)
    for r in ranges:
        L = model.layers[r["layer"]]
        o = L["params_offset"]
        if o == 0:
            raise CalibrationError(f"layer {r['layer']}: has no parameter block to hold its range")
        buf[o] = kind
        buf[o + 1] = bits
        struct.pack_into("<f", buf, o + 8, r["adc_range"])
    struct.pack_into("<I", buf, 12, 0)
    struct.pack_into("<I", buf, 12, zlib.crc32(bytes(buf)) & 0xFFFFFFFF)
    hwref.Model(bytes(buf))  # the C reader must accept what we write
    return bytes(buf)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="model file (.sxvm)")
    ap.add_argument("--converter", default="adc", choices=sorted(KINDS))
    ap.add_argument("--adc-bits", type=int, default=4)
    ap.add_argument("--images", type=int, default=256, help="training images to calibrate on")
    ap.add_argument("--first", type=int, default=0, help="first training image")
    ap.add_argument("--rows", type=int, default=128, help="crossbar rows (the chip's array_rows)")
    ap.add_argument("--train-images", default=os.path.join(data.DEFAULT_DIR, data.FILES["train"][0]))
    ap.add_argument("--out", help="write the model with these ADC ranges here")
    ap.add_argument("--json", help="write the ranges here (default: --out with .json)")
    a = ap.parse_args(argv)
    if not 1 <= a.adc_bits <= 24:
        ap.error(f"--adc-bits {a.adc_bits}: supported 1..24")
    if a.images < 1:
        ap.error(f"--images {a.images}: at least 1")
    if a.first < 0:
        # A negative index would slice from the end of the file: other images, silently.
        ap.error(f"--first {a.first}: an image index, at least 0")
    if a.rows < 1:
        ap.error(f"--rows {a.rows}: crossbar rows, at least 1")
    try:
        model = hwref.Model.load(a.model)
        imgs = data.read_images(a.train_images)
        if a.first + a.images > len(imgs):
            raise CalibrationError(f"{a.train_images}: {len(imgs)} images, asked for {a.first} + {a.images}")
        ranges = calibrate(model, imgs[a.first:a.first + a.images], a.rows, first_index=a.first)
        for r in ranges:
            r["lsb"] = r["adc_range"] / 2 ** (a.adc_bits - 1)
            geo = 1.0
            while geo < r["bound"]:
                geo *= 2
            r["geometric_range"], r["geometric_lsb"] = geo, geo / 2 ** (a.adc_bits - 1)
            print(f"layer {r['layer']}: K {r['K']}, |PS| bound {r['bound']} (F = 0 gives +-{geo:g}, "
                  f"LSB {r['geometric_lsb']:g}); observed max {r['max']}, {QUANTILE * 100:g}th percentile "
                  f"{r['p_quantile']}: full scale +-{r['adc_range']:g}, LSB {r['lsb']:g} at {a.adc_bits} bits")
        doc = dict(model=a.model, converter=a.converter, adc_bits=a.adc_bits, images=a.images,
                   first=a.first, train_images=a.train_images, rows=a.rows, rule=f"{QUANTILE} quantile of |PS|, "
                   "ideal converter, hwref.py", layers=ranges)
        jpath = a.json or (os.path.splitext(a.out)[0] + ".json" if a.out else None)
        if a.out:
            write_atomic(a.out, lambda f: f.write(with_adc(model, ranges, KINDS[a.converter], a.adc_bits)))
            print(f"wrote {a.out}: run it without --converter")
        if jpath:
            write_atomic(jpath, lambda f: f.write(json.dumps(doc, indent=1) + "\n"), "w")
            print(f"wrote {jpath}")
    except (hwref.ModelError, data.DataError, CalibrationError, OSError) as e:
        print(f"calibrate: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
