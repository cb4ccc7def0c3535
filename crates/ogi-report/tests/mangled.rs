//! No input makes a reader panic: every corpus file, cut short and with
//! bytes overwritten, through every reader.

mod common;

use ogi_report::Format;

/// A small deterministic generator, so failures reproduce.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

fn variants(bytes: &[u8], seed: u64) -> Vec<Vec<u8>> {
    let mut rng = Lcg(seed);
    let mut out = Vec::new();
    for frac in [1, 3, 7, 13, 29, 50, 71, 97] {
        out.push(bytes[..bytes.len() * frac / 100].to_vec());
    }
    for _ in 0..6 {
        let mut v = bytes.to_vec();
        if v.is_empty() {
            break;
        }
        for _ in 0..(1 + v.len() / 200) {
            let i = rng.next() as usize % v.len();
            v[i] = rng.next() as u8;
        }
        out.push(v);
    }
    // Byte-level noise inside the text's multibyte characters.
    let mut v = bytes.to_vec();
    for i in (0..v.len()).step_by(97) {
        v[i] ^= 0x80;
    }
    out.push(v);
    out
}

#[test]
fn truncated_and_mangled_corpus_files_never_panic_any_reader() {
    let mut n = 0;
    for (fi, file) in common::corpus_files().into_iter().enumerate() {
        let bytes = std::fs::read(&file).unwrap();
        for (vi, v) in variants(&bytes, fi as u64).into_iter().enumerate() {
            for format in Format::READABLE {
                let r = std::panic::catch_unwind(|| ogi_report::read_as(&v, format).err().map(|e| e.to_string()));
                assert!(r.is_ok(), "{} variant {vi} as {format}: panic", file.display());
                // The PDF reader catches its parser's panics; one caught is a failure too.
                let said = r.unwrap_or_default().unwrap_or_default();
                assert!(
                    !said.contains(ogi_report::readers::PARSER_PANIC),
                    "{} variant {vi} as {format}: {said}",
                    file.display()
                );
                n += 1;
            }
        }
    }
    assert!(n > 500, "only {n} cases ran");
}
