//! Hand-written matchers for the few patterns the extractor searches prose
//! with: the title, the year the text names, the end of table 四 and the
//! figures prose states. Each replaces a regex whose construction cost
//! 0.2–0.5 ms of every `ogi report parse` (a whole process is ~2 ms); each
//! gives what its regex gave, match for match — the tests below run both
//! over many generated strings. The pattern each replaces is quoted above it.

/// The code point ranges of Unicode's Decimal_Number (`\d` of the regex
/// crate, Unicode 16, copied from regex-syntax's table; a test checks every
/// char against `\d`).
const DECIMAL_NUMBER: &[(u32, u32)] = &[
    (0x30, 0x39),
    (0x660, 0x669),
    (0x6F0, 0x6F9),
    (0x7C0, 0x7C9),
    (0x966, 0x96F),
    (0x9E6, 0x9EF),
    (0xA66, 0xA6F),
    (0xAE6, 0xAEF),
    (0xB66, 0xB6F),
    (0xBE6, 0xBEF),
    (0xC66, 0xC6F),
    (0xCE6, 0xCEF),
    (0xD66, 0xD6F),
    (0xDE6, 0xDEF),
    (0xE50, 0xE59),
    (0xED0, 0xED9),
    (0xF20, 0xF29),
    (0x1040, 0x1049),
    (0x1090, 0x1099),
    (0x17E0, 0x17E9),
    (0x1810, 0x1819),
    (0x1946, 0x194F),
    (0x19D0, 0x19D9),
    (0x1A80, 0x1A89),
    (0x1A90, 0x1A99),
    (0x1B50, 0x1B59),
    (0x1BB0, 0x1BB9),
    (0x1C40, 0x1C49),
    (0x1C50, 0x1C59),
    (0xA620, 0xA629),
    (0xA8D0, 0xA8D9),
    (0xA900, 0xA909),
    (0xA9D0, 0xA9D9),
    (0xA9F0, 0xA9F9),
    (0xAA50, 0xAA59),
    (0xABF0, 0xABF9),
    (0xFF10, 0xFF19),
    (0x104A0, 0x104A9),
    (0x10D30, 0x10D39),
    (0x10D40, 0x10D49),
    (0x11066, 0x1106F),
    (0x110F0, 0x110F9),
    (0x11136, 0x1113F),
    (0x111D0, 0x111D9),
    (0x112F0, 0x112F9),
    (0x11450, 0x11459),
    (0x114D0, 0x114D9),
    (0x11650, 0x11659),
    (0x116C0, 0x116C9),
    (0x116D0, 0x116E3),
    (0x11730, 0x11739),
    (0x118E0, 0x118E9),
    (0x11950, 0x11959),
    (0x11BF0, 0x11BF9),
    (0x11C50, 0x11C59),
    (0x11D50, 0x11D59),
    (0x11DA0, 0x11DA9),
    (0x11F50, 0x11F59),
    (0x16130, 0x16139),
    (0x16A60, 0x16A69),
    (0x16AC0, 0x16AC9),
    (0x16B50, 0x16B59),
    (0x16D70, 0x16D79),
    (0x1CCF0, 0x1CCF9),
    (0x1D7CE, 0x1D7FF),
    (0x1E140, 0x1E149),
    (0x1E2F0, 0x1E2F9),
    (0x1E4F0, 0x1E4F9),
    (0x1E5F1, 0x1E5FA),
    (0x1E950, 0x1E959),
    (0x1FBF0, 0x1FBF9),
];

/// `\d`: a Unicode decimal digit.
pub(crate) fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    let c = c as u32;
    DECIMAL_NUMBER
        .binary_search_by(|&(a, b)| {
            if b < c {
                std::cmp::Ordering::Less
            } else if a > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// `hay.find(c)`. For a char of two to four bytes (every Chinese one), the
/// standard search finds each place of its last byte, common in Chinese
/// text, and calls `memcmp` there; this one compares the other bytes in place.
pub(crate) fn find_char(hay: &str, c: char) -> Option<usize> {
    let mut buf = [0; 4];
    let enc = c.encode_utf8(&mut buf).as_bytes();
    let n = enc.len();
    let bytes = hay.as_bytes();
    if n == 1 {
        return memchr::memchr(enc[0], bytes);
    }
    let last = enc[n - 1];
    let mut i = n - 1;
    while let Some(off) = bytes.get(i..).and_then(|b| memchr::memchr(last, b)) {
        // The last byte at `end`, the char (if it is there) from `start`;
        // `end >= n - 1` as the search starts there.
        let end = i + off;
        let start = end + 1 - n;
        if bytes[start..end].iter().zip(enc).all(|(a, b)| a == b) {
            return Some(start);
        }
        i = end + 1;
    }
    None
}

fn char_at(s: &str, i: usize) -> Option<char> {
    s.get(i..).and_then(|t| t.chars().next())
}

/// The end of `\d` at `i`.
fn digit_at(s: &str, i: usize) -> Option<usize> {
    char_at(s, i).filter(|&c| is_digit(c)).map(|c| i + c.len_utf8())
}

/// The end of `(?:19|20)\d\d` at `i`.
fn year_at(s: &str, i: usize) -> Option<usize> {
    let rest = s.get(i..)?;
    if !rest.starts_with("19") && !rest.starts_with("20") {
        return None;
    }
    digit_at(s, i + 2).and_then(|j| digit_at(s, j))
}

/// The end of `[ \t]*` at `i`.
fn blanks(s: &str, i: usize) -> usize {
    i + s[i..].len() - s[i..].trim_start_matches([' ', '\t']).len()
}

/// The end of `lit` at `i`.
fn lit(s: &str, i: usize, lit: &str) -> Option<usize> {
    s.get(i..).filter(|t| t.starts_with(lit)).map(|_| i + lit.len())
}

/// `(?:政府信息公开|政务公开)(?:工作)?(?:年度)?(?:工作)?(?:报告|年报)` at `i`:
/// calls `f` with the end of each way it matches, in the regex's order of
/// preference, until `f` says stop (returns true). Returns whether it did.
fn tails(s: &str, i: usize, mut f: impl FnMut(usize) -> bool) -> bool {
    for head in ["政府信息公开", "政务公开"] {
        let Some(j) = lit(s, i, head) else { continue };
        for w1 in [true, false] {
            let Some(j) = (if w1 { lit(s, j, "工作") } else { Some(j) }) else { continue };
            for nd in [true, false] {
                let Some(j) = (if nd { lit(s, j, "年度") } else { Some(j) }) else { continue };
                for w2 in [true, false] {
                    let Some(j) = (if w2 { lit(s, j, "工作") } else { Some(j) }) else { continue };
                    for end in ["报告", "年报"] {
                        if let Some(j) = lit(s, j, end) {
                            if f(j) {
                                return true;
                            }
                        }
                    }
                }
            }
        }
    }
    false
}

/// The tail pattern at `i` running exactly to the end of `s`.
fn tail_to_end(s: &str, i: usize) -> bool {
    tails(s, i, |j| j == s.len())
}

/// What a title pattern captured: byte ranges of the agency and the year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TitleMatch {
    pub agency: std::ops::Range<usize>,
    pub year: std::ops::Range<usize>,
}

/// The starts a title may have after `^(?:标题:)?`, preferred first.
fn title_starts(s: &str) -> impl Iterator<Item = usize> {
    lit(s, 0, "标题:").into_iter().chain(std::iter::once(0))
}

/// The ends of `.+?` from `a`, shortest first (`.` is any char but `\n`).
fn lazy_ends(s: &str, a: usize) -> impl Iterator<Item = usize> + '_ {
    s[a..].char_indices().take_while(|&(_, c)| c != '\n').map(move |(i, c)| a + i + c.len_utf8())
}

/// The three title patterns, tried in order (`tail` is the pattern of [`tails`]):
/// 1. `^(?:标题:)?(?P<agency>.+?)(?P<year>(?:19|20)\d\d)年度?{tail}$`
/// 2. `^(?:标题:)?(?P<agency>.+?){tail}[(\[【〔]?(?P<year>(?:19|20)\d\d)年?度?[)\]】〕]?$`
/// 3. `^(?:标题:)?(?P<year>(?:19|20)\d\d)年度?(?P<agency>.+?){tail}$`
pub(crate) fn title(pattern: usize, s: &str) -> Option<TitleMatch> {
    for a in title_starts(s) {
        let found = match pattern {
            0 => lazy_ends(s, a).find_map(|e| {
                let ye = year_at(s, e)?;
                let j = lit(s, ye, "年")?;
                let ok = lit(s, j, "度").is_some_and(|k| tail_to_end(s, k)) || tail_to_end(s, j);
                ok.then_some(TitleMatch { agency: a..e, year: e..ye })
            }),
            1 => lazy_ends(s, a).find_map(|e| {
                let mut year = None;
                tails(s, e, |t| {
                    let open = char_at(s, t).filter(|c| matches!(c, '(' | '[' | '【' | '〔'));
                    let starts = open.map(|c| t + c.len_utf8()).into_iter().chain(std::iter::once(t));
                    for y in starts {
                        let Some(ye) = year_at(s, y) else { continue };
                        let mut j = ye;
                        for set in [&['年'][..], &['度'], &[')', ']', '】', '〕']] {
                            if let Some(c) = char_at(s, j).filter(|c| set.contains(c)) {
                                j += c.len_utf8();
                            }
                        }
                        if j == s.len() {
                            year = Some(y..ye);
                            return true;
                        }
                    }
                    false
                });
                year.map(|year| TitleMatch { agency: a..e, year })
            }),
            _ => {
                let Some(ye) = year_at(s, a) else { continue };
                let Some(j) = lit(s, ye, "年") else { continue };
                lit(s, j, "度").into_iter().chain(std::iter::once(j)).find_map(|g| {
                    lazy_ends(s, g).find(|&e| tail_to_end(s, e)).map(|e| TitleMatch { agency: g..e, year: a..ye })
                })
            }
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// Where table 四 ends: the first match at or after `from` of
/// `(?:#+[ \t]*)?(?:五[ \t]*、|存[ \t\n]*在[ \t\n]*的[ \t\n]*主[ \t\n]*要[ \t\n]*问[ \t\n]*题)`
/// (a Markdown heading's `#` belongs to the heading, not to table 四).
pub(crate) fn t4_end(text: &str, from: usize) -> Option<usize> {
    fn heading(s: &str, i: usize) -> bool {
        match char_at(s, i) {
            Some('五') => lit(s, blanks(s, i + '五'.len_utf8()), "、").is_some(),
            Some('存') => {
                let mut j = i + '存'.len_utf8();
                for c in ['在', '的', '主', '要', '问', '题'] {
                    j += s[j..].len() - s[j..].trim_start_matches([' ', '\t', '\n']).len();
                    match lit(s, j, c.encode_utf8(&mut [0; 4])) {
                        Some(k) => j = k,
                        None => return false,
                    }
                }
                true
            }
            _ => false,
        }
    }
    let mut at = from;
    while let Some(off) = text.get(at..)?.find(['#', '五', '存']) {
        let p = at + off;
        let ok = if text[p..].starts_with('#') {
            let hashes = p + text[p..].len() - text[p..].trim_start_matches('#').len();
            heading(text, blanks(text, hashes))
        } else {
            heading(text, p)
        };
        if ok {
            return Some(p);
        }
        at = p + char_at(text, p).map_or(1, char::len_utf8);
    }
    None
}

/// The matches of `(\d+(?:\.\d+)?)[ \t]*(?:件|条|个|项|批次|批|次|万元|元|笔)`, in
/// order: (the whole match, the number).
pub(crate) fn prose_numbers(text: &str) -> impl Iterator<Item = (std::ops::Range<usize>, std::ops::Range<usize>)> + '_ {
    fn digits(s: &str, mut i: usize) -> usize {
        while let Some(j) = digit_at(s, i) {
            i = j;
        }
        i
    }
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < text.len() {
            let c = char_at(text, at)?;
            if !is_digit(c) {
                at += c.len_utf8();
                continue;
            }
            let p = at;
            let int_end = digits(text, p);
            let num_end = match lit(text, int_end, ".").and_then(|d| digit_at(text, d).map(|_| d)) {
                Some(d) => digits(text, d),
                None => int_end,
            };
            let u = blanks(text, num_end);
            let unit =
                ["件", "条", "个", "项", "批次", "批", "次", "万元", "元", "笔"].iter().find_map(|w| lit(text, u, w));
            match unit {
                Some(end) => {
                    at = end;
                    return Some((p..end, p..num_end));
                }
                // Every start inside this run of digits reads the same number
                // to the same end: none of them matches either.
                None => at = int_end,
            }
        }
        None
    })
}

/// The year of the first match of
/// `((?:19|20)\d\d)[ \t]*年度?[^\n。，,;；]{0,40}?{tail}|{tail}[ \t]*[(\[【〔]?[ \t]*((?:19|20)\d\d)[ \t]*年`
/// (the report named with its year).
pub(crate) fn report_mention(text: &str) -> Option<&str> {
    let year_first = |p: usize| -> bool {
        let Some(ye) = year_at(text, p) else { return false };
        let Some(mut i) = lit(text, blanks(text, ye), "年") else { return false };
        // `度?` then up to 40 chars: up to 41 when the first is 度.
        let limit = if text[i..].starts_with('度') { 41 } else { 40 };
        for n in 0..=limit {
            if tails(text, i, |_| true) {
                return true;
            }
            match char_at(text, i) {
                Some(c) if n < limit && !matches!(c, '\n' | '。' | '，' | ',' | ';' | '；') => i += c.len_utf8(),
                _ => return false,
            }
        }
        false
    };
    let tail_first = |p: usize| -> Option<&str> {
        let mut year = None;
        tails(text, p, |t| {
            let i = blanks(text, t);
            let i = match char_at(text, i) {
                Some(c @ ('(' | '[' | '【' | '〔')) => i + c.len_utf8(),
                _ => i,
            };
            let y = blanks(text, i);
            let found = year_at(text, y).filter(|&ye| lit(text, blanks(text, ye), "年").is_some());
            if let Some(ye) = found {
                year = Some(&text[y..ye]);
            }
            found.is_some()
        });
        year
    };
    let mut at = 0;
    while let Some(off) = text.get(at..)?.find(['1', '2', '政']) {
        let p = at + off;
        if text[p..].starts_with('政') {
            if let Some(y) = tail_first(p) {
                return Some(y);
            }
        } else if year_first(p) {
            return Some(&text[p..year_at(text, p)?]);
        }
        at = p + char_at(text, p).map_or(1, char::len_utf8);
    }
    None
}

/// The year of the first match of
/// `统计[^。\n]{0,12}?((?:19|20)\d\d)[ \t]*年[ \t]*1[ \t]*月[ \t]*1[ \t]*日` (the statistics period).
pub(crate) fn stat_period(text: &str) -> Option<&str> {
    let rest = |y: usize| -> Option<usize> {
        let ye = year_at(text, y)?;
        let mut j = ye;
        for w in ["年", "1", "月", "1", "日"] {
            j = lit(text, blanks(text, j), w)?;
        }
        Some(ye)
    };
    let mut at = 0;
    while let Some(off) = text.get(at..)?.find("统计") {
        let p = at + off;
        let mut i = p + "统计".len();
        for n in 0..=12 {
            if let Some(ye) = rest(i) {
                return Some(&text[i..ye]);
            }
            match char_at(text, i) {
                Some(c) if n < 12 && c != '。' && c != '\n' => i += c.len_utf8(),
                _ => break,
            }
        }
        at = p + '统'.len_utf8();
    }
    None
}

/// The years of the matches of `((?:19|20)\d\d)[ \t]*年`, in order.
pub(crate) fn year_mentions(text: &str) -> impl Iterator<Item = &str> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        while let Some(off) = text.get(at..)?.find(['1', '2']) {
            let p = at + off;
            if let Some(ye) = year_at(text, p) {
                if let Some(end) = lit(text, blanks(text, ye), "年") {
                    at = end;
                    return Some(&text[p..ye]);
                }
            }
            at = p + 1;
        }
        None
    })
}

/// Whether `本(?:年度)?报告[^。\n]{0,20}?根据[^。\n]{0,20}?《中华人民共和国政府信息公开条例》`
/// matches (the text says it is a report).
pub(crate) fn legal_basis(text: &str) -> bool {
    // Whether `[^。\n]{0,20}?` then `next` matches at `i`; `then` on its end.
    fn gap(s: &str, mut i: usize, next: &str, then: &dyn Fn(usize) -> bool) -> bool {
        for n in 0..=20 {
            if lit(s, i, next).is_some_and(then) {
                return true;
            }
            match char_at(s, i) {
                Some(c) if n < 20 && c != '。' && c != '\n' => i += c.len_utf8(),
                _ => return false,
            }
        }
        false
    }
    let mut at = 0;
    while let Some(off) = text.get(at..).and_then(|t| t.find('本')) {
        let p = at + off + '本'.len_utf8();
        let q = lit(text, p, "年度").map_or(p, |q| q);
        if let Some(r) = lit(text, q, "报告").or_else(|| lit(text, p, "报告")) {
            if gap(text, r, "根据", &|j| {
                gap(text, j, "《中华人民共和国政府信息公开条例》", &|_| true)
            }) {
                return true;
            }
        }
        at = p;
    }
    false
}

#[cfg(test)]
mod tests {
    //! Each matcher against the regex it replaced, over generated strings
    //! (the patterns' own words, digits of other scripts, odd Unicode) and
    //! the corpus's text.
    use super::*;
    use regex::Regex;

    const TAIL: &str = "(?:政府信息公开|政务公开)(?:工作)?(?:年度)?(?:工作)?(?:报告|年报)";

    struct Old {
        titles: Vec<Regex>,
        t4_end: Regex,
        prose_number: Regex,
        report_mention: Regex,
        stat_period: Regex,
        year_mention: Regex,
        legal_basis: Regex,
    }

    fn old() -> Old {
        Old {
            titles: [
                format!("^(?:标题:)?(?P<agency>.+?)(?P<year>(?:19|20)\\d\\d)年度?{TAIL}$"),
                format!("^(?:标题:)?(?P<agency>.+?){TAIL}[(\\[【〔]?(?P<year>(?:19|20)\\d\\d)年?度?[)\\]】〕]?$"),
                format!("^(?:标题:)?(?P<year>(?:19|20)\\d\\d)年度?(?P<agency>.+?){TAIL}$"),
            ]
            .iter()
            .map(|p| Regex::new(p).unwrap())
            .collect(),
            t4_end: Regex::new(
                "(?:#+[ \\t]*)?(?:五[ \\t]*、|存[ \\t\\n]*在[ \\t\\n]*的[ \\t\\n]*主[ \\t\\n]*要[ \\t\\n]*问[ \\t\\n]*题)",
            )
            .unwrap(),
            prose_number: Regex::new("(\\d+(?:\\.\\d+)?)[ \\t]*(?:件|条|个|项|批次|批|次|万元|元|笔)").unwrap(),
            report_mention: Regex::new(&format!(
                "((?:19|20)\\d\\d)[ \\t]*年度?[^\\n。，,;；]{{0,40}}?{TAIL}|{TAIL}[ \\t]*[(\\[【〔]?[ \\t]*((?:19|20)\\d\\d)[ \\t]*年"
            ))
            .unwrap(),
            stat_period: Regex::new("统计[^。\\n]{0,12}?((?:19|20)\\d\\d)[ \\t]*年[ \\t]*1[ \\t]*月[ \\t]*1[ \\t]*日")
                .unwrap(),
            year_mention: Regex::new("((?:19|20)\\d\\d)[ \\t]*年").unwrap(),
            legal_basis: Regex::new(
                "本(?:年度)?报告[^。\\n]{0,20}?根据[^。\\n]{0,20}?《中华人民共和国政府信息公开条例》",
            )
            .unwrap(),
        }
    }

    /// Every matcher gives what its regex gives on `s`. Returns which of
    /// them matched (a bit each: the titles, t4 end, prose numbers, report
    /// mention, period, years, legal basis).
    fn same(old: &Old, s: &str) -> u32 {
        let mut hits = 0;
        for (k, re) in old.titles.iter().enumerate() {
            let want = re.captures(s).map(|c| TitleMatch {
                agency: c.name("agency").unwrap().range(),
                year: c.name("year").unwrap().range(),
            });
            hits |= u32::from(want.is_some()) << k;
            assert_eq!(title(k, s), want, "title pattern {k} on {s:?}");
        }
        let starts: Vec<usize> = s.char_indices().map(|(i, _)| i).chain([s.len()]).collect();
        for &from in starts.iter().step_by(starts.len() / 3 + 1) {
            let want = old.t4_end.find_at(s, from).map(|m| m.start());
            hits |= u32::from(want.is_some()) << 3;
            assert_eq!(t4_end(s, from), want, "t4 end from {from} in {s:?}");
        }
        let want: Vec<_> =
            old.prose_number.captures_iter(s).map(|c| (c.get(0).unwrap().range(), c.get(1).unwrap().range())).collect();
        hits |= u32::from(!want.is_empty()) << 4;
        assert_eq!(prose_numbers(s).collect::<Vec<_>>(), want, "prose numbers in {s:?}");
        let want = old.report_mention.captures(s).map(|c| c.get(1).or_else(|| c.get(2)).unwrap().as_str());
        hits |= u32::from(want.is_some()) << 5;
        assert_eq!(report_mention(s), want, "report mention in {s:?}");
        let want = old.stat_period.captures(s).map(|c| c.get(1).unwrap().as_str());
        hits |= u32::from(want.is_some()) << 6;
        assert_eq!(stat_period(s), want, "period in {s:?}");
        let want: Vec<&str> = old.year_mention.captures_iter(s).map(|c| c.get(1).unwrap().as_str()).collect();
        hits |= u32::from(!want.is_empty()) << 7;
        assert_eq!(year_mentions(s).collect::<Vec<_>>(), want, "years in {s:?}");
        let want = old.legal_basis.is_match(s);
        hits |= u32::from(want) << 8;
        assert_eq!(legal_basis(s), want, "legal basis in {s:?}");
        hits
    }

    #[test]
    fn find_char_finds_what_str_find_finds() {
        let mut rng = Rng(7);
        let chars = ['本', '年', 'a', '\n', 'é', '😀', '\u{80}', '报', '告', '苯', '\u{0}'];
        for _ in 0..20_000 {
            let s: String = (0..rng.below(30)).map(|_| chars[rng.below(chars.len())]).collect();
            for c in chars {
                assert_eq!(find_char(&s, c), s.find(c), "{c:?} in {s:?}");
            }
        }
    }

    #[test]
    fn digits_are_what_the_regex_calls_digits() {
        let re = Regex::new("^\\d$").unwrap();
        let mut buf = [0; 4];
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            assert_eq!(is_digit(c), re.is_match(c.encode_utf8(&mut buf)), "{c:?} U+{:04X}", c as u32);
        }
    }

    /// The pieces generated strings are made of: the patterns' words and
    /// chars, near misses, digits of other scripts, odd Unicode.
    const WORDS: &[&str] = &[
        "标题:",
        "标题",
        ":",
        "政府信息公开",
        "政务公开",
        "政府信息",
        "公开",
        "工作",
        "年度",
        "报告",
        "年报",
        "年",
        "度",
        "2023",
        "2019",
        "1999",
        "20",
        "19",
        "2",
        "0",
        "1",
        "9",
        "12",
        "3.5",
        ".",
        "٢٠٢٣",
        "٣",
        "२",
        "０",
        "１",
        "𝟘",
        "𝟚",
        "(",
        "[",
        "【",
        "〔",
        ")",
        "]",
        "】",
        "〕",
        "（",
        " ",
        "\t",
        "\n",
        "。",
        "，",
        ",",
        ";",
        "；",
        "、",
        "五",
        "五 、",
        "存",
        "在",
        "的",
        "主",
        "要",
        "问",
        "题",
        "存在的主要问题",
        "存 在\n的主要问题",
        "#",
        "## ",
        "件",
        "条",
        "个",
        "项",
        "批次",
        "批",
        "次",
        "万元",
        "元",
        "笔",
        "统计",
        "统计期限自",
        "月",
        "日",
        "1月1日",
        "本",
        "本年度报告",
        "本报告",
        "根据",
        "《中华人民共和国政府信息公开条例》",
        "《条例》",
        "某某局",
        "市",
        "局",
        "关于",
        "é",
        "e\u{301}",
        "\u{200b}",
        "\u{feff}",
        "😀",
        "\u{0}",
        "a",
        "Z",
    ];

    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((self.0 >> 33) % n as u64) as usize
        }
    }

    /// A string after a pattern's shape (so that matches are common), or of
    /// words at random, with a few words changed.
    fn generate(rng: &mut Rng) -> String {
        let tail = |rng: &mut Rng| {
            let mut t = String::from(["政府信息公开", "政务公开"][rng.below(2)]);
            for w in ["工作", "年度", "工作"] {
                if rng.below(2) == 0 {
                    t.push_str(w);
                }
            }
            t + ["报告", "年报"][rng.below(2)]
        };
        let year = |rng: &mut Rng| ["2023", "1999", "2021", "20٢٣", "1800", "2020 "][rng.below(6)].to_string();
        let agency =
            |rng: &mut Rng| ["某某局", "市", "宝坻区大钟庄镇", "某2023局", "关于某局", "x"][rng.below(6)].to_string();
        let opt = |rng: &mut Rng, s: &str| if rng.below(2) == 0 { s.to_string() } else { String::new() };
        let mut parts: Vec<String> = match rng.below(9) {
            0 => vec![opt(rng, "标题:"), agency(rng), year(rng), "年".into(), opt(rng, "度"), tail(rng)],
            1 => vec![
                opt(rng, "标题:"),
                agency(rng),
                tail(rng),
                opt(rng, "("),
                year(rng),
                opt(rng, "年"),
                opt(rng, "度"),
                opt(rng, ")"),
            ],
            2 => vec![opt(rng, "标题:"), year(rng), "年".into(), opt(rng, "度"), agency(rng), tail(rng)],
            3 => vec![opt(rng, "## "), ["五 、", "存 在的\n主要问题", "五\t、"][rng.below(3)].into()],
            4 => vec![
                agency(rng),
                "2".into(),
                "3".into(),
                opt(rng, ".5"),
                opt(rng, " "),
                ["件", "批次", "批", "万元", "元", "次", "笔", "张"][rng.below(8)].into(),
            ],
            5 => vec![year(rng), "年".into(), opt(rng, "度"), agency(rng), tail(rng), opt(rng, "(2022年")],
            6 => vec!["统计".into(), agency(rng), year(rng), " 年 1 月".into(), opt(rng, " 1"), "日".into()],
            7 => vec![
                "本".into(),
                opt(rng, "年度"),
                "报告".into(),
                agency(rng),
                "根据".into(),
                agency(rng),
                "《中华人民共和国政府信息公开条例》".into(),
            ],
            _ => (0..rng.below(24)).map(|_| WORDS[rng.below(WORDS.len())].to_string()).collect(),
        };
        for _ in 0..rng.below(3) {
            let at = rng.below(parts.len() + 1);
            let w = WORDS[rng.below(WORDS.len())].to_string();
            match rng.below(3) {
                0 if at < parts.len() => parts[at] = w,
                1 if at < parts.len() => {
                    parts.remove(at);
                }
                _ => parts.insert(at, w),
            }
        }
        // Repeat the whole at times: later matches, long gaps.
        let s = parts.concat();
        if rng.below(6) == 0 {
            format!("{s}{}{s}", WORDS[rng.below(WORDS.len())])
        } else {
            s
        }
    }

    #[test]
    fn matchers_find_what_their_regexes_found() {
        let old = old();
        let mut rng = Rng(20231);
        let mut matched = [0; 9];
        for _ in 0..60_000 {
            let hits = same(&old, &generate(&mut rng));
            for (i, m) in matched.iter_mut().enumerate() {
                *m += hits >> i & 1;
            }
        }
        // The strings are near enough to the patterns to match them often.
        assert!(matched.iter().all(|&m| m >= 1000), "matches per pattern: {matched:?}");
        // Long gaps: just inside and just outside the patterns' bounds.
        for n in [11, 12, 13, 19, 20, 21, 39, 40, 41, 42] {
            let gap = "某".repeat(n);
            for s in [
                format!("统计{gap}2023年1月1日"),
                format!("2023年{gap}政府信息公开工作年度报告"),
                format!("2023年度{gap}政府信息公开工作年度报告"),
                format!("本报告{gap}根据《中华人民共和国政府信息公开条例》"),
                format!("本报告根据{gap}《中华人民共和国政府信息公开条例》"),
                format!("本年度报告{gap}根据{gap}《中华人民共和国政府信息公开条例》"),
            ] {
                same(&old, &s);
            }
        }
    }

    #[test]
    fn matchers_find_what_their_regexes_found_in_the_corpus() {
        let dir = std::env::var("OGI_CORPUS")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
        let mut stack = vec![dir.clone()];
        let old = old();
        let mut compared = 0;
        while let Some(d) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&d) else { continue };
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if let Ok(text) = std::fs::read_to_string(&p) {
                    compared += 1;
                    same(&old, &text);
                    for line in text.lines().take(80) {
                        same(&old, &line.chars().filter(|c| !c.is_whitespace()).collect::<String>());
                    }
                }
            }
        }
        assert!(compared > 0, "no corpus text under {}", dir.display());
    }
}
