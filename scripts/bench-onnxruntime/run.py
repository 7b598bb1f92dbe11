"""Reference for `medialib bench analyse`: one ONNX model run by onnxruntime (CPU, one
thread, as medialib runs it) on the same input tensor medialib used.

Usage: run.py MODEL INPUT.f32 SHAPE(comma-separated) RUNS OUTPUT.f32
Prints one JSON line: {"median_ms": …, "min_ms": …, "version": …}; writes the first
output tensor of the last run to OUTPUT.f32 (little-endian float32) for comparison.
"""
import json
import sys
import time

import numpy as np
import onnxruntime as ort

model, source, shape, runs, dest = sys.argv[1:6]
shape = [int(n) for n in shape.split(",")]
x = np.fromfile(source, dtype="<f4").reshape(shape)
options = ort.SessionOptions()
options.intra_op_num_threads = 1
options.inter_op_num_threads = 1
session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
name = session.get_inputs()[0].name
session.run(None, {name: x})  # warm-up
times = []
for _ in range(int(runs)):
    start = time.perf_counter()
    out = session.run(None, {name: x})
    times.append((time.perf_counter() - start) * 1000)
out[0].astype("<f4").tofile(dest)
times.sort()
print(json.dumps({"median_ms": times[len(times) // 2], "min_ms": times[0], "version": ort.__version__}))
