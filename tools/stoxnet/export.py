"""Writes a network as a stoxvp model file (docs/model-format.md): integer weights, folded
batch norms, converter settings, in the layout firmware/model/stoxvp_model.h defines."""
import struct
import zlib

import torch

from .datapath import CURVES, KIND_CODE, DigitalConv2d, ResidualAdd, XbarConv2d
from .nets import Pool

LAYER_XBAR, LAYER_DIGITAL, LAYER_MAX_POOL, LAYER_AVG_POOL, LAYER_ADD = 1, 2, 3, 4, 5
ACT = {"none": 0, "relu": 1, "hardtanh": 2}
OUT_INT8, OUT_FLOAT32 = 0, 2
F_OUT_AFFINE, F_DRIVE = 1, 2
HEADER = struct.Struct("<4sHHIIIIHHHHBBHffI16s")
LAYER = struct.Struct("<BBBBHHHHHHBBBBBBBBffIIII16s")
PARAMS = struct.Struct("<BBBBIffffII64s")
assert HEADER.size == 64 and LAYER.size == 64 and PARAMS.size == 96


def fold_bn(bn, scale=1.0):
    """y -> scale * bn(y) as per-channel (gain, offset) from the running statistics."""
    inv = bn.weight.detach() / torch.sqrt(bn.running_var + bn.eps)
    return (scale * inv).float(), (scale * (bn.bias.detach() - bn.running_mean * inv)).float()


def params_block(kind, out_scale, out_bias, conv=None, drive=None, adc_range=0.0):
    """A layer parameter block: the accelerator's 96-byte header and its float arrays."""
    conv_code = KIND_CODE[conv.kind] if conv else 0
    flags = F_OUT_AFFINE | (F_DRIVE if drive is not None else 0)
    samples = bytes(conv.t(i, j) if conv else 4 for i in range(8) for j in range(8))
    a, b = CURVES[conv.curve] if conv else CURVES["final"]
    head = PARAMS.pack(conv_code, conv.adc_bits if conv else 8, conv.cols_per_converter if conv else 1,
                       0, flags, float(adc_range), float(conv.sa_threshold if conv else 0.0), a, b, 0, 0,
                       samples)
    arrays = [out_scale, out_bias] + (list(drive) if drive is not None else [])
    body = b"".join(torch.as_tensor(t, dtype=torch.float32).contiguous().numpy().tobytes() for t in arrays)
    return head + body


def layer_entry(**f):
    fields = dict(type=0, activation=0, out_format=OUT_INT8, out_bits=0, input=0, input_b=0,
                  in_channels=0, in_h=0, in_w=0, out_channels=0, kernel_h=0, kernel_w=0, stride=1,
                  pad=0, w_bits=0, w_slice=0, a_bits=0, a_stream=0, scale_a=0.0, scale_b=0.0,
                  weights_offset=0, weights_bytes=0, params_offset=0, params_bytes=0)
    fields.update(f)
    return fields


def export(net, path, input_scale=127.0 / 255.0, input_offset=0.0, input_bits=8):
    """Writes `net` (in eval mode) to `path`; returns the file's bytes."""
    net.eval()
    entries, blobs = [], []
    table_end = 64 + 64 * len(net.layers)
    offset = [table_end]

    def blob(data):
        data = bytes(data)
        at = offset[0]
        blobs.append(data + b"\0" * (-len(data) % 4))
        offset[0] += len(blobs[-1])
        return at, len(data)

    last = len(net.layers) - 1
    for i, (m, src, src_b) in enumerate(zip(net.layers, net.inputs, net.inputs_b)):
        cin, h, w = net.shapes[src]
        cout = net.shapes[i + 1][0]
        out_fmt = OUT_FLOAT32 if i == last else OUT_INT8
        common = dict(input=src, in_channels=cin, in_h=h, in_w=w, out_channels=cout, out_format=out_fmt)
        with torch.no_grad():
            if isinstance(m, XbarConv2d):
                from .datapath import int_weights
                wq, _ = int_weights(m.weight, m.bits.w_bits)
                woff, wlen = blob(wq.reshape(cout, -1).to(torch.int8).numpy().tobytes())
                scale, bias = fold_bn(m.norm, m.out_scale)
                drive = fold_bn(m.drive) if m.drive is not None else None
                poff, plen = blob(params_block(m.conv.kind, scale, bias, m.conv, drive, float(m.adc_range)))
                entries.append(layer_entry(type=LAYER_XBAR, activation=ACT[m.act], out_bits=m.out_bits,
                                           kernel_h=m.kernel, kernel_w=m.kernel, stride=m.stride, pad=m.pad,
                                           w_bits=m.bits.w_bits, w_slice=m.bits.w_slice, a_bits=m.bits.a_bits,
                                           a_stream=m.bits.a_stream, weights_offset=woff, weights_bytes=wlen,
                                           params_offset=poff, params_bytes=plen, **common))
            elif isinstance(m, DigitalConv2d):
                wq, step = m.int_weights()
                kernel, pad, stride = m.kernel, m.pad, m.stride
                if m.pool > 1:  # global average pool + FC: the FC weight at every position
                    wq = wq.expand(cout, cin, m.pool, m.pool)
                    kernel, pad, stride = m.pool, 0, 1
                woff, wlen = blob(wq.reshape(cout, -1).to(torch.int8).numpy().tobytes())
                if m.logits:
                    poff, plen = blob(params_block("ideal", step / (m.in_step * m.pool * m.pool), m.bias.detach()))
                elif m.identity:
                    poff, plen = 0, 0  # scale 1, bias 0: an exact copy
                else:
                    scale, bias = fold_bn(m.norm, float(2 ** (m.out_bits - 1) - 1))
                    poff, plen = blob(params_block("ideal", scale, bias))
                entries.append(layer_entry(type=LAYER_DIGITAL, activation=ACT[m.act] if not m.logits else 0,
                                           out_bits=0 if m.logits else m.out_bits, kernel_h=kernel,
                                           kernel_w=kernel, stride=stride, pad=pad, w_bits=m.w_bits,
                                           a_bits=m.a_bits, weights_offset=woff, weights_bytes=wlen,
                                           params_offset=poff, params_bytes=plen, **common))
            elif isinstance(m, Pool):
                entries.append(layer_entry(type=LAYER_MAX_POOL if m.kind == "max" else LAYER_AVG_POOL,
                                           out_bits=8, kernel_h=m.kernel, kernel_w=m.kernel,
                                           stride=m.stride, **common))
            elif isinstance(m, ResidualAdd):
                entries.append(layer_entry(type=LAYER_ADD, activation=ACT[m.act], out_bits=m.out_bits,
                                           input_b=src_b, scale_a=1.0, scale_b=1.0, **common))
            else:
                raise TypeError(f"layer {i}: {type(m).__name__} has no model-file form")

    table = b"".join(LAYER.pack(*(e[k] for k in (
        "type", "activation", "out_format", "out_bits", "input", "input_b", "in_channels", "in_h",
        "in_w", "out_channels", "kernel_h", "kernel_w", "stride", "pad", "w_bits", "w_slice",
        "a_bits", "a_stream", "scale_a", "scale_b", "weights_offset", "weights_bytes",
        "params_offset", "params_bytes")), b"\0" * 16) for e in entries)
    size = table_end + sum(len(b) for b in blobs)
    c, hh, ww = net.input_shape
    head = HEADER.pack(b"SXVM", 1, 64, size, 0, len(entries), 64, 64, c, hh, ww, input_bits, 0,
                       net.classes, input_scale, input_offset, 0, net.name.encode()[:16])
    data = bytearray(head + table + b"".join(blobs))
    struct.pack_into("<I", data, 12, zlib.crc32(bytes(data)) & 0xFFFFFFFF)
    with open(path, "wb") as f:
        f.write(data)
    return bytes(data)
