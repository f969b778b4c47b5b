"""stoxvp: the virtual platform of in-memory-computing DNN accelerators, from Python.

    import stoxvp
    r = stoxvp.run_inference(model="models/small_cnn_mtj.sxvm", images=1000, converter="mtj", samples=4, seed=1)
    r.accuracy, r.logits, r.report["energy"]

See docs/python.md. One platform exists at a time per process (SystemC keeps one kernel).
"""
__all__ = ["Platform", "InferenceResult", "StoxvpError", "ArgumentError", "ConfigError", "StateError",
           "AddressError", "OutputError", "SimulationError", "FirmwareError", "InputError", "run_inference",
           "write_idx"]


# The API (numpy, the native library) loads on first use, so that `stoxvp.sweep`, which Snakemake
# and the sweep command import once per sweep, does not pay for it.
def __getattr__(name):
    if name in __all__:
        from . import api
        return getattr(api, name)
    raise AttributeError(f"module 'stoxvp' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
