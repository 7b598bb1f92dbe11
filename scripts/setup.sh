#!/usr/bin/env bash
# Installs the Debian 12 packages medialib needs to build, run, test and benchmark.
# Idempotent: installs only what is missing.
set -euo pipefail

packages=(
  # build: libjpeg-turbo is compiled by the turbojpeg crate; rs-vips links libvips
  pkg-config cmake nasm libvips-dev
  # runtime: libvips decodes HEIF/AVIF/JXL/SVG; ffmpeg/ffprobe for video and audio;
  # poppler-utils (pdfinfo, pdftoppm, pdftotext) for PDF
  libvips42 ffmpeg poppler-utils
  # benchmark reference: vipsthumbnail
  libvips-tools
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
