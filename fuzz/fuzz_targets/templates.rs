//! The texts agencies edit: letter templates (validated, then rendered
//! against a sample request) and the annual report's section texts with
//! their placeholders. Any input must give a letter or an error, never a
//! panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ogi_letters::{render, validate, Context, LetterKind};
use ogi_rules::annual::{validate_text, EditableSection};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let kinds = LetterKind::all();
    let kind = kinds[data.first().map_or(0, |b| *b as usize) % kinds.len()];
    if validate(kind, text).is_ok() {
        let _ = render(kind, &Context::sample(), Some(text));
    }
    let section = EditableSection::ALL[data.len() % EditableSection::ALL.len()];
    let _ = validate_text(section, text);
});
