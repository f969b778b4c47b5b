"""Model-file round trip: a network exported by the training tool and read back by the C
reader (through ctypes) has exactly the exporter's layers, integer weights, folded scales,
converter settings and shapes."""
import os
import sys
import tempfile

import numpy as np
import torch

from tools.stoxnet import datapath, export, hwref, nets
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "support"))
from tally import Tally  # noqa: E402  (tests/support)

check = Tally()


torch.manual_seed(3)
conv = datapath.Converter(kind="mtj")
conv.set_samples([1, 2, 4])
net = nets.build("resnet20", datapath.Bits(4, 1, 4, 3), conv)
net.train()
with torch.no_grad():  # batch-norm statistics from random data, so every scale is non-trivial
    for _ in range(2):
        net(torch.randint(-7, 8, (4, 1, 32, 32)).float() * 18)
with tempfile.NamedTemporaryFile(suffix=".sxvm") as f:
    export.export(net, f.name)
    m = hwref.Model.load(f.name)

check(m.header["input_channels"] == 1 and m.header["input_h"] == 32 and m.header["classes"] == 10, "header shape")
check(m.header["name"] == b"resnet20", f"name {m.header['name']}")
check(len(m.layers) == len(net.layers), "layer count")
for i, (mod, L) in enumerate(zip(net.layers, m.layers)):
    check(L["input"] == net.inputs[i], f"layer {i} input")
    check(m.shapes[i + 1] == tuple(net.shapes[i + 1]), f"layer {i} shape {m.shapes[i + 1]} vs {net.shapes[i + 1]}")
    if isinstance(mod, datapath.XbarConv2d):
        wq, _ = datapath.int_weights(mod.weight, mod.bits.w_bits)
        check(np.array_equal(m.weights(i), wq.detach().reshape(wq.shape[0], -1).numpy().astype(np.int64)), f"layer {i} weights")
        hd, scale, bias, gain, dbias, _ = m.params(i)
        s, b = export.fold_bn(mod.norm, mod.out_scale)
        g, db = export.fold_bn(mod.drive)
        check(np.array_equal(scale, s.numpy()) and np.array_equal(bias, b.numpy()), f"layer {i} output scale")
        check(np.array_equal(gain, g.numpy()) and np.array_equal(dbias, db.numpy()), f"layer {i} drive")
        check(hd["converter"] == hwref.CONV_MTJ, f"layer {i} converter")
        check([int(hd["samples"][s_][0]) for s_ in range(3)] == [1, 2, 4], f"layer {i} T per slice")
        check((L["w_bits"], L["w_slice"], L["a_bits"], L["a_stream"]) == (4, 1, 4, 3), f"layer {i} bits")
    elif isinstance(mod, datapath.DigitalConv2d) and mod.identity:
        check(L["params_offset"] == 0, f"layer {i}: the identity shortcut has no parameter block")
    elif isinstance(mod, nets.Pool) is False and isinstance(mod, datapath.ResidualAdd):
        check(L["input_b"] == net.inputs_b[i] and L["scale_a"] == 1.0, f"layer {i} add operands")
check.finish()
