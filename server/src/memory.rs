//! The allocator, and giving memory back to the system after the rare large
//! allocations: an argon2id hash takes ~19 MiB, a workspace import or
//! compile several more, and an idle server should not keep them.
//!
//! Rust's allocations go to mimalloc: the data plane allocates and frees on
//! every request, often on another worker thread than the one that
//! allocated, which glibc's malloc serves under an arena lock and mimalloc
//! without one. Transparent huge pages are off in its build (`no_thp`): a
//! 2 MiB page per touched region would multiply idle RSS. Freed memory is
//! purged (returned) after a short delay, and at once after heavy work.
//!
//! Not at once after every free: each purge is an `madvise` and a TLB
//! shootdown on every core, and a busy data plane frees pages all the time
//! (a list of 20 rows spent a tenth of its CPU there). mimalloc purges what
//! is due whenever any thread frees a page; `spawn_purge` makes sure an idle
//! process, which frees none, still gives back what it freed last.
//!
//! SQLite allocates through glibc's malloc, for the page caches of every
//! connection of every environment's data and log databases: a soft limit
//! on SQLite's memory as a whole bounds them together (past it, SQLite
//! reuses cache pages instead of allocating; a page it drops is read again
//! from the system's file cache).
//!
//! glibc glibc raises its mmap threshold
//! every time a large mmapped block is freed; a fixed threshold keeps large
//! blocks in mmap (unmapped when freed), and a trim after heavy work returns
//! the free pages its heap still holds.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Blocks at least this large are always mapped on their own (glibc).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 1 << 20;

/// mimalloc's `mi_option_purge_delay` (its position in `mi_option_t`, v3).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
/// Freed pages go back this long after they were freed, in milliseconds.
const PURGE_DELAY_MS: std::ffi::c_long = 100;
/// How often an idle process purges what is due.
const PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(1);
/// What all of SQLite's page caches share.
const SQLITE_SOFT_HEAP_LIMIT: i64 = 16 << 20;

/// Sets the allocators up to give memory back; call once at start.
pub fn tune() {
    #[allow(unsafe_code, reason = "mi_option_set is a plain mimalloc call with integer arguments")]
    // SAFETY: sets an option mimalloc reads on its next purge; no memory is touched.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS);
    }
    // The limit is the library's, not a connection's: any connection sets it.
    let limited = rusqlite::Connection::open_in_memory().and_then(|conn| conn.execute_batch(&format!("PRAGMA soft_heap_limit = {SQLITE_SOFT_HEAP_LIMIT}")));
    if let Err(err) = limited {
        tracing::warn!(error = %err, "could not limit SQLite's memory");
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[allow(unsafe_code, reason = "mallopt is a plain glibc call with integer arguments; it touches no Rust memory")]
    // SAFETY: M_MMAP_THRESHOLD takes a size in bytes; mallopt only changes allocator settings.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    }
}

/// Purges, every `PURGE_EVERY`, the freed memory whose delay has passed (for
/// the whole process: mimalloc's arenas are shared), so an idle server's
/// RSS comes down within a second of its last request.
pub fn spawn_purge() -> tokio::task::JoinHandle<()> {
    tokio::spawn(async {
        let mut every = tokio::time::interval(PURGE_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            #[allow(unsafe_code, reason = "mi_collect is a plain mimalloc call; it only releases memory mimalloc holds free")]
            // SAFETY: mi_collect(false) frees no live block; it purges what is due and tidies this thread's free lists.
            unsafe {
                libmimalloc_sys::mi_collect(false);
            }
        }
    })
}

/// Returns the free memory both allocators hold to the system. For after
/// heavy work (hashes, compiles), not for the request path: it walks every
/// arena and heap.
pub fn give_back() {
    #[allow(unsafe_code, reason = "mi_collect is a plain mimalloc call; it only releases memory mimalloc holds free")]
    // SAFETY: mi_collect(true) frees no live block; it returns unused pages to the OS.
    unsafe {
        libmimalloc_sys::mi_collect(true);
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[allow(unsafe_code, reason = "malloc_trim is a plain glibc call; it only releases pages malloc already holds free")]
    // SAFETY: malloc_trim(0) keeps every allocated block in place.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sqlite_memory_is_limited_for_every_connection() {
        super::tune();
        let conn = rusqlite::Connection::open_in_memory().expect("a connection");
        let limit: i64 = conn.query_row("PRAGMA soft_heap_limit", [], |row| row.get(0)).expect("the limit");
        assert_eq!(limit, super::SQLITE_SOFT_HEAP_LIMIT);
    }
}
