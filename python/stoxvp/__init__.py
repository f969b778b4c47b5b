"""stoxvp: the virtual platform of in-memory-computing DNN accelerators, from Python.

    import stoxvp
    r = stoxvp.run_inference(model="models/small_cnn_mtj.sxvm", images=1000, converter="mtj", samples=4, seed=1)
    r.accuracy, r.logits, r.report["energy"]

See docs/python.md. One platform exists at a time per process (SystemC keeps one kernel).
"""
from .api import (Platform, InferenceResult, StoxvpError, ArgumentError, ConfigError, StateError, AddressError,
                  OutputError, SimulationError, FirmwareError, InputError, run_inference, write_idx)

__all__ = ["Platform", "InferenceResult", "StoxvpError", "ArgumentError", "ConfigError", "StateError",
           "AddressError", "OutputError", "SimulationError", "FirmwareError", "InputError", "run_inference",
           "write_idx"]
