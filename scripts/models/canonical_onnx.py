"""Rewrites an ONNX file with its graph's initializers and value infos sorted by name.

tflite2onnx 0.4.1 writes those two lists in an order that changes from run to run; ONNX
gives the order no meaning, so sorting makes the converted bytes reproducible and their
SHA-256 pinnable. Usage: canonical_onnx.py IN.onnx OUT.onnx
"""

import sys

import onnx


def main(source: str, destination: str) -> None:
    model = onnx.load(source)
    graph = model.graph
    for field in ("value_info", "initializer"):
        items = sorted(getattr(graph, field), key=lambda item: item.name)
        del getattr(graph, field)[:]
        getattr(graph, field).extend(items)
    onnx.checker.check_model(model)
    onnx.save(model, destination)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
