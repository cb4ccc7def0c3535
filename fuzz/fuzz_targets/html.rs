//! Any bytes through the html reader: an error is fine, a panic is a bug.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ogi_report::read_as(data, ogi_report::Format::Html);
});
