"""An integer reference of the spiking CIM macro's network arithmetic in numpy, written apart
from the C++ model (hw/core/snn_cim.cpp): dense convolutions of whole spike maps (gather), where
the model scatters each spike's fan-out. Same contract (docs/snn-cim.md): V is a v_bits two's-
complement number that wraps; after a layer's input spikes, V >= threshold fires and resets to 0
or to V - threshold; V persists across timesteps."""
import numpy as np


def wrap(v, bits):
    half = np.int64(1) << np.int64(bits - 1)
    return ((v + half) % (2 * half)) - half


def out_hw(L):
    if L["type"] == 1:
        return 1, 1
    return ((L["in_h"] + 2 * L["pad"] - L["kernel"]) // L["stride"] + 1,
            (L["in_w"] + 2 * L["pad"] - L["kernel"]) // L["stride"] + 1)


def integrate(L, x):
    """Weighted input of a layer for the binary spike map x (in_c, in_h, in_w), int64."""
    w = np.asarray(L["weights"], np.int64)
    if L["type"] == 1:
        return (w.reshape(L["out_c"], -1) @ x.reshape(-1).astype(np.int64)).reshape(L["out_c"], 1, 1)
    k, s, p = L["kernel"], L["stride"], L["pad"]
    w = w.reshape(L["out_c"], L["in_c"], k, k)
    oh, ow = out_hw(L)
    xp = np.pad(x.astype(np.int64), ((0, 0), (p, p), (p, p)))
    out = np.zeros((L["out_c"], oh, ow), np.int64)
    for ky in range(k):
        for kx in range(k):
            patch = xp[:, ky:ky + s * (oh - 1) + 1:s, kx:kx + s * (ow - 1) + 1:s]
            out += np.einsum("oc,chw->ohw", w[:, :, ky, kx], patch)
    return out


class Network:
    def __init__(self, layers):
        self.layers = layers
        self.reset()

    def reset(self):
        self.v = [np.zeros((L["out_c"],) + out_hw(L), np.int64) for L in self.layers]
        self.counts = [np.zeros_like(v) for v in self.v]

    def step(self, x):
        """One timestep from the input spike map x; returns every layer's output spike map."""
        outs = []
        for i, L in enumerate(self.layers):
            v = wrap(self.v[i] + integrate(L, x), L["v_bits"])
            fired = v >= L["threshold"]
            if L["reset"] == 0:
                v = np.where(fired, 0, v)
            else:
                v = np.where(fired, wrap(v - L["threshold"], L["v_bits"]), v)
            self.v[i] = v
            self.counts[i] += fired
            x = fired.astype(np.uint8)
            outs.append(x)
        return outs
