//! The layout generator as a fuzz target that plants the truth: the input
//! chooses a consistent report (synthetic, from the seeded generator) and how
//! it is printed (family and every variation), the reader reads the printed
//! document back, and no cell may differ from what was printed. Missing
//! cells are allowed; a wrong one is a crash.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../../crates/ogi-report/tests/layout_gen/mod.rs"]
mod layout_gen;

use layout_gen::{Family, Rng};

fuzz_target!(|data: &[u8]| {
    if data.len() < 9 {
        return;
    }
    let seed = u64::from_le_bytes(data[..8].try_into().expect("8 bytes"));
    let family = Family::ALL[data[8] as usize % Family::ALL.len()];
    // The rest of the input drives the printing's variations.
    let vary = data[9..].iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3));
    let case = layout_gen::synthetic(&mut Rng::new(seed));
    let doc = layout_gen::print(&case, family, &mut Rng::new(vary));
    let Ok(report) = ogi_report::read(doc.text.as_bytes(), Some(doc.name)) else { return };
    for (k, c) in &report.cells {
        assert_eq!(case.cells.get(k), Some(&c.value), "{} seed {seed}: {k}\n{}", family.name(), doc.text);
    }
});
