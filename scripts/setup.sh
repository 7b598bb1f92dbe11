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
  # import from https URLs: the system's root certificates
  ca-certificates
  # benchmark references: vipsthumbnail; curl for the upload benchmark; nginx and the wrk
  # load generator for the delivery benchmark
  libvips-tools curl nginx-light wrk
  # upload tests: `python3 -m venv` for the tuspy client (tests/clients)
  python3-venv
  # browser tests of the web UI (crates/server/tests/ui): headless Chromium and its
  # WebDriver server
  chromium chromium-driver
  # PostgreSQL backend tests: crates/store/tests/support/postgres.rs runs a throwaway
  # cluster from /usr/lib/postgresql/15/bin; the package's own service is not used
  postgresql-15
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

# Real tus clients (tus-js-client, Uppy, tuspy) that the upload integration
# tests spawn; see tests/clients/README.md. They are installed locally, never
# globally, so tests do not depend on whatever else is on the machine.
clients="$(cd "$(dirname "$0")/.." && pwd)/tests/clients"

# Node is not in the apt list above: Debian 12 ships Node 18, the clients need
# 20+ (use NodeSource or similar). Without it the server still builds and runs;
# only the tus-js-client and Uppy tests fail, saying what is missing.
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null; then
  echo "setup: warning: tests/clients needs Node.js >= 20 with npm on PATH; skipped" >&2
# npm writes node_modules/.package-lock.json on every install, so an older one
# means package-lock.json changed since the last install.
elif [[ ! -f $clients/node_modules/.package-lock.json || $clients/node_modules/.package-lock.json -ot $clients/package-lock.json ]]; then
  echo "setup: installing tests/clients npm packages"
  npm ci --prefix "$clients" --no-audit --no-fund
fi

# A venv whose interpreter no longer runs (e.g. Python was upgraded) is rebuilt.
venv="$clients/.venv"
if ! "$venv/bin/python" -c '' 2>/dev/null; then
  echo "setup: creating tests/clients/.venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
fi
# The stamp holds the hash of the requirements last installed, so pip (and the
# network) is only touched when requirements.txt changes.
want="$(sha256sum "$clients/requirements.txt" | cut -d' ' -f1)"
if [[ "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$want" ]]; then
  echo "setup: installing tests/clients/requirements.txt"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$clients/requirements.txt"
  echo "$want" > "$venv/.requirements.sha256"
fi
