"""The Fashion-MNIST event converter (tools/stoxnet/events.py): deterministic from its seed,
N-MNIST-like (34 x 34, three saccades, both polarities), written in a file the C reader accepts,
binned into timesteps by Python exactly as by the C reader (through ctypes)."""
import ctypes
import os
import sys

import numpy as np

from tools.stoxnet import data, events
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "support"))
from tally import Tally  # noqa: E402  (tests/support)

check = Tally()


class Sample(ctypes.Structure):
    _fields_ = [("events_offset", ctypes.c_uint32), ("event_count", ctypes.c_uint32), ("label", ctypes.c_uint16),
                ("reserved0", ctypes.c_uint16), ("reserved1", ctypes.c_uint32)]


lib = ctypes.CDLL(os.environ["STOXVP_EVENTS_LIB"])
lib.stoxvp_events_parse.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_void_p,
                                    ctypes.c_char_p, ctypes.c_size_t]
lib.stoxvp_events_get_sample.restype = Sample
lib.stoxvp_events_get_sample.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
lib.stoxvp_events_bin_spikes.restype = ctypes.c_int32
lib.stoxvp_events_bin_spikes.argtypes = [ctypes.c_void_p, ctypes.POINTER(Sample), ctypes.c_uint32, ctypes.c_uint32,
                                         ctypes.c_void_p]

x, y = data.load("test")
idx = [0, 1, 2, 3]
a = [events.convert(x[i], 1, i) for i in idx]
b = [events.convert(x[i], 1, i) for i in idx]
c = [events.convert(x[i], 2, i) for i in idx]
check(all(np.array_equal(p, q) for p, q in zip(a, b)), "the same seed gives the same events")
check(not all(np.array_equal(p, q) for p, q in zip(a, c)), "another seed gives other events")
# A sample does not depend on its neighbours: image 2 alone equals image 2 among others.
check(np.array_equal(events.convert(x[2], 1, 2), a[2]), "a sample's events are independent of the batch")
for i, ev in zip(idx, a):
    n = len(ev)
    check(1000 <= n <= 20000, f"image {i}: {n} events, an N-MNIST sample has thousands")
    check(np.all(np.diff(ev["t_us"].astype(np.int64)) >= 0), f"image {i}: time-ordered")
    check(ev["t_us"].max() < 300000 and ev["x"].max() < 34 and ev["y"].max() < 34, f"image {i}: in the window and sensor")
    on = int(ev["polarity"].sum())
    check(0.2 < on / n < 0.8, f"image {i}: ON share {on / n:.2f}, both polarities")
    # Each saccade moves the image, so each 100 ms third has events.
    thirds = np.bincount(ev["t_us"] // 100000, minlength=3)
    check(np.all(thirds > n // 10), f"image {i}: events per saccade {thirds}")

buf = events.encode(a, y[idx])
h, back = events.decode(buf)
check(h["sample_count"] == 4 and h["width"] == 34 and h["duration_us"] == 300000, f"header {h}")
check(all(lab == y[i] and np.array_equal(ev, a[k]) for k, (i, (lab, ev)) in enumerate(zip(idx, back))), "decode")

handle = ctypes.create_string_buffer(64)
err = ctypes.create_string_buffer(256)
rc = lib.stoxvp_events_parse(buf, len(buf), b"converted.sxev", handle, err, 256)
check(rc == 0, f"the C reader accepts the converter's file: {err.value}")
if rc == 0:
    for k in range(4):
        s = lib.stoxvp_events_get_sample(handle, k)
        check(s.label == y[idx[k]] and s.event_count == len(a[k]), f"sample {k} entry")
        T = 10
        ref = events.bin_spikes(a[k], T)
        out = np.zeros((2, 34, 34), np.uint8)
        for t in range(T):
            n = lib.stoxvp_events_bin_spikes(handle, ctypes.byref(s), T, t, out.ctypes.data)
            check(n == int(ref[t].sum()) and np.array_equal(out, ref[t]), f"sample {k} bin {t}: C and Python agree")
bad = bytearray(buf)
bad[-3] ^= 0x40
rc = lib.stoxvp_events_parse(bytes(bad), len(bad), b"converted.sxev", handle, err, 256)
check(rc == 5 and err.value.startswith(b"converted.sxev: crc32 = "), f"a flipped bit is refused: {err.value}")

check.finish()
