"""The networks: a small CNN for Fashion-MNIST that fits the default chip, and ResNet-20 (first
and last layers full precision, the 18 block convolutions on crossbars, option-A shortcuts as
exact identity convolutions in the digital unit). A network is a graph of layers in execution
order, each reading one or two earlier tensors: exactly the model file's layer table."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .datapath import Bits, Converter, DigitalConv2d, ResidualAdd, XbarConv2d


class Pool(nn.Module):
    def __init__(self, kind, kernel, stride):
        super().__init__()
        self.kind, self.kernel, self.stride = kind, kernel, stride

    def forward(self, x):
        if self.kind == "max":
            return F.max_pool2d(x, self.kernel, self.stride)
        avg = F.avg_pool2d(x, self.kernel, self.stride)
        return avg + (torch.floor(avg + 0.5) - avg).detach()  # the vector unit rounds halves up


class Net(nn.Module):
    """layers[i] reads tensor inputs[i] (and inputs_b[i] for adds); tensor 0 is the input."""

    def __init__(self, name, input_shape, classes):
        super().__init__()
        self.name, self.input_shape, self.classes = name, input_shape, classes
        self.layers = nn.ModuleList()
        self.inputs, self.inputs_b, self.shapes = [], [], [input_shape]

    def add(self, module, src=-1, src_b=None, shape=None):
        self.layers.append(module)
        self.inputs.append(src if src >= 0 else len(self.shapes) - 1)
        self.inputs_b.append(src_b)
        self.shapes.append(shape)
        return len(self.shapes) - 1  # index of the new tensor

    def forward(self, x):
        t = [x]
        for m, a, b in zip(self.layers, self.inputs, self.inputs_b):
            t.append(m(t[a]) if b is None else m(t[a], t[b]))
        return t[-1]


def conv_out(h, k, s, p):
    return (h + 2 * p - k) // s + 1


def small_cnn(bits, conv, rows=128):
    """1x28x28 -> digital conv 16 -> max pool -> xbar conv 32 -> max pool -> xbar conv 64 ->
    digital (global average pool + FC) 10."""
    net = Net("small_cnn", (1, 28, 28), 10)
    net.add(DigitalConv2d(1, 16, 3, pad=1, a_bits=8, out_bits=bits.a_bits), shape=(16, 28, 28))
    net.add(Pool("max", 2, 2), shape=(16, 14, 14))
    net.add(XbarConv2d(16, 32, 3, pad=1, bits=bits, conv=conv, rows=rows, out_bits=bits.a_bits), shape=(32, 14, 14))
    net.add(Pool("max", 2, 2), shape=(32, 7, 7))
    net.add(XbarConv2d(32, 64, 3, pad=1, bits=bits, conv=conv, rows=rows, out_bits=bits.a_bits), shape=(64, 7, 7))
    step = float(2 ** (bits.a_bits - 1) - 1)
    net.add(DigitalConv2d(64, 10, 1, a_bits=bits.a_bits, logits=True, pool=7, in_step=step), shape=(10, 1, 1))
    return net


def resnet20(bits, conv, in_channels=1, rows=128, name="resnet20"):
    """CIFAR-style ResNet-20 on 32x32 inputs: 3 stages of 3 basic blocks, 16/32/64 channels."""
    net = Net(name, (in_channels, 32, 32), 10)
    a = bits.a_bits
    step = float(2 ** (a - 1) - 1)
    x = net.add(DigitalConv2d(in_channels, 16, 3, pad=1, a_bits=8, out_bits=a), shape=(16, 32, 32))
    channels, size = 16, 32
    for stage, width in enumerate((16, 32, 64)):
        for block in range(3):
            stride = 2 if stage > 0 and block == 0 else 1
            out = conv_out(size, 3, stride, 1)
            h = net.add(XbarConv2d(channels, width, 3, stride, 1, bits, conv, rows, out_bits=a), src=x,
                        shape=(width, out, out))
            # The second convolution keeps the block outputs' step with 8 bits of range, so the
            # residual add sums both operands in one step (scale_a = scale_b = 1).
            h = net.add(XbarConv2d(width, width, 3, 1, 1, bits, conv, rows, out_bits=8, act="none",
                                   out_step=step), shape=(width, out, out))
            shortcut = x
            if stride != 1 or channels != width:
                shortcut = net.add(DigitalConv2d(channels, width, 1, stride=stride, w_bits=2, a_bits=a,
                                                 out_bits=a, act="none", identity=True), src=x,
                                   shape=(width, out, out))
            x = net.add(ResidualAdd(out_bits=a), src=h, src_b=shortcut, shape=(width, out, out))
            channels, size = width, out
    net.add(DigitalConv2d(64, 10, 1, a_bits=a, logits=True, pool=size, in_step=step), src=x, shape=(10, 1, 1))
    return net


def build(name, bits, conv, rows=128):
    if name == "small_cnn":
        return small_cnn(bits, conv, rows)
    if name == "resnet20":
        return resnet20(bits, conv, 1, rows, "resnet20")
    if name == "resnet20_cifar":
        return resnet20(bits, conv, 3, rows, "resnet20_cifar")
    raise ValueError(f"unknown network '{name}' (small_cnn, resnet20, resnet20_cifar)")
