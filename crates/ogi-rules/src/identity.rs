//! Who an applicant is and how they follow their request: the numbers an
//! application form takes (the 18-digit 居民身份证号码 of GB 11643-1999, the
//! 统一社会信用代码 of GB 32100-2015, each with its check character), how such
//! a number is shown to anyone but the agency's staff (masked), and the
//! tracking code an applicant gets on filing online — random, at least 80
//! bits, readable aloud and typed back forgivingly.
//!
//! Pure: the random bytes of a tracking code come from the caller.
//!
//! ```
//! use ogi_rules::identity::{check_resident_id, mask, TrackingCode};
//! assert!(check_resident_id("11010519491231002X").is_ok());
//! assert_eq!(mask("11010519491231002X"), "1101**********002X");
//! let code = TrackingCode::from_bytes([0; 10]);
//! assert_eq!(code.to_string(), "0000-0000-0000-0000");
//! assert_eq!("oooo-0000-OOOO-0000".parse::<TrackingCode>(), Ok(code));
//! ```

use std::fmt;
use std::str::FromStr;

use crate::Date;

/// Why an identity number is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdError {
    /// Wrong length or characters, in Chinese.
    Form(&'static str),
    /// The check character does not match: a typo, most often.
    CheckCharacter,
    /// The birth date inside a resident ID is not a date.
    BirthDate,
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdError::Form(why) => f.write_str(why),
            IdError::CheckCharacter => f.write_str("校验位不符，请核对号码是否输错"),
            IdError::BirthDate => f.write_str("号码中的出生日期无效"),
        }
    }
}

/// Checks an 18-digit 居民身份证号码: 17 digits, a birth date that exists,
/// and the ISO 7064 MOD 11-2 check character (`0`–`9` or `X`).
pub fn check_resident_id(id: &str) -> Result<(), IdError> {
    let id = id.trim();
    let chars: Vec<char> = id.chars().collect();
    if chars.len() != 18 {
        return Err(IdError::Form("居民身份证号码应为 18 位"));
    }
    if !chars[..17].iter().all(char::is_ascii_digit) {
        return Err(IdError::Form("居民身份证号码前 17 位应为数字"));
    }
    let birth = &id[6..14];
    let date = format!("{}-{}-{}", &birth[..4], &birth[4..6], &birth[6..]);
    if date.parse::<Date>().is_err() {
        return Err(IdError::BirthDate);
    }
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    let sum: u32 = chars[..17].iter().zip(WEIGHTS).map(|(c, w)| c.to_digit(10).unwrap_or(0) * w).sum();
    match chars[17].to_ascii_uppercase() == CHECK[(sum % 11) as usize] {
        true => Ok(()),
        false => Err(IdError::CheckCharacter),
    }
}

/// The 31 characters of a 统一社会信用代码 (digits and capitals without I, O, S, V, Z).
const USCC_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Checks an 18-character 统一社会信用代码 (GB 32100-2015): its alphabet and
/// its check character (weighted sum modulo 31).
pub fn check_credit_code(code: &str) -> Result<(), IdError> {
    let code = code.trim().to_ascii_uppercase();
    let values: Option<Vec<u32>> = code.chars().map(|c| USCC_CHARS.find(c).map(|i| i as u32)).collect();
    let Some(values) = values else {
        return Err(IdError::Form("统一社会信用代码只含数字和大写字母（不含 I、O、S、V、Z）"));
    };
    if values.len() != 18 {
        return Err(IdError::Form("统一社会信用代码应为 18 位"));
    }
    const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    let sum: u32 = values[..17].iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    match values[17] == check {
        true => Ok(()),
        false => Err(IdError::CheckCharacter),
    }
}

/// An identity number as lists and the public side show it: the first four
/// and the last four characters, the rest as `*` (`3201**********1234`).
pub fn mask(id: &str) -> String {
    let chars: Vec<char> = id.trim().chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..4].iter().collect();
    out.push_str(&"*".repeat(chars.len() - 8));
    out.extend(&chars[chars.len() - 4..]);
    out
}

/// A contact as lists show it: in every run of seven or more digits (a phone
/// number) only the first three and the last four stay; an e-mail address
/// keeps its first character and its domain (`138****5678`, `l***@example.cn`).
/// The rest of the text (an address's words) is left as typed.
pub fn mask_contact(contact: &str) -> String {
    let mut out = String::with_capacity(contact.len());
    for word in contact.split_inclusive(|c: char| c.is_whitespace() || "，,;；、/".contains(c)) {
        let (body, sep) = match word.char_indices().last() {
            Some((i, c)) if c.is_whitespace() || "，,;；、/".contains(c) => (&word[..i], &word[i..]),
            _ => (word, ""),
        };
        match body.split_once('@') {
            Some((local, domain)) if !local.is_empty() && !domain.is_empty() => {
                let first: String = local.chars().take(1).collect();
                out.push_str(&format!("{first}***@{domain}"));
            }
            _ => out.push_str(&mask_digit_runs(body)),
        }
        out.push_str(sep);
    }
    out
}

/// Digit runs of seven or more (dashes inside count as digits' company):
/// first three and last four digits kept.
fn mask_digit_runs(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len()
            && (chars[i].is_ascii_digit() || (chars[i] == '-' && chars.get(i + 1).is_some_and(|c| c.is_ascii_digit())))
        {
            i += 1;
        }
        let run = &chars[start..i];
        let digits = run.iter().filter(|c| c.is_ascii_digit()).count();
        if digits < 7 {
            out.extend(run);
            continue;
        }
        let mut seen = 0;
        for &c in run {
            if c.is_ascii_digit() {
                seen += 1;
                out.push(if seen <= 3 || seen > digits - 4 { c } else { '*' });
            } else {
                out.push(c);
            }
        }
    }
    out
}

/// Crockford's base 32: no I, L, O, U, so that a code read aloud or typed
/// from paper is not mistaken.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// An online applicant's tracking code: 80 random bits as 16 characters of
/// Crockford base 32 in groups of four (`7K3M-Q9XD-2HBT-W4ZP`). It cannot be
/// guessed; it is the applicant's only key to their request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrackingCode([u8; 10]);

impl TrackingCode {
    /// The code of 10 random bytes (from the operating system's generator).
    pub fn from_bytes(bytes: [u8; 10]) -> TrackingCode {
        TrackingCode(bytes)
    }
}

impl fmt::Display for TrackingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bits = self.0.iter().fold(0u128, |acc, b| (acc << 8) | u128::from(*b));
        for i in 0..16 {
            if i > 0 && i % 4 == 0 {
                f.write_str("-")?;
            }
            let digit = (bits >> (75 - 5 * i)) & 31;
            write!(f, "{}", CROCKFORD[digit as usize] as char)?;
        }
        Ok(())
    }
}

impl FromStr for TrackingCode {
    type Err = &'static str;

    /// Forgiving as Crockford's alphabet is: any case, `O` for `0`, `I`/`L`
    /// for `1`, and hyphens and spaces anywhere.
    fn from_str(s: &str) -> Result<TrackingCode, &'static str> {
        let mut bits = 0u128;
        let mut n = 0;
        for c in s.chars().filter(|c| !matches!(c, '-' | ' ')) {
            let c = match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            let v = CROCKFORD.iter().position(|x| *x as char == c).ok_or("查询码含有无效字符")?;
            bits = (bits << 5) | v as u128;
            n += 1;
            if n > 16 {
                return Err("查询码应为 16 位");
            }
        }
        if n != 16 {
            return Err("查询码应为 16 位");
        }
        let mut bytes = [0u8; 10];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = (bits >> (72 - 8 * i)) as u8;
        }
        Ok(TrackingCode(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resident_ids_are_checked_to_the_last_character() {
        // The standard's own example, and one with a digit check character.
        assert_eq!(check_resident_id("11010519491231002X"), Ok(()));
        assert_eq!(check_resident_id("11010519491231002x"), Ok(()));
        assert_eq!(check_resident_id("440524188001010014"), Ok(()));
        assert_eq!(check_resident_id("110105194912310021"), Err(IdError::CheckCharacter));
        assert_eq!(check_resident_id("110105194902300021"), Err(IdError::BirthDate));
        assert!(matches!(check_resident_id("1101051949123100"), Err(IdError::Form(_))));
        assert!(matches!(check_resident_id("11010519491231００2X"), Err(IdError::Form(_))));
        // Every single-digit typo is caught (MOD 11-2 catches them all).
        let good = "11010519491231002X";
        for i in 0..17 {
            for d in '0'..='9' {
                let mut typo: Vec<char> = good.chars().collect();
                if typo[i] == d {
                    continue;
                }
                typo[i] = d;
                let typo: String = typo.into_iter().collect();
                assert!(check_resident_id(&typo).is_err(), "{typo}");
            }
        }
    }

    #[test]
    fn credit_codes_are_checked_to_the_last_character() {
        // Published codes of real organizations.
        for ok in ["91350100M000100Y43", "911100001000079554"] {
            assert_eq!(check_credit_code(ok), Ok(()), "{ok}");
        }
        assert_eq!(check_credit_code("91350100M000100Y44"), Err(IdError::CheckCharacter));
        assert!(matches!(check_credit_code("91350100M000100Y4"), Err(IdError::Form(_))));
        assert!(matches!(check_credit_code("91350100M000100YO3"), Err(IdError::Form(_))));
    }

    #[test]
    fn contacts_keep_a_phones_ends_and_a_mails_domain() {
        assert_eq!(mask_contact("13800135678"), "138****5678");
        assert_eq!(mask_contact("0635-1234567"), "063*-***4567");
        assert_eq!(mask_contact("电话 13800135678，邮箱 lisi@example.cn"), "电话 138****5678，邮箱 l***@example.cn");
        // Short numbers (a house number, a postcode-free address) stay.
        assert_eq!(mask_contact("某路 1 号 305 室"), "某路 1 号 305 室");
        assert_eq!(mask_contact(""), "");
    }

    #[test]
    fn masks_keep_four_and_four() {
        assert_eq!(mask("320102199001011234"), "3201**********1234");
        assert_eq!(mask("1234567"), "*******");
    }

    #[test]
    fn tracking_codes_round_trip_and_forgive_typing() {
        for seed in 0u8..=255 {
            let bytes: [u8; 10] =
                std::array::from_fn(|i| seed.wrapping_mul(31).wrapping_add((i as u8).wrapping_mul(97)));
            let code = TrackingCode::from_bytes(bytes);
            let text = code.to_string();
            assert_eq!(text.len(), 19);
            assert_eq!(text.parse::<TrackingCode>(), Ok(code));
            assert_eq!(text.to_lowercase().replace('-', " ").parse::<TrackingCode>(), Ok(code));
        }
        let max = TrackingCode::from_bytes([255; 10]);
        assert_eq!(max.to_string(), "ZZZZ-ZZZZ-ZZZZ-ZZZZ");
        assert_eq!("ZZZZ-ZZZZ-ZZZZ-ZZZU".parse::<TrackingCode>(), Err("查询码含有无效字符"));
        assert_eq!("ZZZZ-ZZZZ-ZZZZ".parse::<TrackingCode>(), Err("查询码应为 16 位"));
        assert_eq!("ZZZZ-ZZZZ-ZZZZ-ZZZZ-Z".parse::<TrackingCode>(), Err("查询码应为 16 位"));
    }
}
