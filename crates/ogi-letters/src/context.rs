//! Everything a letter needs, as plain data the caller fills in: no database,
//! no request history, no computation of deadlines (the caller has them from
//! `ogi-rules`).

use ogi_rules::Date;

/// The facts of one request and of the letter to write about it.
///
/// Text fields are printed as given (the HTML output escapes them). Empty
/// optional text means “not stated”: the templates leave the sentence out or
/// use a generic wording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// 行政机关名称: signs the letter.
    pub agency: String,
    /// 联系地址 of the disclosure office.
    pub agency_address: String,
    /// 联系电话 of the disclosure office.
    pub agency_phone: String,
    /// 文号 of this letter, e.g. `某府信公〔2025〕12号`.
    pub number: String,
    /// 申请人姓名或者名称.
    pub applicant: String,
    /// The applicant is a 法人或者其他组织: the letter says 你单位, not 你.
    pub applicant_is_organization: bool,
    /// 申请编号 of the register.
    pub tracking_code: String,
    /// 收到申请之日 (第三十一条).
    pub received: Date,
    /// 申请内容 in a line, quoted by the letters.
    pub summary: String,
    /// The answer deadline, when known (受理回执, 延期答复告知书 print it).
    pub due: Option<Date>,
    /// Years whose holiday notices were not loaded when the letter's
    /// deadlines were counted: a computed date that runs into one of them is
    /// printed with 暂定 and the proviso, never as final.
    pub provisional_years: Vec<i16>,
    /// The date of the letter (成文日期); for an answer, the answer date,
    /// which decides whether the 2024 reconsideration-first rule applies.
    pub date: Date,
    /// 补正告知书.
    pub correction: Option<Correction>,
    /// 延期答复告知书.
    pub extension: Option<Extension>,
    /// 第三方征求意见书.
    pub third_party: Option<ThirdParty>,
    /// 收费通知书.
    pub fee: Option<Fee>,
    /// 答复告知书 (an answer without it uses [`Answer::default`]).
    pub answer: Option<Answer>,
    /// Where complaints go (第五十一条); empty: 上一级行政机关或者政府信息公开工作主管部门.
    pub complaint_to: String,
    /// The reconsideration body; empty: 行政复议机关.
    pub reconsideration_to: String,
    /// The court; empty: 人民法院.
    pub court: String,
}

/// 补正 (第三十条): what to clarify, once and all of it, and by when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    pub items: Vec<String>,
    /// The last day of the correction period (inclusive).
    pub reply_by: Date,
}

/// 延期答复 (第三十三条第二款): at most 20 working days, once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    pub days: u32,
    /// The answer deadline after the extension.
    pub new_due: Date,
    /// Why, as a clause after 因 (“需要调取历史档案”); may be empty.
    pub reason: String,
}

/// 征求第三方意见 (第三十二条). The letter goes to the third party and does not
/// name the applicant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThirdParty {
    pub name: String,
    pub is_organization: bool,
    /// What in the information concerns the third party, as a clause
    /// (“该信息含有你单位的投标报价”); empty: a generic wording.
    pub concern: String,
    /// The last day of the 15 working days, as the caller computed it.
    pub reply_by: Date,
}

/// How the fee is computed (国办函〔2020〕109号): one method per request, never both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeeMethod {
    /// 按件计收.
    PerItem,
    /// 按量计收.
    PerVolume,
}

impl FeeMethod {
    pub fn label(self) -> &'static str {
        match self {
            FeeMethod::PerItem => "按件计收",
            FeeMethod::PerVolume => "按量计收",
        }
    }
}

/// 收费通知 (第四十二条): basis, rate, amount, how and by when to pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fee {
    pub method: FeeMethod,
    /// The basis and rate, e.g. “本自然月第15件申请，适用第11件至第30件每件100元的标准”.
    pub basis: String,
    pub yuan: u64,
    /// The last day to pay (20 working days from the day after receipt of the notice).
    pub pay_by: Date,
    /// How to pay, as a sentence.
    pub how_to_pay: String,
}

/// The facts behind an answer, in the agency's words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    /// The reasons (不予公开的理由, 检索情况, …) as one or more sentences; a
    /// line break starts a new paragraph.
    pub reasons: String,
    /// How the information is provided or where it is published (予以公开,
    /// 部分公开), or how to obtain it elsewhere (行政查询事项, 公开出版物, 信访渠道).
    pub provision: String,
    /// 予以公开: the information was already published (第三十六条第（一）项)
    /// rather than provided now (第（二）项).
    pub already_published: bool,
    /// 本机关不掌握: the agency responsible for the information, with its
    /// contact (第三十六条第（五）项); empty when it does not exist (第（四）项).
    pub responsible_agency: String,
}

impl Context {
    /// How the letter addresses the applicant: 你 or 你单位.
    pub fn you(&self) -> &'static str {
        if self.applicant_is_organization {
            "你单位"
        } else {
            "你"
        }
    }

    /// A context with every field filled, for previews and for
    /// [`crate::validate`].
    pub fn sample() -> Context {
        let d = |m: i8, day: i8| Date::new(2025, m, day).expect("valid sample date");
        Context {
            agency: "某市某区人民政府办公室".into(),
            agency_address: "某市某区某路1号".into(),
            agency_phone: "010-12345678".into(),
            number: "某府办信公〔2025〕1号".into(),
            applicant: "张三".into(),
            applicant_is_organization: false,
            tracking_code: "YSQ-2025-0001".into(),
            received: d(3, 4),
            summary: "2024年某路段道路改造工程的立项批复文件".into(),
            due: Some(d(4, 1)),
            provisional_years: Vec::new(),
            date: d(3, 11),
            correction: Some(Correction {
                items: vec!["所需文件的名称或者文号".into(), "所涉路段的具体位置".into()],
                reply_by: d(3, 25),
            }),
            extension: Some(Extension {
                days: 20, new_due: d(4, 30), reason: "所需信息需要调取历史档案".into()
            }),
            third_party: Some(ThirdParty {
                name: "某建设工程有限公司".into(),
                is_organization: true,
                concern: "该信息含有你单位的投标报价".into(),
                reply_by: d(4, 1),
            }),
            fee: Some(Fee {
                method: FeeMethod::PerItem,
                basis: "本自然月第15件申请，适用第11件至第30件每件100元的标准".into(),
                yuan: 100,
                pay_by: d(4, 9),
                how_to_pay: "请通过非税收入缴款通知书所列方式缴纳。".into(),
            }),
            answer: Some(Answer {
                reasons: "相关情况说明。".into(),
                provision: "随本告知书提供该文件复印件一份。".into(),
                already_published: false,
                responsible_agency: String::new(),
            }),
            complaint_to: String::new(),
            reconsideration_to: String::new(),
            court: String::new(),
        }
    }
}

/// A date as letters print it: `2025年3月4日`.
pub fn format_date(d: Date) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}
