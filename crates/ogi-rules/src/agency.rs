//! Agencies: a region's government, its departments, towns and streets, as a
//! tree (any depth). Each has a code (unique in the deployment, e.g. an
//! organisation code or a short name like `gxj`), a name, a kind, a parent
//! (none for the root) and the pattern of its requests' tracking codes.

/// What an agency is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AgencyKind {
    /// 人民政府 (and its 办公室, the 主管部门 of 政府信息公开).
    Government,
    /// 政府工作部门.
    Department,
    /// 乡镇.
    Town,
    /// 街道.
    Street,
    Other,
}

impl AgencyKind {
    pub const ALL: [AgencyKind; 5] =
        [AgencyKind::Government, AgencyKind::Department, AgencyKind::Town, AgencyKind::Street, AgencyKind::Other];

    pub fn key(self) -> &'static str {
        match self {
            AgencyKind::Government => "government",
            AgencyKind::Department => "department",
            AgencyKind::Town => "town",
            AgencyKind::Street => "street",
            AgencyKind::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AgencyKind::Government => "人民政府",
            AgencyKind::Department => "部门",
            AgencyKind::Town => "乡镇",
            AgencyKind::Street => "街道",
            AgencyKind::Other => "其他",
        }
    }

    pub fn from_key(s: &str) -> Option<AgencyKind> {
        AgencyKind::ALL.into_iter().find(|k| k.key() == s.trim())
    }
}

/// The longest agency code and name.
pub const MAX_CODE: usize = 64;
pub const MAX_NAME: usize = 100;

/// An agency's code: letters, digits, `-`, `_` and `.`, at most [`MAX_CODE`].
pub fn check_code(code: &str) -> Result<(), String> {
    if code.is_empty() {
        return Err("机关代码不能为空".into());
    }
    if code.chars().count() > MAX_CODE {
        return Err(format!("机关代码不能超过 {MAX_CODE} 个字符"));
    }
    if !code.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
        return Err(format!("机关代码“{code}”只能含字母、数字、-、_、."));
    }
    Ok(())
}

pub fn check_name(name: &str) -> Result<(), String> {
    match name.trim().chars().count() {
        0 => Err("机关名称不能为空".into()),
        n if n > MAX_NAME => Err(format!("机关名称不能超过 {MAX_NAME} 个字符")),
        _ => Ok(()),
    }
}

/// The pattern of an agency's tracking codes: text with `{year}` and
/// `{seq}` (or `{seq:0N}`, zero-padded to N digits), e.g.
/// `聊工信〔{year}〕依申请{seq}号`, and optionally `{agency}` (the agency's
/// code). The root agency's default is [`CodePattern::DEFAULT`]; agencies
/// added below it get [`CodePattern::DEFAULT_BELOW`], so that codes stay
/// unique across a shared deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodePattern(String);

impl CodePattern {
    pub const DEFAULT: &'static str = "YSQ{year}-{seq:06}";
    pub const DEFAULT_BELOW: &'static str = "{agency}-YSQ{year}-{seq:06}";

    /// A pattern that names the year and the sequence number exactly once each.
    pub fn parse(s: &str) -> Result<CodePattern, String> {
        let s = s.trim();
        if s.chars().count() > MAX_NAME {
            return Err(format!("编号格式不能超过 {MAX_NAME} 个字符"));
        }
        let pattern = CodePattern(s.to_string());
        let probe = pattern.render_checked("", 2024, 7)?;
        if s.matches("{year}").count() != 1 {
            return Err("编号格式须含一次 {year}".into());
        }
        if !probe.contains('7') || pattern.seq_width().is_none() {
            return Err("编号格式须含一次 {seq} 或 {seq:06}".into());
        }
        if s.chars().any(char::is_control) {
            return Err("编号格式不能含控制字符".into());
        }
        Ok(pattern)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code of request number `seq` of `year` in the agency coded `agency`.
    pub fn render(&self, agency: &str, year: i16, seq: i64) -> String {
        self.render_checked(agency, year, seq).unwrap_or_else(|_| format!("{agency}-YSQ{year}-{seq:06}"))
    }

    /// Whether codes of this pattern name their agency (so that two agencies
    /// with the same pattern cannot give the same code).
    pub fn names_agency(&self) -> bool {
        self.0.contains("{agency}")
    }

    /// The zero-padding width of `{seq}` (0: none), if it appears once.
    fn seq_width(&self) -> Option<usize> {
        let mut found = None;
        let mut rest = self.0.as_str();
        while let Some(i) = rest.find("{seq") {
            let after = &rest[i + 4..];
            let end = after.find('}')?;
            let spec = &after[..end];
            let width = match spec {
                "" => 0,
                s => s.strip_prefix(":0").and_then(|w| w.parse::<usize>().ok()).filter(|w| (1..=12).contains(w))?,
            };
            if found.replace(width).is_some() {
                return None;
            }
            rest = &after[end + 1..];
        }
        found
    }

    fn render_checked(&self, agency: &str, year: i16, seq: i64) -> Result<String, String> {
        let width = self.seq_width().ok_or("编号格式须含一次 {seq} 或 {seq:0N}（N 为 1–12）")?;
        let mut out = String::new();
        let mut rest = self.0.as_str();
        while let Some(i) = rest.find('{') {
            out.push_str(&rest[..i]);
            let after = &rest[i..];
            let end = after.find('}').ok_or("编号格式中的 { 没有配对的 }")?;
            match &after[..=end] {
                "{year}" => out.push_str(&year.to_string()),
                "{agency}" => out.push_str(agency),
                s if s.starts_with("{seq") => out.push_str(&format!("{seq:0width$}")),
                s => {
                    return Err(format!("编号格式中的 {s} 无法识别（可用 {{year}}、{{seq}}、{{seq:06}}、{{agency}}）"))
                }
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

impl Default for CodePattern {
    fn default() -> Self {
        CodePattern(CodePattern::DEFAULT.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_render_the_year_and_the_number() {
        assert_eq!(CodePattern::default().render("root", 2024, 42), "YSQ2024-000042");
        let p = CodePattern::parse("聊工信〔{year}〕依申请{seq}号").unwrap();
        assert_eq!(p.render("gxj", 2023, 7), "聊工信〔2023〕依申请7号");
        assert_eq!(CodePattern::parse("A{year}-{seq:04}").unwrap().render("x", 2025, 12), "A2025-0012");
        let below = CodePattern::parse(CodePattern::DEFAULT_BELOW).unwrap();
        assert_eq!(below.render("lc-gxj", 2025, 3), "lc-gxj-YSQ2025-000003");
        assert!(below.names_agency() && !CodePattern::default().names_agency());
        for bad in [
            "{year}",
            "{seq}",
            "{year}{seq}{seq}",
            "{year}{year}{seq}",
            "{year}-{seq:x}",
            "{year}{nope}{seq}",
            "{year{seq}",
        ] {
            assert!(CodePattern::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn codes_and_kinds() {
        assert!(check_code("lc-gxj_1.2").is_ok());
        assert!(check_code("").is_err() && check_code("a b").is_err() && check_code("工信").is_err());
        assert_eq!(AgencyKind::from_key("street"), Some(AgencyKind::Street));
        assert_eq!(AgencyKind::from_key("bureau"), None);
    }
}
