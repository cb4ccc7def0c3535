//! Links the `ogi` binary as a position-dependent executable (`-no-pie`).
//!
//! Why: a PIE has every pointer in its read-only data (vtables, `&'static str`
//! tables, panic locations: ~30,000 relocations in ~450 KB) patched by the
//! loader at each start, which copies ~120 pages. Each `ogi report parse` is a
//! whole process, so that costs ~0.4 ms of its ~2.3 ms. Linked at a fixed
//! address those pages are read straight from the file. Shared libraries,
//! heap and stack are still randomised (the same trade Go makes by default).
fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
