#!/usr/bin/env bash
# The long fuzz runs (FUZZING.md "Running"): every target, or those named, for SECONDS
# each (default 1800), JOBS at a time (default 2, one per core), then `cargo fuzz cmin`.
#
#   fuzz/run-all.sh                      # every target, 30 minutes each
#   SECONDS_PER_TARGET=60 JOBS=4 fuzz/run-all.sh cursor filename
#
# Each run reads the saved corpus and writes its finds to fuzz/work/<target>/ (ignored by
# git), so the repository's corpus changes only when you copy inputs back. Its log,
# with libFuzzer's final statistics (executions, new inputs), is fuzz/work/<target>.log.
# Afterwards each working corpus, with the saved one merged in, is minimised in place
# down to the inputs that each add coverage.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${SECONDS_PER_TARGET:-1800}"
jobs="${JOBS:-2}"
if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo +nightly fuzz list)
fi
cargo +nightly fuzz build
mkdir -p work

run() {
    local target="$1" extra=()
    mkdir -p "work/$target"
    # Debian's libheif 1.15 leaks 40 bytes of a dav1d buffer whenever an AVIF fails to
    # decode (heif_decode_image → dav1d_data_create, FUZZING.md): not ours to fix, and
    # it would stop every image run within minutes. At exit, LeakSanitizer would also
    # report what glib keeps for the process's lifetime (libvips' types and threads).
    local asan="${ASAN_OPTIONS:-}"
    if [ "$target" = image ]; then
        extra=(-detect_leaks=0)
        asan="${asan:+$asan:}detect_leaks=0"
    fi
    # -rss_limit_mb: the image check decodes up to 4 MP frames under its own limits.
    ASAN_OPTIONS="$asan" cargo +nightly fuzz run "$target" "work/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 "${extra[@]}" \
        >"work/$target.log" 2>&1 || echo "$target: stopped with a finding, see work/$target.log and artifacts/$target/"
    grep -E '^stat::number_of_executed_units|^stat::new_units_added' "work/$target.log" |
        sed "s/^/$target /" || true
}

running=0
for target in "${targets[@]}"; do
    run "$target" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

for target in "${targets[@]}"; do
    cp -n "corpus/$target"/* "work/$target"/ 2>/dev/null || true
    before=$(find "work/$target" -type f | wc -l)
    cargo +nightly fuzz cmin "$target" "work/$target" -- -rss_limit_mb=2048 \
        >"work/$target.cmin.log" 2>&1
    after=$(find "work/$target" -type f | wc -l)
    echo "$target: cmin kept $after of $before inputs"
done
