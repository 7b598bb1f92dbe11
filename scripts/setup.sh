#!/usr/bin/env bash
# Installs the Debian 12 packages medialib needs to build, run, test and benchmark.
# Idempotent: installs only what is missing.
set -euo pipefail

packages=(
  # build: libjpeg-turbo is compiled by the turbojpeg crate; rs-vips links libvips
  pkg-config cmake nasm libvips-dev
  # runtime: libvips decodes HEIF/AVIF/JXL/SVG; ffmpeg/ffprobe for video and audio;
  # poppler-utils (pdfinfo, pdftoppm, pdftotext) for PDF; libraw-bin (raw-identify,
  # dcraw_emu) develops camera RAW
  libvips42 ffmpeg poppler-utils libraw-bin
  # analysis: Tesseract reads text on document pages (English; add tesseract-ocr-<code>
  # for each of analysis.text_languages)
  tesseract-ocr tesseract-ocr-eng
  # import from https URLs: the system's root certificates
  ca-certificates
  # benchmark references: vipsthumbnail; curl for the upload benchmark; nginx and the wrk
  # load generator for the delivery benchmark
  libvips-tools curl nginx-light wrk
  # upload tests: `python3 -m venv` for the tuspy client (tests/clients); scripts/models.sh
  # downloads the analysis models' packages with pip in a venv and unpacks them with unzip
  python3-venv unzip
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

root="$(cd "$(dirname "$0")/.." && pwd)"

# npm packages pinned by package-lock.json into $1/node_modules; reinstalled only when
# the lock file is newer than the last install (npm rewrites node_modules/.package-lock.json
# on every install).
npm_install() {
  if [[ ! -f $1/node_modules/.package-lock.json || $1/node_modules/.package-lock.json -ot $1/package-lock.json ]]; then
    echo "setup: installing ${1#"$root"/} npm packages"
    npm ci --prefix "$1" --no-audit --no-fund
  fi
}

# A venv in $1/.venv with $1/requirements.txt. A venv whose interpreter no longer runs
# (e.g. Python was upgraded) is rebuilt; the stamp holds the hash of the requirements
# last installed, so pip (and the network) is only touched when they change.
venv_install() {
  local venv="$1/.venv"
  if ! "$venv/bin/python" -c '' 2>/dev/null; then
    echo "setup: creating ${venv#"$root"/}"
    rm -rf "$venv"
    python3 -m venv "$venv"
  fi
  local want
  want="$(sha256sum "$1/requirements.txt" | cut -d' ' -f1)"
  if [[ "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$want" ]]; then
    echo "setup: installing ${1#"$root"/}/requirements.txt"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$1/requirements.txt"
    echo "$want" > "$venv/.requirements.sha256"
  fi
}

# Real tus clients (tus-js-client, Uppy, tuspy) that the upload integration tests spawn
# (tests/clients/README.md), and the storage servers the object-storage tests start
# (crates/test-servers): Azurite, fake-gcs-server. They are installed locally, never
# globally, so tests do not depend on whatever else is on the machine.

# Node is not in the apt list above: Debian 12 ships Node 18, the clients need 20+ (use
# NodeSource or similar). Without it the server still builds and runs; only the
# tus-js-client, Uppy and Azure tests fail, saying what is missing.
if node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null; then
  npm_install "$root/tests/clients"
  npm_install "$root/tests/servers"
else
  echo "setup: warning: tests/clients and tests/servers need Node.js >= 20 with npm on PATH; skipped" >&2
fi
venv_install "$root/tests/clients"
venv_install "$root/tests/servers"
# schemathesis, the outside checker of the REST contract (crates/server/tests/api/contract.rs)
venv_install "$root/tests/contract"

# The S3 server of the object-storage tests, s3s-fs, built from crates.io (about 7
# minutes) into a cache outside the clone, which later runs reuse. 0.15 and later need
# a newer rustc than this machine's.
tools="${MEDIALIB_TOOLS_DIR:-$HOME/.cache/medialib-tools}"
if [[ "$("$tools/bin/s3s-fs" --version 2>/dev/null)" != *0.14.1* ]]; then
  echo "setup: building s3s-fs 0.14.1 into $tools (about 7 minutes)"
  cargo install s3s-fs@0.14.1 --features binary --locked --root "$tools" --quiet
fi

# The analysis models and data sets (README "Analysis"), verified by SHA-256.
"$root/scripts/models.sh"
