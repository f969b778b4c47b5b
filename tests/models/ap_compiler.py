"""The AP compiler on random ternary layers: every compiled program, run pass by pass on the
rtm_ap model (stoxvp_ap_run), equals the integer reference (numpy) bit for bit, with and without
common-subexpression elimination, with and without pooling, under tight column budgets that
force several channel blocks and input chunks. Folding and CSE reduce the operations."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from tools.stoxnet import apc  # noqa: E402

RUN = os.environ["STOXVP_AP_RUN"]


def run(prog, x, tmp):
    pp, xp, yp = (os.path.join(tmp, n) for n in ("p.sxap", "x.bin", "y.bin"))
    with open(pp, "wb") as f:
        f.write(prog.encode())
    x.astype(np.uint8).tofile(xp)
    r = subprocess.run([RUN, pp, xp, yp], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    L = prog.layer
    n = L.w.shape[0]
    oh, ow = (L.out_h // 2, L.out_w // 2) if L.pool else (L.out_h, L.out_w)
    return np.fromfile(yp, dtype=np.uint8).reshape(n, oh, ow).astype(np.int64), json.loads(r.stdout)


def main():
    rng = np.random.default_rng(12)
    cases = 0
    with tempfile.TemporaryDirectory() as tmp:
        for trial in range(20):
            c, n = int(rng.integers(1, 6)), int(rng.integers(1, 9))
            h, w = int(rng.integers(3, 9)), int(rng.integers(3, 9))
            k = int(rng.choice([1, 3]))
            stride = int(rng.choice([1, 2])) if trial % 3 == 2 else 1
            pad = int(rng.integers(0, k))
            L = apc.random_layer(rng, c, n, h, w, k, stride, pad, density=float(rng.uniform(0.3, 0.9)),
                                 act_bits=int(rng.choice([2, 4])), out_bits=int(rng.choice([3, 4])))
            if trial % 2 and L.out_h >= 2 and L.out_w >= 2:
                L.pool = 2
            x = rng.integers(0, 2 ** L.act_bits, size=(c, h, w))
            want = apc.reference(L, x)
            if want.max() == 0:
                continue  # a layer whose outputs are all 0 tests little
            for columns in (4096, 160):
                for cse in (True, False):
                    try:
                        P = apc.compile_layer(L, columns=columns, cse=cse)
                    except ValueError:
                        continue  # the tight budget cannot hold this layer's output stage
                    got, counts = run(P, x, tmp)
                    if not np.array_equal(got, want):
                        print(apc.format_report(P))
                        raise AssertionError(f"trial {trial} columns {columns} cse {cse}: AP != reference\n{got}\n{want}")
                    assert sum(b for b, _ in P.fields) <= columns
                    cases += 1
        # Folding and CSE on a layer of the small CNN's shape: fewer operations, same outputs.
        L = apc.random_layer(rng, 16, 32, 6, 6, 3, 1, 1, density=0.6)
        x = rng.integers(0, 16, size=(16, 6, 6))
        P = apc.compile_layer(L, columns=4096)
        report = dict(P.report)
        print(apc.format_report(P))
        assert report["constant folding"]["ops_per_output"] < report["dense"]["ops_per_output"]
        assert report["common subexpressions"]["ops_per_output"] < report["constant folding"]["ops_per_output"]
        got, with_cse = run(P, x, tmp)
        assert np.array_equal(got, apc.reference(L, x))
        got, without = run(apc.compile_layer(L, columns=4096, cse=False), x, tmp)
        assert np.array_equal(got, apc.reference(L, x))
        assert with_cse["compares"] < without["compares"], (with_cse, without)
        print(f"AP compares with CSE {with_cse['compares']}, without {without['compares']}")
    assert cases >= 30, cases
    print(f"PASS: {cases} compiled programs equal the integer reference")


if __name__ == "__main__":
    main()
