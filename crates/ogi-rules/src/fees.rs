//! 信息处理费 (条例第四十二条; 国办函〔2020〕109号《政府信息公开信息处理费管理办法》).
//! Disclosure is free unless requests clearly exceed what is reasonable; then
//! the agency charges one of two ways, never both, in whole yuan.

/// 按件计收: the fee for an applicant's `n`-th request in one natural month.
/// 1st–10th free; 11th–30th 100 元 each; from the 31st, every further band of
/// 10 requests costs 100 元 more each (31st–40th 200 元, 41st–50th 300 元, …).
pub fn per_item(n: u32) -> u64 {
    match n {
        0..=10 => 0,
        11..=30 => 100,
        n => 100 * (2 + u64::from(n - 31) / 10),
    }
}

/// 按量计收: the fee for one request of `pages` pages. Pages 1–30 free;
/// 31–100 10 元 a page; 101–200 20 元 a page; from 201 on 40 元 a page. Each
/// rate applies only to the pages in its band.
pub fn per_volume(pages: u64) -> u64 {
    let band = |from: u64, to: u64| pages.min(to).saturating_sub(from);
    // Saturating: no request has 2^64 / 40 pages, but no input may overflow.
    (10 * band(30, 100) + 20 * band(100, 200)).saturating_add(pages.saturating_sub(200).saturating_mul(40))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_item_at_every_band_boundary() {
        for (n, fee) in [
            (1, 0),
            (10, 0),
            (11, 100),
            (30, 100),
            (31, 200),
            (40, 200),
            (41, 300),
            (50, 300),
            (51, 400),
            (100, 800),
            (101, 900),
        ] {
            assert_eq!(per_item(n), fee, "request {n}");
        }
    }

    #[test]
    fn per_volume_at_every_band_boundary() {
        for (p, fee) in
            [(0, 0), (1, 0), (30, 0), (31, 10), (100, 700), (101, 720), (200, 2700), (201, 2740), (300, 6700)]
        {
            assert_eq!(per_volume(p), fee, "{p} pages");
        }
        assert_eq!(per_volume(u64::MAX), u64::MAX);
    }
}
