#!/usr/bin/env bash
# `cmake --install` puts the stoxvp Python package where Debian's python3 looks for that prefix
# (<prefix>/lib/python3.N/dist-packages; /usr/lib/python3/dist-packages for /usr), and the
# installed copy runs an inference on its own (no build tree on the path).
set -euo pipefail
build=$1 src=$2
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
site=$(/usr/bin/python3 -c "import sys; print('lib/python%d.%d/dist-packages' % sys.version_info[:2])")
test -f "$prefix/$site/stoxvp/libstoxvp_native.so"
cd "$prefix"
PYTHONPATH="$prefix/$site" /usr/bin/python3 - "$src" "$prefix" <<'PY'
import sys, stoxvp
src, prefix = sys.argv[1], sys.argv[2]
assert stoxvp.__file__.startswith(prefix), stoxvp.__file__
r = stoxvp.run_inference(model=src + "/models/small_cnn_mtj.sxvm", images=2, seed=1, progress=False)
assert r.logits.shape == (2, 10) and r.images == 2, r
print("installed package ok:", stoxvp.__file__, r)
PY
