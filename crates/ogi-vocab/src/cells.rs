//! Cell keys: one stable name for every number of tables 二, 三 and 四
//! (the contract of `shared/spec/report-cells.md`).
//!
//! Keys are typed. Table 三's rows are exactly the outcomes a request can end
//! in and its columns exactly the applicant kinds, so the case register and
//! the report share these types.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Which national template a report follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Template {
    /// 国办公开办函〔2019〕60号 (reports for 2019 and 2020, and some later).
    Y2019,
    /// 国办公开办函〔2021〕30号 (reports from 2021 on).
    Y2021,
}

impl Template {
    pub fn as_str(self) -> &'static str {
        match self {
            Template::Y2019 => "2019",
            Template::Y2021 => "2021",
        }
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Template {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "2019" => Ok(Template::Y2019),
            "2021" => Ok(Template::Y2021),
            _ => Err(format!("unknown template {s:?} (expected 2019 or 2021)")),
        }
    }
}

impl Serialize for Template {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Template {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Declares a field-less enum with its key segment and its Chinese label.
macro_rules! keyed_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $key:literal / $zh:literal,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($(#[$vm])* $var,)* }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$var,)*];
            /// The key segment, e.g. `natural`.
            pub fn key(self) -> &'static str { match self { $($name::$var => $key,)* } }
            /// The label as the template prints it.
            pub fn label(self) -> &'static str { match self { $($name::$var => $zh,)* } }
            pub fn from_key(s: &str) -> Option<Self> { match s { $($key => Some($name::$var),)* _ => None } }
        }
    };
}

keyed_enum! {
    /// 申请人情况: the columns of table 三.
    ApplicantColumn {
        Natural = "natural" / "自然人",
        Commercial = "commercial" / "商业企业",
        Research = "research" / "科研机构",
        Nonprofit = "nonprofit" / "社会公益组织",
        LegalService = "legal_service" / "法律服务机构",
        OtherOrg = "other_org" / "其他",
        Total = "total" / "总计",
    }
}

impl ApplicantColumn {
    /// The six applicant kinds, without the 总计 column.
    pub const KINDS: [ApplicantColumn; 6] = [
        ApplicantColumn::Natural,
        ApplicantColumn::Commercial,
        ApplicantColumn::Research,
        ApplicantColumn::Nonprofit,
        ApplicantColumn::LegalService,
        ApplicantColumn::OtherOrg,
    ];
}

keyed_enum! {
    /// 三、（三）不予公开: why information was withheld (条例第十四、十五、十六条).
    DenialReason {
        StateSecret = "state_secret" / "属于国家秘密",
        ProhibitedByLaw = "prohibited_by_law" / "其他法律行政法规禁止公开",
        SafetyStability = "safety_stability" / "危及“三安全一稳定”",
        ThirdPartyRights = "third_party_rights" / "保护第三方合法权益",
        InternalAffairs = "internal_affairs" / "属于三类内部事务信息",
        ProcessInfo = "process_info" / "属于四类过程性信息",
        EnforcementFile = "enforcement_file" / "属于行政执法案卷",
        AdminQuery = "admin_query" / "属于行政查询事项",
    }
}

keyed_enum! {
    /// 三、（四）无法提供.
    UnavailableReason {
        NotHeld = "not_held" / "本机关不掌握相关政府信息",
        NeedsCreation = "needs_creation" / "没有现成信息需要另行制作",
        StillUnclear = "still_unclear" / "补正后申请内容仍不明确",
    }
}

keyed_enum! {
    /// 三、（五）不予处理.
    NotProcessedReason {
        Petition = "petition" / "信访举报投诉类申请",
        Duplicate = "duplicate" / "重复申请",
        Publication = "publication" / "要求提供公开出版物",
        Excessive = "excessive" / "无正当理由大量反复申请",
        Confirmation = "confirmation" / "要求行政机关确认或重新出具已获取信息",
    }
}

keyed_enum! {
    /// 三、（六）其他处理, 2021 template.
    OtherReason {
        OverdueCorrection = "overdue_correction" / "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        OverdueFee = "overdue_fee" / "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        Other = "other" / "其他",
    }
}

/// How a request ended: one outcome row of table 三.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// （一）予以公开.
    Granted,
    /// （二）部分公开 (counted here only, never also elsewhere).
    Partial,
    Denied(DenialReason),
    Unavailable(UnavailableReason),
    NotProcessed(NotProcessedReason),
    /// （六）其他处理 with its three sub-rows (2021 template).
    Other(OtherReason),
    /// （六）其他处理 printed as a single row (2019 template, and 2021-template
    /// reports that kept the old row).
    OtherUnsplit,
}

/// A row of table 三.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum T3Row {
    /// 一、本年新收政府信息公开申请数量.
    New,
    /// 二、上年结转政府信息公开申请数量.
    CarriedOver,
    Outcome(Outcome),
    /// （七）总计.
    Total,
    /// 四、结转下年度继续办理.
    CarryForward,
}

impl T3Row {
    /// The rows of table 三 in printed order, for a template. The 2021 list has
    /// the three 其他处理 sub-rows; `OtherUnsplit` is never listed (a reader
    /// meets it in place of the sub-rows).
    pub fn rows(template: Template) -> Vec<T3Row> {
        let mut v = vec![T3Row::New, T3Row::CarriedOver];
        v.extend(Self::outcomes(template).into_iter().map(T3Row::Outcome));
        v.push(T3Row::Total);
        v.push(T3Row::CarryForward);
        v
    }

    /// The outcome rows whose sum is （七）总计.
    pub fn outcomes(template: Template) -> Vec<Outcome> {
        let mut v = vec![Outcome::Granted, Outcome::Partial];
        v.extend(DenialReason::ALL.iter().map(|&r| Outcome::Denied(r)));
        v.extend(UnavailableReason::ALL.iter().map(|&r| Outcome::Unavailable(r)));
        v.extend(NotProcessedReason::ALL.iter().map(|&r| Outcome::NotProcessed(r)));
        match template {
            Template::Y2019 => v.push(Outcome::OtherUnsplit),
            Template::Y2021 => v.extend(OtherReason::ALL.iter().map(|&r| Outcome::Other(r))),
        }
        v
    }

    /// The row's label as the template prints it, with its group for sub-rows
    /// (`（三）不予公开·属于国家秘密`).
    pub fn label(self) -> String {
        match self {
            T3Row::New => "一、本年新收政府信息公开申请数量".into(),
            T3Row::CarriedOver => "二、上年结转政府信息公开申请数量".into(),
            T3Row::Total => "（七）总计".into(),
            T3Row::CarryForward => "四、结转下年度继续办理".into(),
            T3Row::Outcome(o) => match o {
                Outcome::Granted => "（一）予以公开".into(),
                Outcome::Partial => "（二）部分公开".into(),
                Outcome::Denied(r) => format!("（三）不予公开·{}", r.label()),
                Outcome::Unavailable(r) => format!("（四）无法提供·{}", r.label()),
                Outcome::NotProcessed(r) => format!("（五）不予处理·{}", r.label()),
                Outcome::Other(r) => format!("（六）其他处理·{}", r.label()),
                Outcome::OtherUnsplit => "（六）其他处理".into(),
            },
        }
    }

    pub fn key(self) -> String {
        match self {
            T3Row::New => "new".into(),
            T3Row::CarriedOver => "carried_over".into(),
            T3Row::Total => "total".into(),
            T3Row::CarryForward => "carry_forward".into(),
            T3Row::Outcome(o) => match o {
                Outcome::Granted => "granted".into(),
                Outcome::Partial => "partial".into(),
                Outcome::Denied(r) => format!("denied.{}", r.key()),
                Outcome::Unavailable(r) => format!("unavailable.{}", r.key()),
                Outcome::NotProcessed(r) => format!("not_processed.{}", r.key()),
                Outcome::Other(r) => format!("other.{}", r.key()),
                Outcome::OtherUnsplit => "other".into(),
            },
        }
    }

    /// The row of a key segment (`denied.state_secret`), the inverse of [`T3Row::key`].
    pub fn from_key(s: &str) -> Option<T3Row> {
        Some(match s {
            "new" => T3Row::New,
            "carried_over" => T3Row::CarriedOver,
            "total" => T3Row::Total,
            "carry_forward" => T3Row::CarryForward,
            "granted" => T3Row::Outcome(Outcome::Granted),
            "partial" => T3Row::Outcome(Outcome::Partial),
            "other" => T3Row::Outcome(Outcome::OtherUnsplit),
            _ => {
                let (group, reason) = s.split_once('.')?;
                T3Row::Outcome(match group {
                    "denied" => Outcome::Denied(DenialReason::from_key(reason)?),
                    "unavailable" => Outcome::Unavailable(UnavailableReason::from_key(reason)?),
                    "not_processed" => Outcome::NotProcessed(NotProcessedReason::from_key(reason)?),
                    "other" => Outcome::Other(OtherReason::from_key(reason)?),
                    _ => return None,
                })
            }
        })
    }
}

keyed_enum! {
    /// The three groups of table 四.
    T4Group {
        Review = "review" / "行政复议",
        SuitDirect = "suit_direct" / "行政诉讼·未经复议直接起诉",
        SuitAfterReview = "suit_after_review" / "行政诉讼·复议后起诉",
    }
}

keyed_enum! {
    /// The five columns of each group of table 四.
    T4Column {
        Upheld = "upheld" / "结果维持",
        Corrected = "corrected" / "结果纠正",
        Other = "other" / "其他结果",
        Pending = "pending" / "尚未审结",
        Total = "total" / "总计",
    }
}

keyed_enum! {
    /// The rows of table 二 (both templates; each template uses a subset).
    T2Row {
        Regulation = "regulation" / "规章",
        Normative = "normative" / "规范性文件",
        Licensing = "licensing" / "行政许可",
        OtherServices = "other_services" / "其他对外管理服务事项",
        Penalty = "penalty" / "行政处罚",
        Enforcement = "enforcement" / "行政强制",
        Fees = "fees" / "行政事业性收费",
        Procurement = "procurement" / "政府集中采购",
    }
}

keyed_enum! {
    /// The columns of table 二 (both templates).
    T2Column {
        Issued = "issued" / "本年制发件数",
        Repealed = "repealed" / "本年废止件数",
        InForce = "in_force" / "现行有效件数",
        Decisions = "decisions" / "处理决定数量",
        Amount = "amount" / "金额",
        Made = "made" / "本年新制作数量",
        Published = "published" / "本年新公开数量",
        TotalPublished = "total" / "对外公开总数量",
        PrevItems = "prev_items" / "上一年项目数量",
        Change = "change" / "本年增/减",
        Items = "items" / "采购项目数量",
    }
}

impl T2Row {
    /// The rows of table 二 in printed order with their columns, for a template.
    pub fn layout(template: Template) -> &'static [(T2Row, &'static [T2Column])] {
        use T2Column as C;
        use T2Row as R;
        match template {
            Template::Y2021 => &[
                (R::Regulation, &[C::Issued, C::Repealed, C::InForce]),
                (R::Normative, &[C::Issued, C::Repealed, C::InForce]),
                (R::Licensing, &[C::Decisions]),
                (R::Penalty, &[C::Decisions]),
                (R::Enforcement, &[C::Decisions]),
                (R::Fees, &[C::Amount]),
            ],
            Template::Y2019 => &[
                (R::Regulation, &[C::Made, C::Published, C::TotalPublished]),
                (R::Normative, &[C::Made, C::Published, C::TotalPublished]),
                (R::Licensing, &[C::PrevItems, C::Change, C::Decisions]),
                (R::OtherServices, &[C::PrevItems, C::Change, C::Decisions]),
                (R::Penalty, &[C::PrevItems, C::Change, C::Decisions]),
                (R::Enforcement, &[C::PrevItems, C::Change, C::Decisions]),
                (R::Fees, &[C::PrevItems, C::Change]),
                (R::Procurement, &[C::Items, C::Amount]),
            ],
        }
    }
}

/// The key of one number in tables 二, 三, 四.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CellKey {
    T2(T2Row, T2Column),
    T3(T3Row, ApplicantColumn),
    T4(T4Group, T4Column),
}

impl CellKey {
    /// Every key of a template, in printed order (table by table, row by row).
    pub fn all(template: Template) -> Vec<CellKey> {
        let mut v = Vec::new();
        for (row, cols) in T2Row::layout(template) {
            v.extend(cols.iter().map(|&c| CellKey::T2(*row, c)));
        }
        for row in T3Row::rows(template) {
            v.extend(ApplicantColumn::ALL.iter().map(|&c| CellKey::T3(row, c)));
        }
        for &g in T4Group::ALL {
            v.extend(T4Column::ALL.iter().map(|&c| CellKey::T4(g, c)));
        }
        v
    }

    /// Whether the cell may be negative (2019 template 本年增/减).
    pub fn may_be_negative(self) -> bool {
        matches!(self, CellKey::T2(_, T2Column::Change))
    }

    /// Whether the cell holds money or another decimal amount.
    pub fn is_amount(self) -> bool {
        matches!(self, CellKey::T2(_, T2Column::Amount))
    }
}

impl fmt::Display for CellKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CellKey::T2(r, c) => write!(f, "t2.{}.{}", r.key(), c.key()),
            CellKey::T3(r, c) => write!(f, "t3.{}.{}", r.key(), c.key()),
            CellKey::T4(g, c) => write!(f, "t4.{}.{}", g.key(), c.key()),
        }
    }
}

impl FromStr for CellKey {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("unknown cell key {s:?}");
        let (table, rest) = s.split_once('.').ok_or_else(bad)?;
        let (row, col) = rest.rsplit_once('.').ok_or_else(bad)?;
        let key = match table {
            "t2" => CellKey::T2(T2Row::from_key(row).ok_or_else(bad)?, T2Column::from_key(col).ok_or_else(bad)?),
            "t3" => CellKey::T3(T3Row::from_key(row).ok_or_else(bad)?, ApplicantColumn::from_key(col).ok_or_else(bad)?),
            "t4" => CellKey::T4(T4Group::from_key(row).ok_or_else(bad)?, T4Column::from_key(col).ok_or_else(bad)?),
            _ => return Err(bad()),
        };
        Ok(key)
    }
}

impl Serialize for CellKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CellKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_round_trips_through_its_text() {
        for t in [Template::Y2019, Template::Y2021] {
            for k in CellKey::all(t) {
                let s = k.to_string();
                assert_eq!(s.parse::<CellKey>().unwrap(), k, "{s}");
            }
        }
        assert_eq!(
            CellKey::T3(T3Row::Outcome(Outcome::OtherUnsplit), ApplicantColumn::Natural).to_string(),
            "t3.other.natural"
        );
    }

    #[test]
    fn templates_have_the_contract_cell_counts() {
        // 2021: t2 10, t3 25 rows x 7, t4 15 (the 200 cells of the seed's expected file).
        assert_eq!(CellKey::all(Template::Y2021).len(), 10 + 25 * 7 + 15);
        // 2019: t2 22, t3 23 rows x 7, t4 15.
        assert_eq!(CellKey::all(Template::Y2019).len(), 22 + 23 * 7 + 15);
    }

    #[test]
    fn bad_keys_are_refused() {
        for s in ["", "t3", "t3.granted", "t9.granted.natural", "t3.denied.nope.total", "t2.fees.natural"] {
            assert!(s.parse::<CellKey>().is_err(), "{s}");
        }
    }
}
