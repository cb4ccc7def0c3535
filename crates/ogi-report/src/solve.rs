//! Assigning printed numbers to cells when the printing does not say which
//! number is which cell: digits glued together (`713000074` for seven cells),
//! blank cells dropped (`3 3` for seven cells).
//!
//! Every way to read the tokens into the cells is a *reading*. A cell is read
//! only when it has the same value in every admissible reading:
//! 1. if the tokens admit exactly one reading, that is what was printed,
//!    consistent or not (the checker judges it);
//! 2. otherwise only readings that satisfy the template's identities (row
//!    sums, group totals) are admissible; cells on which they disagree are
//!    left out. A missing cell is a finding; a wrong one is a silent lie.

use crate::model::Number;

/// A number-like token as printed: optional sign, digits, optional decimals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub negative: bool,
    pub digits: String,
    pub frac: Option<String>,
    /// A cell printed as `-`, `—`, `/` or `无`: value 0, never split.
    pub blank_mark: bool,
    /// Byte span in the normalized text, for provenance.
    pub span: (usize, usize),
}

/// What a cell accepts.
#[derive(Debug, Clone, Copy)]
pub struct Slot {
    pub negative_ok: bool,
    pub decimal_ok: bool,
}

/// `cells[total] == Σ cells[parts]`.
#[derive(Debug, Clone)]
pub struct Identity {
    pub total: usize,
    pub parts: Vec<usize>,
}

/// One cell's reading: the value and the token (and digit span) it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Read {
    pub value: Number,
    /// Index of the token, or `None` for a blank cell that vanished.
    pub token: Option<usize>,
    /// Byte range within the token's digits (for provenance of a split).
    pub digits: (usize, usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every cell, certain.
    Unique { cells: Vec<Read>, by_identity: bool },
    /// Some cells certain (`Some`), the others ambiguous (`None`).
    Partial {
        cells: Vec<Option<Read>>,
        readings: usize,
        /// Every admissible reading (empty when there were too many to list).
        candidates: Vec<Vec<Read>>,
    },
    /// No reading fits the cells (too many numbers, say).
    NoReading,
    /// The tokens fit the cells, but no reading satisfies the identities: the
    /// printing is wrong whichever cell each digit belongs to.
    Inconsistent,
}

/// Work bound: beyond this many search steps the row is called ambiguous.
const MAX_STEPS: usize = 400_000;
/// Most decimals a glued number may have: 12 integer digits and 24 decimals
/// still sum exactly in an i128.
const MAX_FRACTION: u32 = 24;
/// Longest digit run one count cell may take.
const MAX_DIGITS: usize = 12;

struct Search<'a> {
    tokens: &'a [Token],
    /// Per token index: the digits printed in the tokens after it.
    digits_after: Vec<usize>,
    slots: &'a [Slot],
    identities: &'a [Identity],
    /// For each cell, the identities whose last cell it is (checked once it is filled).
    complete_at: Vec<Vec<usize>>,
    /// Values are compared as integers of 10^-scale (the most decimals printed).
    scale: u32,
    /// The values of `cur`, in units of 10^-scale.
    units: Vec<i128>,
    /// Whether a cell may have vanished (blank dropped by the printing).
    allow_vanished: bool,
    check_identities: bool,
    steps: usize,
    found: Vec<Vec<Read>>,
    limit: usize,
    aborted: bool,
}

impl<'a> Search<'a> {
    fn new(tokens: &'a [Token], slots: &'a [Slot], identities: &'a [Identity], allow_vanished: bool) -> Self {
        let mut complete_at = vec![Vec::new(); slots.len()];
        for (i, id) in identities.iter().enumerate() {
            let last = id.parts.iter().copied().chain([id.total]).max().unwrap_or(0);
            if let Some(v) = complete_at.get_mut(last) {
                v.push(i);
            }
        }
        let scale =
            tokens.iter().filter_map(|t| t.frac.as_ref()).map(|f| f.len() as u32).max().unwrap_or(0).min(MAX_FRACTION);
        // Digits in the tokens after each token (one entry per token, plus the end).
        let mut digits_after = vec![0; tokens.len() + 1];
        for i in (0..tokens.len()).rev() {
            digits_after[i] = digits_after[i + 1] + if tokens[i].blank_mark { 0 } else { tokens[i].digits.len() };
        }
        // Indexed by the current token: the digits of the tokens after it.
        let digits_after: Vec<usize> =
            (0..=tokens.len()).map(|i| digits_after.get(i + 1).copied().unwrap_or(0)).collect();
        Search {
            digits_after,
            tokens,
            slots,
            identities,
            complete_at,
            scale,
            units: Vec::with_capacity(slots.len()),
            allow_vanished,
            check_identities: false,
            steps: 0,
            found: Vec::new(),
            limit: 10_000,
            aborted: false,
        }
    }

    fn push(&mut self, cur: &mut Vec<Read>, read: Read, units: i128) {
        cur.push(read);
        self.units.push(units);
    }

    fn pop(&mut self, cur: &mut Vec<Read>) {
        cur.pop();
        self.units.pop();
    }

    /// Tokens `t..`, token `t` consumed up to digit `d`; cells `c..` to fill.
    fn go(&mut self, cur: &mut Vec<Read>, t: usize, d: usize) {
        self.steps += 1;
        if self.steps > MAX_STEPS || self.found.len() > self.limit {
            self.aborted = true;
            return;
        }
        let c = cur.len();
        if self.check_identities && c > 0 && !self.identities_hold(c - 1) {
            return;
        }
        if c == self.slots.len() {
            if t == self.tokens.len() {
                self.found.push(cur.clone());
            }
            return;
        }
        if self.check_identities && !self.totals_fit(c, t, d) {
            return;
        }
        let cells_left = self.slots.len() - c;
        // Each remaining token needs at least one cell.
        let tokens_left = self.tokens.len() - t;
        if tokens_left > cells_left {
            return;
        }
        let slot = self.slots[c];
        // The cell vanished (printed blank, dropped by the printing).
        if self.allow_vanished && d == 0 && tokens_left < cells_left {
            self.push(cur, Read { value: Number::ZERO, token: None, digits: (0, 0) }, 0);
            self.go(cur, t, d);
            self.pop(cur);
        }
        if t == self.tokens.len() {
            return;
        }
        let tok = &self.tokens[t];
        if tok.blank_mark {
            self.push(cur, Read { value: Number::ZERO, token: Some(t), digits: (0, 0) }, 0);
            self.go(cur, t + 1, 0);
            self.pop(cur);
            return;
        }
        let rest = &tok.digits.as_bytes()[d..];
        if rest.is_empty() {
            return;
        }
        let negative = tok.negative && d == 0;
        if negative && !slot.negative_ok {
            return;
        }
        let pow = 10i128.pow(self.scale);
        // A total whose parts are all filled has one possible value: try only
        // the digit run that prints it.
        let (mut from_len, mut to_len) = (1, rest.len().min(MAX_DIGITS));
        if self.check_identities && self.scale == 0 && !negative {
            if let Some(want) = self.forced(c) {
                let w = want.to_string();
                if want < 0 || !rest.starts_with(w.as_bytes()) || w.len() > to_len {
                    return;
                }
                (from_len, to_len) = (w.len(), w.len());
            }
        }
        let mut int: i128 = 0;
        // The leading digits of a forced run (a leading zero is refused below).
        for &b in &rest[..from_len - 1] {
            int = int * 10 + i128::from(b - b'0');
        }
        for len in from_len..=to_len {
            // "07" is not how anyone prints seven.
            if len > 1 && rest[0] == b'0' {
                break;
            }
            int = int * 10 + i128::from(rest[len - 1] - b'0');
            let last = len == rest.len();
            let frac = if last { tok.frac.as_deref() } else { None };
            if frac.is_some_and(|f| !slot.decimal_ok || f.len() > self.scale as usize) {
                continue;
            }
            let mut units = int * pow;
            if let Some(f) = frac {
                let f = f.as_bytes();
                let fv = f.iter().fold(0i128, |a, b| a * 10 + i128::from(b - b'0'));
                units += fv * 10i128.pow(self.scale - f.len() as u32);
            }
            if negative {
                units = -units;
            }
            let value = Number::from_scaled(units, self.scale as u8);
            self.push(cur, Read { value, token: Some(t), digits: (d, d + len) }, units);
            if last {
                self.go(cur, t + 1, 0);
            } else {
                self.go(cur, t, d + len);
            }
            self.pop(cur);
        }
    }

    /// A total still to come is at least the sum of its parts filled so far,
    /// so it needs at least as many digits as that sum: are they left?
    fn totals_fit(&self, c: usize, t: usize, d: usize) -> bool {
        if self.scale != 0 {
            return true;
        }
        let left = self.tokens.get(t).map_or(0, |tok| tok.digits.len().saturating_sub(d))
            + self.digits_after[t.min(self.digits_after.len() - 1)];
        // Only where no part may be negative (a later part cannot lower the sum).
        let counts = |id: &&Identity| id.parts.iter().all(|&p| !self.slots[p].negative_ok);
        self.identities.iter().filter(|id| id.total >= c).filter(counts).all(|id| {
            let s: i128 = id.parts.iter().filter(|&&p| p < c).map(|&p| self.units[p]).sum();
            s <= 0 || digits_of(s) <= left
        })
    }

    /// The value cell `c` must have: it is the total of an identity whose
    /// parts are all filled already.
    fn forced(&self, c: usize) -> Option<i128> {
        self.identities
            .iter()
            .find(|id| id.total == c && id.parts.iter().all(|&p| p < c))
            .map(|id| id.parts.iter().map(|&p| self.units[p]).sum())
    }

    /// The identities completed by filling cell `last` hold.
    fn identities_hold(&self, last: usize) -> bool {
        self.complete_at[last].iter().all(|&i| {
            let id = &self.identities[i];
            id.parts.iter().map(|&p| self.units[p]).sum::<i128>() == self.units[id.total]
        })
    }
}

fn digits_of(mut v: i128) -> usize {
    let mut n = 1;
    while v >= 10 {
        v /= 10;
        n += 1;
    }
    n
}

/// Reads `tokens` into `slots`.
///
/// `allow_vanished`: blank cells may have disappeared from the printing (text
/// formats); false when every printed cell is present (a complete row of a
/// real table).
pub fn solve(tokens: &[Token], slots: &[Slot], identities: &[Identity], allow_vanished: bool) -> Outcome {
    if tokens.is_empty() {
        return Outcome::NoReading;
    }
    let search = |check_identities: bool, limit: usize| {
        let mut s = Search::new(tokens, slots, identities, allow_vanished);
        s.check_identities = check_identities;
        s.limit = limit;
        s.go(&mut Vec::with_capacity(slots.len()), 0, 0);
        (!s.aborted).then_some(s.found)
    };
    let unknown = || Outcome::Partial { cells: vec![None; slots.len()], readings: usize::MAX, candidates: Vec::new() };
    // With identities to fall back on, the plain search only has to tell
    // "exactly one reading" from "more than one".
    let plain = search(false, if identities.is_empty() { 10_000 } else { 1 });
    match plain.as_deref() {
        Some([]) => return Outcome::NoReading,
        Some([only]) => return Outcome::Unique { cells: only.clone(), by_identity: false },
        _ => {}
    }
    if identities.is_empty() {
        // Several readings and nothing to choose between them.
        return plain.map_or_else(unknown, |r| agreement(slots.len(), r));
    }
    match search(true, 10_000) {
        None => unknown(),
        Some(mut found) => match found.len() {
            0 => Outcome::Inconsistent,
            1 => Outcome::Unique { cells: found.pop().expect("one"), by_identity: true },
            _ => agreement(slots.len(), found),
        },
    }
}

fn agreement(n: usize, readings: Vec<Vec<Read>>) -> Outcome {
    let cells = agree(n, readings.iter().map(Vec::as_slice));
    Outcome::Partial { cells, readings: readings.len(), candidates: readings }
}

/// Per cell: the reading shared by all `readings`, if they agree on the value.
pub fn agree<'a>(n: usize, mut readings: impl Iterator<Item = &'a [Read]>) -> Vec<Option<Read>> {
    let Some(first) = readings.next() else { return vec![None; n] };
    let mut cells: Vec<Option<Read>> = first.iter().copied().map(Some).collect();
    for r in readings {
        for (c, read) in cells.iter_mut().zip(r) {
            // A vanished blank and a printed zero agree on the value.
            if c.is_some_and(|have| have.value != read.value) {
                *c = None;
            }
        }
    }
    cells
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Token> {
        s.split(' ')
            .map(|t| {
                let negative = t.starts_with('-') && t.len() > 1;
                let body = t.trim_start_matches('-');
                let (digits, frac) = match body.split_once('.') {
                    Some((a, b)) => (a.to_string(), Some(b.to_string())),
                    None => (body.to_string(), None),
                };
                Token { negative, digits, frac, blank_mark: t == "-", span: (0, 0) }
            })
            .collect()
    }

    fn t3_row() -> (Vec<Slot>, Vec<Identity>) {
        (vec![Slot { negative_ok: false, decimal_ok: false }; 7], vec![Identity { total: 6, parts: (0..6).collect() }])
    }

    fn values(o: &Outcome) -> Vec<Option<String>> {
        match o {
            Outcome::Unique { cells, .. } => cells.iter().map(|r| Some(r.value.to_string())).collect(),
            Outcome::Partial { cells, .. } => cells.iter().map(|r| r.map(|r| r.value.to_string())).collect(),
            Outcome::NoReading | Outcome::Inconsistent => vec![],
        }
    }

    fn all(v: &[&str]) -> Vec<Option<String>> {
        v.iter().map(|s| Some(s.to_string())).collect()
    }

    #[test]
    fn glued_row_splits_by_its_row_sum() {
        let (slots, ids) = t3_row();
        let o = solve(&toks("713000074"), &slots, &ids, true);
        assert_eq!(values(&o), all(&["71", "3", "0", "0", "0", "0", "74"]));
        assert!(matches!(o, Outcome::Unique { by_identity: true, .. }));
        let o = solve(&toks("21710000218"), &slots, &ids, true);
        assert_eq!(values(&o), all(&["217", "1", "0", "0", "0", "0", "218"]));
    }

    #[test]
    fn separated_row_is_read_as_printed_even_if_inconsistent() {
        let (slots, ids) = t3_row();
        let o = solve(&toks("6 0 0 0 0 1 9"), &slots, &ids, true);
        assert_eq!(values(&o), all(&["6", "0", "0", "0", "0", "1", "9"]));
        assert!(matches!(o, Outcome::Unique { by_identity: false, .. }));
    }

    #[test]
    fn all_zero_row_with_a_dropped_blank_is_all_zero() {
        let (slots, ids) = t3_row();
        let o = solve(&toks("000000"), &slots, &ids, true);
        assert_eq!(values(&o), all(&["0"; 7]));
    }

    #[test]
    fn dropped_blanks_leave_only_what_is_certain() {
        let (slots, ids) = t3_row();
        // "| 3 | 3 |": the total is 3, the applicant column unknown.
        let o = solve(&toks("3 3"), &slots, &ids, true);
        let v = values(&o);
        assert_eq!(v[6], Some("3".into()));
        assert!(v[..6].iter().all(Option::is_none), "{v:?}");
    }

    #[test]
    fn glued_row_that_fits_no_identity_is_not_read() {
        let (slots, ids) = t3_row();
        // Printed 3 0 0 0 0 0 0 (total left at 0) or 30 … with a blank: which
        // is unknowable, but every split breaks the row sum.
        assert_eq!(solve(&toks("3000000"), &slots, &ids, true), Outcome::Inconsistent);
    }

    #[test]
    fn row_without_identity_keeps_only_agreeing_cells() {
        let slots = vec![Slot { negative_ok: false, decimal_ok: false }; 3];
        let v = values(&solve(&toks("8855698"), &slots, &[], false));
        assert!(v.iter().all(Option::is_none), "{v:?}");
        assert_eq!(values(&solve(&toks("000"), &slots, &[], false)), all(&["0", "0", "0"]));
        let change = vec![
            Slot { negative_ok: false, decimal_ok: false },
            Slot { negative_ok: true, decimal_ok: false },
            Slot { negative_ok: false, decimal_ok: false },
        ];
        assert_eq!(values(&solve(&toks("1 -10"), &change, &[], false)), all(&["1", "-1", "0"]));
    }

    #[test]
    fn table_four_groups_split_by_their_totals() {
        let slots = vec![Slot { negative_ok: false, decimal_ok: false }; 15];
        let ids: Vec<Identity> =
            (0..3).map(|g| Identity { total: g * 5 + 4, parts: (g * 5..g * 5 + 4).collect() }).collect();
        let o = solve(&toks("21317000001324019"), &slots, &ids, true);
        assert_eq!(values(&o), all(&["2", "1", "3", "1", "7", "0", "0", "0", "0", "0", "13", "2", "4", "0", "19"]));
    }

    #[test]
    fn too_many_numbers_is_no_reading() {
        let slots = vec![Slot { negative_ok: false, decimal_ok: false }; 2];
        assert_eq!(solve(&toks("1 2 3"), &slots, &[], true), Outcome::NoReading);
        assert_eq!(solve(&[], &slots, &[], true), Outcome::NoReading);
    }
}
