#!/usr/bin/env bash
# Downloads the pinned browser libraries listed in web/vendor/vendor.txt from the npm
# registry, checks each tarball against the registry's integrity hash, and copies the
# listed release files unmodified under web/vendor/. To upgrade one, change its version
# in vendor.txt and run this script.
set -euo pipefail
cd "$(dirname "$0")/../web/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

grep -v '^#' vendor.txt | while read -r name version license file arrow target; do
  [[ -z $name ]] && continue
  [[ $arrow == "->" ]] || { echo "vendor.txt: bad line for $name" >&2; exit 1; }
  pkg="$work/$name-$version"
  if [[ ! -d $pkg ]]; then
    (cd "$work" && npm pack --silent "$name@$version" >/dev/null)
    mkdir -p "$pkg"
    # npm names a scoped package's tarball scope-name-version.tgz.
    tarball="${name#@}"
    tar xzf "$work/${tarball//\//-}-$version.tgz" -C "$pkg"
    got="$(node -p "require('$pkg/package/package.json').license")"
    [[ $got == "$license" ]] || { echo "$name $version: licence is $got, vendor.txt says $license" >&2; exit 1; }
  fi
  mkdir -p "$(dirname "$target")"
  cp "$pkg/package/$file" "$target"
  echo "vendored $name@$version $file -> web/vendor/$target"
done
