"""The shared library of the package (C API and inference runner) through ctypes."""
import ctypes
import os

_HERE = os.path.dirname(os.path.abspath(__file__))
_NAME = "libstoxvp_native.so"


class RunResult(ctypes.Structure):
    _fields_ = [("reason", ctypes.c_int), ("exit_code", ctypes.c_int), ("sim_time_ps", ctypes.c_uint64),
                ("message", ctypes.c_char * 256)]


class Stats(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint64) for n in (
        "sim_time_ps", "bus_transactions", "bus_errors", "accel_descriptors", "accel_errors", "accel_macs",
        "accel_conversions", "accel_mtj_samples", "accel_busy_ps", "dma_bytes_read", "dma_bytes_written",
        "cpu_bus_accesses")] + [("energy_pj", ctypes.c_double), ("accel_energy_pj", ctypes.c_double),
                                ("chip_area_um2", ctypes.c_double), ("cpu_instructions", ctypes.c_uint64),
                                ("cpu_energy_pj", ctypes.c_double)]


def _load():
    path = os.environ.get("STOXVP_NATIVE_LIB") or os.path.join(_HERE, _NAME)
    if not os.path.exists(path):
        raise ImportError(f"stoxvp: the native library {path} is missing (build the project: cmake --build build; "
                          "then PYTHONPATH=build/python)")
    os.environ.setdefault("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1")
    lib = ctypes.CDLL(path)
    P = ctypes.c_void_p
    sig = {
        "stoxvp_last_error": (ctypes.c_char_p, []),
        "stoxvp_result_string": (ctypes.c_char_p, [ctypes.c_int]),
        "stoxvp_create": (ctypes.c_int, [ctypes.c_char_p, ctypes.POINTER(P)]),
        "stoxvp_create_from_json": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(P)]),
        "stoxvp_destroy": (None, [P]),
        "stoxvp_set_seed": (ctypes.c_int, [P, ctypes.c_uint64]),
        "stoxvp_set_stall_timeout": (ctypes.c_int, [P, ctypes.c_uint64]),
        "stoxvp_mem_write": (ctypes.c_int, [P, ctypes.c_uint64, ctypes.c_void_p, ctypes.c_size_t]),
        "stoxvp_mem_read": (ctypes.c_int, [P, ctypes.c_uint64, ctypes.c_void_p, ctypes.c_size_t]),
        "stoxvp_region": (ctypes.c_int, [P, ctypes.c_char_p, ctypes.POINTER(ctypes.c_uint64),
                                          ctypes.POINTER(ctypes.c_uint64)]),
        "stoxvp_attach_elf": (ctypes.c_int, [P, ctypes.c_char_p]),
        "stoxvp_enable_vcd": (ctypes.c_int, [P, ctypes.c_char_p]),
        "stoxvp_enable_power_trace": (ctypes.c_int, [P, ctypes.c_char_p, ctypes.c_char_p]),
        "stoxvp_close_outputs": (ctypes.c_int, [P]),
        "stoxvp_enable_timeline": (ctypes.c_int, [P, ctypes.c_char_p]),
        "stoxvp_request_stop": (None, []),
        "stoxvp_run": (ctypes.c_int, [P, ctypes.c_uint64, ctypes.POINTER(RunResult)]),
        "stoxvp_get_stats": (ctypes.c_int, [P, ctypes.POINTER(Stats)]),
        "stoxvp_get_component_energy": (ctypes.c_int, [P, ctypes.c_size_t, ctypes.POINTER(ctypes.c_char_p),
                                                       ctypes.POINTER(ctypes.c_double)]),
        "stoxvp_adc_model": (ctypes.c_char_p, [P]),
        "stoxvp_console_output": (ctypes.c_char_p, [P]),
        "stoxvp_write_report": (ctypes.c_int, [P, ctypes.c_char_p]),
        "stoxvp_report_add": (ctypes.c_int, [P, ctypes.c_char_p, ctypes.c_char_p]),
        "stoxvp_inference_prepare": (ctypes.c_int, [P, ctypes.c_char_p, ctypes.POINTER(P), ctypes.c_char_p,
                                                    ctypes.c_size_t]),
        "stoxvp_inference_collect": (ctypes.c_int, [P] + [ctypes.POINTER(ctypes.c_uint32)] * 3 +
                                     [ctypes.POINTER(ctypes.c_int), ctypes.c_char_p, ctypes.c_size_t]),
        "stoxvp_inference_arrays": (ctypes.c_int, [P, P, P, P]),
        "stoxvp_inference_free": (None, [P]),
        "stoxvp_inference_jobs": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_uint32, ctypes.POINTER(P),
                                                 ctypes.POINTER(ctypes.c_int), ctypes.c_char_p, ctypes.c_size_t]),
        "stoxvp_inference_report": (ctypes.c_char_p, [P]),
        "stoxvp_inference_progress": (ctypes.c_int, [P, ctypes.POINTER(ctypes.c_uint32),
                                                     ctypes.POINTER(ctypes.c_uint32)]),
    }
    for name, (res, args) in sig.items():
        f = getattr(lib, name)
        f.restype = res
        f.argtypes = args
    return lib, path


lib, path = _load()
