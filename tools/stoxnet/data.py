"""Fashion-MNIST from IDX files (Debian's dataset-fashion-mnist), with precise errors."""
import gzip
import os
import struct

import numpy as np

DEFAULT_DIR = "/usr/share/datasets/fashion-mnist"
FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
IMAGE_MAGIC, LABEL_MAGIC = 0x00000803, 0x00000801


class DataError(Exception):
    pass


def _read(path):
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise DataError(f"{path}: cannot read: {e.strerror}") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as e:
            raise DataError(f"{path}: corrupt gzip data: {e}") from None
    if not raw:
        raise DataError(f"{path}: the file is empty")
    return raw


def read_images(path):
    raw = _read(path)
    if len(raw) < 16:
        raise DataError(f"{path}: {len(raw)} bytes, shorter than the 16-byte IDX image header")
    magic, n, rows, cols = struct.unpack(">IIII", raw[:16])
    if magic != IMAGE_MAGIC:
        raise DataError(f"{path}: magic 0x{magic:08x}, an IDX image file has 0x{IMAGE_MAGIC:08x}")
    if n == 0 or rows == 0 or cols == 0:
        raise DataError(f"{path}: header says {n} images of {rows}x{cols}: nothing to read")
    need = 16 + n * rows * cols
    if len(raw) != need:
        raise DataError(f"{path}: header says {n} images of {rows}x{cols} ({need} bytes), "
                        f"the file holds {len(raw)}")
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, rows, cols)


def read_labels(path, classes=10):
    raw = _read(path)
    if len(raw) < 8:
        raise DataError(f"{path}: {len(raw)} bytes, shorter than the 8-byte IDX label header")
    magic, n = struct.unpack(">II", raw[:8])
    if magic != LABEL_MAGIC:
        raise DataError(f"{path}: magic 0x{magic:08x}, an IDX label file has 0x{LABEL_MAGIC:08x}")
    if len(raw) != 8 + n or n == 0:
        raise DataError(f"{path}: header says {n} labels, the file holds {len(raw) - 8}")
    labels = np.frombuffer(raw, dtype=np.uint8, offset=8)
    if labels.max() >= classes:
        bad = int(np.argmax(labels >= classes))
        raise DataError(f"{path}: label {bad} = {labels[bad]}, classes are 0..{classes - 1}")
    return labels


def load(split, directory=DEFAULT_DIR):
    images, labels = (os.path.join(directory, f) for f in FILES[split])
    x, y = read_images(images), read_labels(labels)
    if len(x) != len(y):
        raise DataError(f"{images} holds {len(x)} images but {labels} holds {len(y)} labels")
    return x, y
