#!/usr/bin/env bash
# Runs the object-storage benchmarks against s3s-fs on 127.0.0.1 (what setup.sh builds
# into ~/.cache/medialib-tools), in a fresh bucket of a throwaway directory:
#   medialib bench upload --storage s3://…     (tus into the bucket vs boto3 upload_file)
#   medialib bench delivery --storage s3://…   (the original via medialib vs a direct GET)
# Usage: ./scripts/bench-s3.sh [extra flags for bench upload, e.g. --mib 256]
# Build first: cargo build --release. Run on a quiet machine.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
tools="${MEDIALIB_TOOLS_DIR:-$HOME/.cache/medialib-tools}"
medialib="${MEDIALIB_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/medialib}"
scratch="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
mkdir -p "$scratch/data/bench"

export AWS_ACCESS_KEY_ID=medialib-bench AWS_SECRET_ACCESS_KEY=medialib-bench-secret
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
"$tools/bin/s3s-fs" --host 127.0.0.1 --port "$port" \
  --access-key "$AWS_ACCESS_KEY_ID" --secret-key "$AWS_SECRET_ACCESS_KEY" \
  "$scratch/data" >"$scratch/s3s-fs.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$scratch"' EXIT
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$port/" && break
  sleep 0.1
done

storage="s3://bench?region=us-east-1&endpoint=http://127.0.0.1:$port&path_style=true"
echo "## bench upload --storage (s3s-fs 0.14.1 on loopback)"
"$medialib" bench upload --storage "$storage" "$@"
echo
echo "## bench delivery --storage (s3s-fs 0.14.1 on loopback)"
"$medialib" bench delivery --storage "$storage"
