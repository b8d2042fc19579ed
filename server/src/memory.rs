//! Giving memory back to the system after the rare large allocations:
//! an argon2id hash takes ~19 MiB, a workspace import or compile several
//! more, and an idle server should not keep them.
//!
//! glibc's malloc raises its mmap threshold every time a large mmapped block
//! is freed, so from the second password hash on, the 19 MiB comes from the
//! heap and stays there after the hash. A fixed threshold keeps large blocks
//! in mmap (unmapped when freed), and a trim after heavy work returns the
//! free pages the heap still holds. Other allocators need neither.

/// Blocks at least this large are always mapped on their own.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 1 << 20;

/// Sets the allocator up to give large blocks back; call once at start.
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[allow(unsafe_code, reason = "mallopt is a plain glibc call with integer arguments; it touches no Rust memory")]
    // SAFETY: M_MMAP_THRESHOLD takes a size in bytes; mallopt only changes allocator settings.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    }
}

/// Returns the free memory the heap holds to the system. For after heavy
/// work (hashes, compiles), not for the request path: it walks every arena.
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[allow(unsafe_code, reason = "malloc_trim is a plain glibc call; it only releases pages malloc already holds free")]
    // SAFETY: malloc_trim(0) keeps every allocated block in place.
    unsafe {
        libc::malloc_trim(0);
    }
}
