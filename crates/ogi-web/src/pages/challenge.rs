//! The public form's check that a person is filling it in, made by the
//! server with no outside service (intranets are offline): a small sum in
//! words and in digits, readable by a screen reader as it is (no image to
//! describe). Its answer travels signed (HMAC-SHA256 with a key of this
//! process) and expires; each challenge is accepted once.
//!
//! It stops scripts that post the form blindly, not a determined bot: the
//! per-address and per-ID limits of the portal do the rest.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use sha2::Sha256;

/// How long a challenge stays valid (a long form takes a while).
const VALID: Duration = Duration::from_secs(60 * 60);

pub struct Challenges {
    key: [u8; 32],
    used: Mutex<HashMap<String, u64>>,
}

impl Default for Challenges {
    fn default() -> Self {
        let mut key = [0u8; 32];
        OsRng.fill_bytes(&mut key);
        Challenges { key, used: Mutex::new(HashMap::new()) }
    }
}

/// A question to show and the token that goes with it in the form.
pub struct Challenge {
    /// "七加五等于几？"
    pub words: String,
    /// "7 + 5 = ?"
    pub digits: String,
    pub token: String,
}

const NUMBERS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl Challenges {
    fn hmac(&self, payload: &str) -> Hmac<Sha256> {
        let mut m = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes a key of any length");
        m.update(payload.as_bytes());
        m
    }

    fn mac(&self, payload: &str) -> String {
        self.hmac(payload).finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn new_challenge(&self) -> Challenge {
        let mut r = [0u8; 12];
        OsRng.fill_bytes(&mut r);
        let (a, b) = (1 + r[0] % 9, 1 + r[1] % 9);
        let (words, digits, answer) = if r[2] % 2 == 0 || a < b {
            (format!("{}加{}等于几？", NUMBERS[a as usize], NUMBERS[b as usize]), format!("{a} + {b} = ?"), a + b)
        } else {
            (format!("{}减{}等于几？", NUMBERS[a as usize], NUMBERS[b as usize]), format!("{a} − {b} = ?"), a - b)
        };
        let nonce: String = r[3..].iter().map(|b| format!("{b:02x}")).collect();
        let expires = now() + VALID.as_secs();
        let mac = self.mac(&format!("{expires}.{nonce}.{answer}"));
        Challenge { words, digits, token: format!("{expires}.{nonce}.{mac}") }
    }

    /// Whether `answer` solves the challenge `token` (once: a solved token is spent).
    pub fn solved(&self, token: &str, answer: &str) -> Result<(), &'static str> {
        let answer: u8 = answer.trim().parse().map_err(|_| "请填写计算结果（阿拉伯数字）")?;
        let mut parts = token.split('.');
        let (Some(expires), Some(nonce), Some(mac), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err("验证已失效，请重新计算下面的题目");
        };
        let expires: u64 = expires.parse().map_err(|_| "验证已失效，请重新计算下面的题目")?;
        if expires < now() {
            return Err("验证已过期，请重新计算下面的题目");
        }
        let given: Option<Vec<u8>> = (0..mac.len() / 2)
            .map(|i| mac.get(2 * i..2 * i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
            .collect();
        // Compared in constant time by the hmac crate.
        let right = given.is_some_and(|g| self.hmac(&format!("{expires}.{nonce}.{answer}")).verify_slice(&g).is_ok());
        if !right {
            return Err("计算结果不正确，请重新计算");
        }
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        let t = now();
        used.retain(|_, e| *e >= t);
        if used.insert(nonce.to_string(), expires).is_some() {
            return Err("验证已使用过，请重新计算下面的题目");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(c: &Challenge) -> u8 {
        let d: Vec<&str> = c.digits.split(' ').collect();
        let (a, b): (u8, u8) = (d[0].parse().unwrap(), d[2].parse().unwrap());
        if d[1] == "+" {
            a + b
        } else {
            a - b
        }
    }

    #[test]
    fn a_challenge_is_solved_once_and_only_by_its_answer() {
        let cs = Challenges::default();
        let c = cs.new_challenge();
        let right = answer(&c);
        assert_eq!(cs.solved(&c.token, &(right + 1).to_string()), Err("计算结果不正确，请重新计算"));
        assert_eq!(cs.solved(&c.token, &right.to_string()), Ok(()));
        assert_eq!(cs.solved(&c.token, &right.to_string()), Err("验证已使用过，请重新计算下面的题目"));
        // Another process's token (another key) is refused.
        let other = Challenges::default().new_challenge();
        assert_eq!(cs.solved(&other.token, &answer(&other).to_string()), Err("计算结果不正确，请重新计算"));
        assert!(cs.solved("garbage", "3").is_err());
        assert!(c.words.ends_with("等于几？"));
    }
}
