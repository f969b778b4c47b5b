"""Host tuning for training on the CPU."""
import ctypes
import ctypes.util

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3


def tune_allocator():
    """Keep freed tensor memory in the process instead of returning it to the system.
    glibc serves blocks above 32 MiB-ish (its mmap threshold) with fresh mmaps, so every
    large temporary of a training step is page-faulted in again: elementwise passes over
    the partial sums ran 3-5x slower than memory speed. Raising the mmap and trim thresholds
    lets the allocator reuse those pages. Returns whether it applied (glibc only)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(M_MMAP_THRESHOLD, 1 << 30)) and bool(mallopt(M_TRIM_THRESHOLD, 2 ** 31 - 1))
