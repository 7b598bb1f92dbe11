//! The C allocator's settings for an image server. glibc's defaults suit many small,
//! short-lived allocations: up to 8 arenas per core, each keeping freed memory, and an
//! mmap threshold that rises after large frees so later image buffers land in the heap
//! and stay resident. Decoded pictures are megabytes each, allocated by Rust and by
//! libvips, libwebp and libaom alike, so both defaults ratchet resident memory up under
//! load (`medialib bench transform`: 357 MiB at the AVIF workload with the defaults,
//! 214 MiB with these).

/// Most malloc arenas: two, for two render threads at a time per core on this project's
/// machines; more arenas keep more freed memory.
const ARENAS: i32 = 2;

/// Allocations from this size on (bytes) are mapped on their own and returned to the
/// system when freed: every decoded or resized picture.
const MMAP_THRESHOLD: i32 = 128 * 1024;

/// Applies [`ARENAS`] and [`MMAP_THRESHOLD`], unless the environment sets glibc's own
/// `MALLOC_ARENA_MAX` or `MALLOC_MMAP_THRESHOLD_` (which then win). Call once, first thing.
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let set = |name: &str| std::env::var_os(name).is_some();
        // SAFETY: mallopt only changes allocator parameters, and runs before any other
        // thread exists.
        unsafe {
            if !set("MALLOC_ARENA_MAX") {
                libc::mallopt(libc::M_ARENA_MAX, ARENAS);
            }
            if !set("MALLOC_MMAP_THRESHOLD_") {
                libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
            }
        }
    }
}
