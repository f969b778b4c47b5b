"""Output files written whole or not at all."""
import os


def write_atomic(path, write, mode="wb"):
    """Calls write(f) on a temporary file beside path and renames it to path, so an interrupted
    run never leaves a truncated output under the final name (and keeps the previous one)."""
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        with open(tmp, mode) as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
