//! An allocator for the extension: the system allocator, with large blocks (≥ 4 MiB) made while
//! a dictionary loads advised to use transparent huge pages (`madvise(MADV_HUGEPAGE)`, Linux).
//!
//! The MeCab connection-cost matrix (unidic-lite: 72 MB, a `Vec<i16>` of the lattice's dictionary
//! or of vibrato's) is read at random positions for every lattice edge; with 4 KiB pages almost
//! every lookup misses the TLB. Where the kernel's THP mode is `madvise` (the default of Debian and
//! Ubuntu), huge pages are only used for memory that asks for them, and vibrato's `Vec` cannot be
//! asked directly, so large allocations made inside [`huge_pages`] ask for themselves: advised
//! before their pages are first touched, they are faulted in as 2 MiB pages. Only there: a buffer
//! that is filled once and freed (a shard's columns, a shuffle bucket read back) gains nothing from
//! huge pages and pays for them, since every fault zeroes a whole 2 MiB page (measured: 12–15 % of
//! a `pack` run spent in the kernel's `clear_page` when every large block was advised). Where THP
//! is `always` this changes nothing; where it is `never`, or off Linux, the advice is ignored.
//! Output is unaffected. `WAKACHI_HUGE_PAGES=0` in the environment turns the advice off.

use std::alloc::{GlobalAlloc, Layout, System};

/// See the module documentation.
pub struct HugePageAlloc;

/// Blocks from this size on are advised.
const LARGE: usize = 4 << 20;

/// How many [`huge_pages`] scopes are open (on any thread).
static SCOPES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Runs `f` with large allocations advised onto huge pages (on every thread, while it runs: a
/// block another thread makes meanwhile is advised too, which is harmless). For memory that is
/// read at random for a long time, such as a dictionary's cost matrix.
pub fn huge_pages<T>(f: impl FnOnce() -> T) -> T {
    use std::sync::atomic::Ordering;
    struct Close;
    impl Drop for Close {
        fn drop(&mut self) {
            SCOPES.fetch_sub(1, Ordering::Relaxed);
        }
    }
    SCOPES.fetch_add(1, Ordering::Relaxed);
    let _close = Close;
    f()
}

/// 0: not yet read from the environment, 1: advise, 2: don't.
#[cfg(target_os = "linux")]
static STATE: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

#[cfg(target_os = "linux")]
fn enabled() -> bool {
    use std::sync::atomic::Ordering;
    match STATE.load(Ordering::Relaxed) {
        0 => {
            // `getenv` does not allocate (this runs inside the allocator).
            // SAFETY: a NUL-terminated name; the result is only read while the environment is
            // not being modified (at worst a stale answer).
            let v = unsafe { libc::getenv(c"WAKACHI_HUGE_PAGES".as_ptr()) };
            let off = !v.is_null() && unsafe { *v } == b'0' as libc::c_char;
            STATE.store(if off { 2 } else { 1 }, Ordering::Relaxed);
            !off
        }
        s => s == 1,
    }
}

#[cfg(target_os = "linux")]
fn advise(p: *mut u8, len: usize) {
    const HUGE: usize = 2 << 20;
    if SCOPES.load(std::sync::atomic::Ordering::Relaxed) == 0 || !enabled() {
        return;
    }
    let (start, end) = ((p as usize).next_multiple_of(HUGE), (p as usize + len) & !(HUGE - 1));
    if end > start {
        // SAFETY: the range lies inside a block the system allocator just handed out; advice
        // never changes its contents or mapping, and a failure (e.g. THP off) is harmless.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise(_: *mut u8, _: usize) {}

// SAFETY: every call is forwarded to `System` with the same arguments; `advise` only gives the
// kernel advice about pages of the returned block.
unsafe impl GlobalAlloc for HugePageAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if layout.size() >= LARGE && !p.is_null() {
            advise(p, layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if layout.size() >= LARGE && !p.is_null() {
            advise(p, layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if new_size >= LARGE && !p.is_null() {
            advise(p, new_size);
        }
        p
    }
}

/// Asks the CPU to bring `p`'s cache line closer (a hint: never faults, whatever `p` is).
#[inline(always)]
pub fn prefetch<T>(p: *const T) {
    // SAFETY: SSE is part of the x86-64 baseline; a prefetch only hints the cache and never
    // dereferences or faults, whatever the address.
    #[cfg(target_arch = "x86_64")]
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// [`prefetch`] for every cache line of `bytes`.
#[inline]
pub fn prefetch_bytes(bytes: &[u8]) {
    for off in (0..bytes.len()).step_by(64) {
        prefetch(bytes.as_ptr().wrapping_add(off));
    }
}
