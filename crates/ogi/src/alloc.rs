//! The binary's allocator: glibc's malloc until a bulk run starts, mimalloc
//! from then on.
//!
//! Why two: `ogi report check DIR` over thousands of web pages spends about a
//! fifth of its time in glibc's malloc and free (many small strings per page,
//! on every core), and under mimalloc the whole run takes about a fifth less.
//! But mimalloc's first allocation sets up its arena and costs about 0.3 ms,
//! and a one-report command (`ogi report parse FILE`, about 1.6 ms in all)
//! would pay that every time. So every process starts on glibc, and
//! [`use_mimalloc`] sends new allocations to mimalloc when a bulk run begins.
//!
//! Each block is freed or grown by the allocator that made it:
//! `mi_is_in_heap_region` tells mimalloc's blocks (inside its own arenas and
//! segments, memory it mapped itself) from everyone else's. mimalloc's own
//! `mi_cfree` uses the same test to free only what is its own.

use std::alloc::{GlobalAlloc, Layout, System};
use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, Ordering};

use libmimalloc_sys as mi;

/// glibc until [`use_mimalloc`], then mimalloc.
pub struct Switching;

static MIMALLOC: AtomicBool = AtomicBool::new(false);

/// From now on, new blocks come from mimalloc (for the rest of the process).
pub fn use_mimalloc() {
    MIMALLOC.store(true, Ordering::Relaxed);
}

fn mimalloc_on() -> bool {
    MIMALLOC.load(Ordering::Relaxed)
}

/// Whether mimalloc made the block at `ptr`. Before the switch no block is
/// mimalloc's, and the lookup is skipped: the switch is one-way, and a block
/// made after it reaches another thread only through a synchronisation that
/// also carries the switch.
fn is_mimallocs(ptr: *mut u8) -> bool {
    // SAFETY: a pure lookup in mimalloc's arena list and segment map; any
    // pointer value is allowed.
    mimalloc_on() && unsafe { mi::mi_is_in_heap_region(ptr as *const c_void) }
}

// SAFETY: every block is returned to the allocator that made it (see the
// module doc); each side gets the layouts it was asked for, and mimalloc's
// aligned calls honour `layout.align()` as `mimalloc::MiMalloc` does.
unsafe impl GlobalAlloc for Switching {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if mimalloc_on() {
            unsafe { mi::mi_malloc_aligned(layout.size(), layout.align()) as *mut u8 }
        } else {
            unsafe { System.alloc(layout) }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if mimalloc_on() {
            unsafe { mi::mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8 }
        } else {
            unsafe { System.alloc_zeroed(layout) }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if is_mimallocs(ptr) {
            unsafe { mi::mi_free(ptr as *mut c_void) }
        } else {
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if is_mimallocs(ptr) {
            return unsafe { mi::mi_realloc_aligned(ptr as *mut c_void, new_size, layout.align()) as *mut u8 };
        }
        if !mimalloc_on() {
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        // A glibc block growing after the switch moves to mimalloc.
        let new = unsafe { mi::mi_malloc_aligned(new_size, layout.align()) as *mut u8 };
        if !new.is_null() {
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                System.dealloc(ptr, layout);
            }
        }
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_made_before_the_switch_are_grown_and_freed_by_glibc_then_moved() {
        // This is the only test of the binary that switches.
        let before: Vec<u64> = (0..1000).collect();
        assert!(!is_mimallocs(before.as_ptr() as *mut u8), "a block made before the switch is glibc's");
        use_mimalloc();
        let after: Vec<u64> = (0..1000).collect();
        assert!(is_mimallocs(after.as_ptr() as *mut u8), "a block made after the switch is mimalloc's");
        // Growing the old block keeps its contents, wherever it now lives.
        let mut grown = before.clone();
        grown.extend(1000..100_000);
        assert!(grown.iter().copied().eq(0..100_000));
        let mut moved = before;
        moved.reserve(1_000_000);
        assert!(moved.iter().copied().eq(0..1000));
        assert!(is_mimallocs(moved.as_ptr() as *mut u8), "grown after the switch, the block moved to mimalloc");
        drop(moved);
        drop(after);
        // Zeroed and over-aligned blocks from mimalloc.
        let zeroed = vec![0u8; 1 << 20];
        assert!(zeroed.iter().all(|&b| b == 0));
        #[repr(align(4096))]
        struct Page([u8; 4096]);
        let page = Box::new(Page([7; 4096]));
        assert_eq!(&*page as *const Page as usize % 4096, 0);
        assert!(page.0.iter().all(|&b| b == 7));
    }
}
