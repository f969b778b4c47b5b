"""The platform and an inference run, over the C API (c_api/stoxvp.h) and the inference runner."""
import ctypes
import json
import os
import struct
import tempfile

import numpy as np

from . import _native
from .progress import Progress

_lib = _native.lib


class StoxvpError(Exception):
    """A failure reported by the platform; the message is the C API's own."""
    code = None


class ArgumentError(StoxvpError):
    code = 1


class ConfigError(StoxvpError):
    code = 2


class StateError(StoxvpError):
    code = 3


class AddressError(StoxvpError):
    code = 4


class OutputError(StoxvpError):
    code = 5


class SimulationError(StoxvpError):
    code = 6


class FirmwareError(StoxvpError):
    code = 7


class InputError(StoxvpError):
    """The model, the images, the labels or the inference request were refused."""


_ERRORS = {c.code: c for c in (ArgumentError, ConfigError, StateError, AddressError, OutputError, SimulationError,
                                 FirmwareError)}
_STOP = {0: "exit", 1: "fault", 2: "time_limit", 3: "idle", 4: "stalled", 5: "interrupted"}


def _check(result):
    if result != 0:
        raise _ERRORS.get(result, StoxvpError)(_lib.stoxvp_last_error().decode(errors="replace"))


def _time_ps(value):
    """Picoseconds from an int (ps) or a string with a unit: '100ms', '2s', '500us'."""
    if value is None:
        return 0
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ArgumentError(f"time {value}: negative")
        return value
    units = {"ps": 1, "ns": 10**3, "us": 10**6, "ms": 10**9, "s": 10**12}
    text = str(value).strip()
    for u in ("ps", "ns", "us", "ms", "s"):
        if text.endswith(u):
            from fractions import Fraction
            try:
                v = Fraction(text[:-len(u)].strip()) * units[u]
            except ValueError:
                break
            if v.denominator != 1 or v < 0:
                break
            return int(v)
    raise ArgumentError(f"time '{value}': expected picoseconds or a number with ps, ns, us, ms or s (e.g. 100ms)")


def _with_tile_kind(config, kind):
    cfg = json.loads(json.dumps(config))
    acc = cfg.setdefault("accelerator", {})
    # Every tile of the chip becomes a tile of that kind; 16 is the built-in default's tile count
    # (configs/default.json) when the configuration does not name one.
    group = {"kind": kind, "count": acc.pop("tiles", 16)}
    # With tile groups, a crossbar's geometry belongs to its group: the same values, moved there.
    if kind == "xbar":
        geometry = {k: acc.pop(k) for k in ("array_rows", "array_cols", "arrays_per_tile", "cell_bits") if k in acc}
        if geometry:
            group["xbar"] = geometry
    acc["tile_groups"] = [group]
    return cfg


class Platform:
    """One virtual platform: configuration (a dict, a JSON file or None for the built-in defaults),
    seed and tile kind. Use as a context manager, or call close(); one platform at a time."""

    def __init__(self, config=None, seed=None, tile_kind=None, stall_timeout="100ms"):
        handle = ctypes.c_void_p()
        if tile_kind is not None:
            if isinstance(config, (str, os.PathLike)):
                with open(config) as f:
                    config = json.load(f)
            config = _with_tile_kind(config or {}, tile_kind)
        if config is None:
            _check(_lib.stoxvp_create(None, ctypes.byref(handle)))
        elif isinstance(config, dict):
            _check(_lib.stoxvp_create_from_json(json.dumps(config).encode(), b"<python configuration>",
                                                ctypes.byref(handle)))
        elif isinstance(config, (str, os.PathLike)):
            _check(_lib.stoxvp_create(os.fsencode(config), ctypes.byref(handle)))
        else:
            raise ArgumentError(f"config: expected a dict, a file name or None, got {type(config).__name__}")
        self._p = handle
        self._outputs_closed = False
        try:
            if seed is not None:
                if not isinstance(seed, int) or not 0 <= seed < 2**64:
                    raise ArgumentError(f"seed {seed!r}: expected a whole number 0..2^64-1")
                _check(_lib.stoxvp_set_seed(self._p, seed))
            _check(_lib.stoxvp_set_stall_timeout(self._p, _time_ps(stall_timeout)))
        except Exception:
            self.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    def close(self):
        if getattr(self, "_p", None):
            _lib.stoxvp_destroy(self._p)
            self._p = None

    @property
    def handle(self):
        if not self._p:
            raise StateError("the platform is closed")
        return self._p

    def region(self, name):
        base, size = ctypes.c_uint64(), ctypes.c_uint64()
        _check(_lib.stoxvp_region(self.handle, name.encode(), ctypes.byref(base), ctypes.byref(size)))
        return base.value, size.value

    def write(self, addr, data):
        buf = bytes(data)
        _check(_lib.stoxvp_mem_write(self.handle, addr, buf, len(buf)))

    def read(self, addr, n):
        buf = ctypes.create_string_buffer(n)
        _check(_lib.stoxvp_mem_read(self.handle, addr, buf, n))
        return buf.raw

    def enable_vcd(self, path):
        _check(_lib.stoxvp_enable_vcd(self.handle, os.fsencode(path)))

    def enable_power_trace(self, vcd=None, csv=None):
        _check(_lib.stoxvp_enable_power_trace(self.handle, os.fsencode(vcd) if vcd else None,
                                              os.fsencode(csv) if csv else None))

    def enable_timeline(self, path):
        """Chrome trace-event JSON of the run (Perfetto), written by close_outputs()."""
        _check(_lib.stoxvp_enable_timeline(self.handle, os.fsencode(path)))

    def attach_elf(self, path):
        _check(_lib.stoxvp_attach_elf(self.handle, os.fsencode(path)))

    def run(self, time_limit=None):
        """Runs until the firmware stops or `time_limit` of simulated time has passed; a dict of the stop."""
        rr = _native.RunResult()
        _check(_lib.stoxvp_run(self.handle, _time_ps(time_limit), ctypes.byref(rr)))
        return {"reason": _STOP.get(rr.reason, str(rr.reason)), "exit_code": rr.exit_code,
                "sim_time_ps": rr.sim_time_ps, "message": rr.message.decode(errors="replace")}

    def stats(self):
        s = _native.Stats()
        _check(_lib.stoxvp_get_stats(self.handle, ctypes.byref(s)))
        return {name: getattr(s, name) for name, _ in s._fields_}

    def component_energy_pj(self):
        out, i = {}, 0
        name, pj = ctypes.c_char_p(), ctypes.c_double()
        while _lib.stoxvp_get_component_energy(self.handle, i, ctypes.byref(name), ctypes.byref(pj)) == 0:
            out[name.value.decode()] = pj.value
            i += 1
        return out

    def console(self):
        return (_lib.stoxvp_console_output(self.handle) or b"").decode(errors="replace")

    def report(self, path=None):
        """The JSON report as a dict; also written to `path` when given."""
        if path is not None:
            _check(_lib.stoxvp_write_report(self.handle, os.fsencode(path)))
            with open(path) as f:
                return json.load(f)
        with tempfile.TemporaryDirectory(prefix="stoxvp-report-") as d:
            p = os.path.join(d, "report.json")
            _check(_lib.stoxvp_write_report(self.handle, os.fsencode(p)))
            with open(p) as f:
                return json.load(f)

    def close_outputs(self):
        if not self._outputs_closed:
            self._outputs_closed = True
            _check(_lib.stoxvp_close_outputs(self.handle))


def write_idx(path, array):
    """Writes a uint8 array as an IDX file: (N, H, W) images (magic 0x803) or (N,) labels (0x801)."""
    a = np.asarray(array)
    if a.dtype != np.uint8:
        if a.size and (a.min() < 0 or a.max() > 255 or not np.all(np.equal(np.mod(a, 1), 0))):
            raise InputError(f"{path}: IDX data must be whole numbers 0..255, got {a.dtype} values "
                             f"{a.min()}..{a.max()}")
        a = a.astype(np.uint8)
    if a.ndim == 3:
        header = struct.pack(">IIII", 0x803, *a.shape)
    elif a.ndim == 1:
        header = struct.pack(">II", 0x801, a.shape[0])
    else:
        raise InputError(f"{path}: expected images of shape (N, H, W) or labels of shape (N,), got {a.shape}")
    # Through a temporary file in the same directory and a rename: an interrupted write never
    # leaves a truncated IDX file under the final name.
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".", suffix=".tmp",
                               dir=os.path.dirname(os.path.abspath(path)))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(header)
            f.write(np.ascontiguousarray(a).tobytes())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class InferenceResult:
    """What one inference run gave: accuracy, logits (images x classes, float32), predictions, per-image
    latencies, the platform's statistics and its JSON report (a dict)."""

    def __init__(self, **kw):
        self.__dict__.update(kw)

    @property
    def energy_per_image_j(self):
        return self.stats["energy_pj"] * 1e-12 / self.images

    @property
    def latency_per_image_s(self):
        return float(np.mean(self.latency_ns)) * 1e-9 if self.images else 0.0

    def __repr__(self):
        acc = f"{100 * self.accuracy:.2f}%" if self.accuracy is not None else "n/a"
        return (f"InferenceResult({self.model_name}, {self.images} images, accuracy {acc}, "
                f"{self.latency_per_image_s * 1e6:.3g} us, {self.energy_per_image_j * 1e9:.4g} nJ per image)")


DEFAULT_IMAGES = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
DEFAULT_LABELS = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"


def _converter_request(converter, samples, adc_bits, adc_range, cols_per_converter):
    """The same rules as the command line's --converter, --samples, --adc-bits, --adc-range."""
    if samples is not None and converter not in (None, "mtj"):
        raise ArgumentError(f"samples applies to the mtj converter only, not converter {converter!r}")
    if (adc_bits is not None or adc_range is not None) and converter not in ("adc", "sparse_adc"):
        raise ArgumentError("adc_bits/adc_range apply to converter 'adc' or 'sparse_adc' only"
                            + (f", not {converter!r}" if converter else " (no converter given)"))
    if converter is None and samples is None and not cols_per_converter:
        return None
    req = {"kind": converter or "mtj"}
    if samples is not None:
        if isinstance(samples, (list, tuple)):
            samples = ",".join(str(int(t)) for t in samples)
        req["samples"] = str(samples)
    if adc_bits is not None:
        req["adc_bits"] = adc_bits
    if adc_range is not None:
        req["adc_range"] = adc_range
    if cols_per_converter:
        req["cols_per_converter"] = cols_per_converter
    return req


def run_inference(model="models/small_cnn_mtj.sxvm", images=1000, labels=None, first=0, config=None, seed=None,
                  tile_kind=None, converter=None, samples=None, adc_bits=None, adc_range=None,
                  cols_per_converter=None, cpu="host", elf=None, report=None, vcd=None, power_csv=None,
                  timeline=None, time_limit=None, stall_timeout="100ms", progress=None, slice_time="250us", jobs=1):
    """One inference run on a fresh platform.

    images: a count of Fashion-MNIST test images from `first` (None: all of them), an IDX file name,
    or a uint8 array (N, H, W) with optional `labels` (N,) (no labels: no accuracy).
    converter/samples/adc_bits/adc_range/cols_per_converter: as the command line's options.
    cpu: "host" (host-compiled firmware) or "riscv" (elf, or the build's inference.elf).
    progress: None shows a bar (or lines) for runs longer than 2 s, False never, True at once.
    jobs: worker processes the images are spread over, 1..256 (the command line's --jobs: the same
    predictions, logits and report; no traces and no progress bar with more than one).
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int) or not 1 <= jobs <= 256:
        raise ArgumentError(f"jobs {jobs!r}: expected a whole number 1..256")
    if jobs > 1 and (vcd or power_csv or timeline):
        raise ArgumentError("vcd, power_csv and timeline with jobs > 1: traces are written per worker; "
                            "use the command line's --jobs for them")
    req = {"model": os.fspath(model), "first": int(first), "progress": False}
    conv = _converter_request(converter, samples, adc_bits, adc_range, cols_per_converter)
    if conv is not None:
        req["converter"] = conv
    tmp = None
    try:
        if isinstance(images, np.ndarray):
            tmp = tempfile.TemporaryDirectory(prefix="stoxvp-images-")
            req["images"] = os.path.join(tmp.name, "images.idx")
            write_idx(req["images"], images)
            if labels is not None:
                req["labels"] = os.path.join(tmp.name, "labels.idx")
                write_idx(req["labels"], labels)
            else:
                req["labels"] = ""
            req["count"] = 0
        elif isinstance(images, (str, os.PathLike)):
            req["images"] = os.fspath(images)
            req["labels"] = os.fspath(labels) if labels is not None else ""
            req["count"] = 0
        else:
            req["images"], req["labels"] = DEFAULT_IMAGES, DEFAULT_LABELS if labels is None else os.fspath(labels)
            if images is not None and (not isinstance(images, int) or images < 1 or images >= 2**32):
                raise ArgumentError(f"images {images!r}: expected a count 1..4294967295, a file or an array")
            req["count"] = images or 0
        if cpu not in ("host", "riscv"):
            raise ArgumentError(f"cpu {cpu!r}: neither 'host' nor 'riscv'")
        if cpu == "riscv":
            req["elf"] = os.fspath(elf) if elf else _riscv_image("inference")
        if jobs > 1:
            return _run_jobs(config, seed, tile_kind, stall_timeout, time_limit, req, report, jobs)
        with Platform(config, seed=seed, tile_kind=tile_kind, stall_timeout=stall_timeout) as p:
            return _run(p, req, report, vcd, power_csv, timeline, time_limit, progress, slice_time)
    finally:
        if tmp is not None:
            tmp.cleanup()


def _run_jobs(config, seed, tile_kind, stall_timeout, time_limit, req, report, jobs):
    """The images over worker processes (tools/runner/jobs.h), merged natively."""
    if tile_kind is not None:
        if isinstance(config, (str, os.PathLike)):
            with open(config) as f:
                config = json.load(f)
        config = _with_tile_kind(config or {}, tile_kind)
    if config is not None and not isinstance(config, (dict, str, os.PathLike)):
        raise ArgumentError(f"config: expected a dict, a file name or None, got {type(config).__name__}")
    if seed is not None and (not isinstance(seed, int) or not 0 <= seed < 2**64):
        raise ArgumentError(f"seed {seed!r}: expected a whole number 0..2^64-1")
    spec = {"config": os.fspath(config) if isinstance(config, (str, os.PathLike)) else config, "seed": seed,
            "stall_timeout_ps": _time_ps(stall_timeout), "time_limit_ps": _time_ps(time_limit), "request": req,
            "report": os.fspath(report) if report else None}
    h, status = ctypes.c_void_p(), ctypes.c_int()
    err = ctypes.create_string_buffer(2048)
    if _lib.stoxvp_inference_jobs(json.dumps(spec).encode(), jobs, ctypes.byref(h), ctypes.byref(status), err,
                                  len(err)) != 0:
        msg = err.value.decode(errors="replace")
        raise ArgumentError(msg) if status.value == 64 else InputError(msg) if status.value == 65 else \
            OutputError(msg) if status.value == 69 else SimulationError(msg)
    try:
        images, classes, correct, labelled = (ctypes.c_uint32(), ctypes.c_uint32(), ctypes.c_uint32(), ctypes.c_int())
        _lib.stoxvp_inference_collect(h, ctypes.byref(images), ctypes.byref(classes), ctypes.byref(correct),
                                      ctypes.byref(labelled), err, len(err))
        n, c = images.value, classes.value
        logits = np.zeros((n, c), dtype=np.float32)
        predictions = np.zeros(n, dtype=np.uint32)
        latency = np.zeros(n, dtype=np.uint64)
        _lib.stoxvp_inference_arrays(h, logits.ctypes.data, predictions.ctypes.data, latency.ctypes.data)
        rep = json.loads(_lib.stoxvp_inference_report(h).decode())
    finally:
        _lib.stoxvp_inference_free(h)
    acc, energy = rep["accelerator"], rep["energy"]
    sim_ps = round(rep["run"]["sim_time_ns"] * 1000)
    stats = {"sim_time_ps": sim_ps, "bus_transactions": rep["bus"]["transactions"], "bus_errors": rep["bus"]["errors"],
             "accel_descriptors": acc["descriptors"], "accel_errors": acc["errors"], "accel_macs": acc["macs"],
             "accel_conversions": sum(v["conversions"] for v in acc["converters"].values()),
             "accel_mtj_samples": acc["converters"].get("mtj", {}).get("samples", 0),
             "accel_busy_ps": round(acc["busy_ns"] * 1000), "dma_bytes_read": acc["dma_bytes_read"],
             "dma_bytes_written": acc["dma_bytes_written"], "cpu_bus_accesses": rep["cpu"].get("bus_accesses", 0),
             "energy_pj": energy["total_pj"], "accel_energy_pj": energy["accelerator_pj"],
             "chip_area_um2": rep["area"]["chip_um2"], "cpu_instructions": rep["cpu"].get("instructions", 0),
             "cpu_energy_pj": energy["cpu_pj"]}
    return InferenceResult(model_name=rep["inference"]["model"], images=n, classes=c, correct=correct.value,
                           accuracy=correct.value / n if labelled.value and n else None, logits=logits,
                           predictions=predictions, latency_ns=latency, stats=stats,
                           components_pj={k: v["total_pj"] for k, v in energy["components"].items()},
                           adc_model=rep["technology"]["adc_model"], report=rep, console="",
                           stop={"reason": "exit", "exit_code": 0, "sim_time_ps": sim_ps, "message": ""},
                           request=req)


def _riscv_image(app):
    here = os.path.dirname(os.path.abspath(__file__))
    # The build tree (build/python/stoxvp -> build/firmware/riscv) or the installation
    # (<prefix>/lib/python3.N/dist-packages/stoxvp -> <prefix>/share/stoxvp/firmware/riscv).
    for d in (os.environ.get("STOXVP_RISCV_DIR"), os.path.join(here, "..", "..", "firmware", "riscv"),
              os.path.join(here, "..", "..", "..", "..", "share", "stoxvp", "firmware", "riscv")):
        if d and os.path.exists(os.path.join(d, app + ".elf")):
            return os.path.join(d, app + ".elf")
    raise FirmwareError(f"no RV32 image {app}.elf (set STOXVP_RISCV_DIR, or pass elf=)")


def _run(p, req, report, vcd, power_csv, timeline, time_limit, progress, slice_time):
    h = ctypes.c_void_p()
    err = ctypes.create_string_buffer(1024)
    if _lib.stoxvp_inference_prepare(p.handle, json.dumps(req).encode(), ctypes.byref(h), err, len(err)) != 0:
        raise InputError(err.value.decode(errors="replace"))
    try:
        if vcd:
            p.enable_vcd(vcd)
        if power_csv:
            p.enable_power_trace(None, power_csv)
        if timeline:
            p.enable_timeline(timeline)
        done, total = ctypes.c_uint32(), ctypes.c_uint32()
        _lib.stoxvp_inference_progress(p.handle, ctypes.byref(done), ctypes.byref(total))
        bar = None
        if progress is not False:
            bar = Progress(total.value, label="stoxvp", delay=0.0 if progress else 2.0)
        limit = _time_ps(time_limit)
        step = _time_ps(slice_time)
        ran = 0
        while True:
            this = step if not limit else min(step, limit - ran)
            stop = p.run(this)
            ran = stop["sim_time_ps"]
            if bar is not None:
                _lib.stoxvp_inference_progress(p.handle, ctypes.byref(done), ctypes.byref(total))
                bar.update(done.value)
            if stop["reason"] != "time_limit" or (limit and ran >= limit):
                break
        if bar is not None:
            bar.finish()
        if stop["reason"] != "exit" or stop["exit_code"] != 0:
            raise SimulationError(f"the inference firmware stopped ({stop['reason']}, exit code {stop['exit_code']}) "
                                  f"after {stop['sim_time_ps']} ps: {stop['message'] or p.console()[-500:]}")
        images, classes, correct, labelled = (ctypes.c_uint32(), ctypes.c_uint32(), ctypes.c_uint32(), ctypes.c_int())
        if _lib.stoxvp_inference_collect(h, ctypes.byref(images), ctypes.byref(classes), ctypes.byref(correct),
                                         ctypes.byref(labelled), err, len(err)) != 0:
            raise InputError(err.value.decode(errors="replace"))
        n, c = images.value, classes.value
        logits = np.zeros((n, c), dtype=np.float32)
        predictions = np.zeros(n, dtype=np.uint32)
        latency = np.zeros(n, dtype=np.uint64)
        _lib.stoxvp_inference_arrays(h, logits.ctypes.data, predictions.ctypes.data, latency.ctypes.data)
        rep = p.report(report)
        p.close_outputs()
        stats = p.stats()
        return InferenceResult(model_name=rep.get("inference", {}).get("model", ""), images=n, classes=c,
                               correct=correct.value, accuracy=correct.value / n if labelled.value and n else None,
                               logits=logits, predictions=predictions, latency_ns=latency, stats=stats,
                               components_pj=p.component_energy_pj(), adc_model=(_lib.stoxvp_adc_model(p.handle)
                                                                                  or b"").decode(),
                               report=rep, console=p.console(), stop=stop, request=req)
    finally:
        _lib.stoxvp_inference_free(h)
