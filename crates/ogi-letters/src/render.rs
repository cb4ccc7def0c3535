//! Templates and rendering: a template is plain text with `{{ placeholder }}`
//! and `{% if %}`/`{% for %}` (MiniJinja, without filters, macros or includes);
//! each non-blank line of its output is one paragraph of the letter.

use std::collections::BTreeMap;
use std::fmt;

use minijinja::{Environment, ErrorKind, UndefinedBehavior, Value};
use ogi_vocab::cells::{OtherReason, Outcome, T3Row};

use crate::context::{format_date, Answer, Context};
use crate::law;

/// The letters of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LetterKind {
    /// 受理回执.
    Receipt,
    /// 补正告知书 (第三十条).
    Correction,
    /// 延期答复告知书 (第三十三条第二款).
    Extension,
    /// 第三方征求意见书 (第三十二条).
    ThirdParty,
    /// 收费通知书 (第四十二条).
    Fee,
    /// 答复告知书, one wording per outcome (第三十六条至第三十九条).
    Answer(Outcome),
}

impl LetterKind {
    /// Every letter with its own default template: the five procedural letters
    /// and an answer for each outcome the register records (2021 rows).
    pub fn all() -> Vec<LetterKind> {
        let mut v = vec![
            LetterKind::Receipt,
            LetterKind::Correction,
            LetterKind::Extension,
            LetterKind::ThirdParty,
            LetterKind::Fee,
        ];
        v.extend(T3Row::outcomes(ogi_vocab::cells::Template::Y2021).into_iter().map(LetterKind::Answer));
        v
    }

    /// The title printed on the letter.
    pub fn title(self) -> &'static str {
        match self {
            LetterKind::Receipt => "政府信息公开申请受理回执",
            LetterKind::Correction => "政府信息公开申请补正告知书",
            LetterKind::Extension => "政府信息公开申请延期答复告知书",
            LetterKind::ThirdParty => "政府信息公开第三方征求意见书",
            LetterKind::Fee => "政府信息公开信息处理费收费通知书",
            LetterKind::Answer(_) => "政府信息公开申请答复告知书",
        }
    }

    /// A stable key, e.g. to store an agency's edited template:
    /// `receipt`, `correction`, `extension`, `third_party`, `fee`,
    /// `answer.denied.state_secret` (the outcome's key of table 三).
    pub fn key(self) -> String {
        match self {
            LetterKind::Receipt => "receipt".into(),
            LetterKind::Correction => "correction".into(),
            LetterKind::Extension => "extension".into(),
            LetterKind::ThirdParty => "third_party".into(),
            LetterKind::Fee => "fee".into(),
            LetterKind::Answer(o) => format!("answer.{}", T3Row::Outcome(o).key()),
        }
    }

    /// The inverse of [`LetterKind::key`].
    pub fn from_key(s: &str) -> Option<LetterKind> {
        Some(match s {
            "receipt" => LetterKind::Receipt,
            "correction" => LetterKind::Correction,
            "extension" => LetterKind::Extension,
            "third_party" => LetterKind::ThirdParty,
            "fee" => LetterKind::Fee,
            _ => match T3Row::from_key(s.strip_prefix("answer.")?)? {
                T3Row::Outcome(o) => LetterKind::Answer(o),
                _ => return None,
            },
        })
    }

    /// The embedded default template.
    pub fn default_template(self) -> &'static str {
        use ogi_vocab::cells::{DenialReason as D, NotProcessedReason as N, UnavailableReason as U};
        macro_rules! t {
            ($f:literal) => {
                include_str!(concat!("../templates/", $f, ".txt"))
            };
        }
        match self {
            LetterKind::Receipt => t!("receipt"),
            LetterKind::Correction => t!("correction"),
            LetterKind::Extension => t!("extension"),
            LetterKind::ThirdParty => t!("third_party"),
            LetterKind::Fee => t!("fee"),
            LetterKind::Answer(o) => match o {
                Outcome::Granted => t!("answer/granted"),
                Outcome::Partial => t!("answer/partial"),
                Outcome::Denied(D::StateSecret) => t!("answer/denied.state_secret"),
                Outcome::Denied(D::ProhibitedByLaw) => t!("answer/denied.prohibited_by_law"),
                Outcome::Denied(D::SafetyStability) => t!("answer/denied.safety_stability"),
                Outcome::Denied(D::ThirdPartyRights) => t!("answer/denied.third_party_rights"),
                Outcome::Denied(D::InternalAffairs) => t!("answer/denied.internal_affairs"),
                Outcome::Denied(D::ProcessInfo) => t!("answer/denied.process_info"),
                Outcome::Denied(D::EnforcementFile) => t!("answer/denied.enforcement_file"),
                Outcome::Denied(D::AdminQuery) => t!("answer/denied.admin_query"),
                Outcome::Unavailable(U::NotHeld) => t!("answer/unavailable.not_held"),
                Outcome::Unavailable(U::NeedsCreation) => t!("answer/unavailable.needs_creation"),
                Outcome::Unavailable(U::StillUnclear) => t!("answer/unavailable.still_unclear"),
                Outcome::NotProcessed(N::Petition) => t!("answer/not_processed.petition"),
                Outcome::NotProcessed(N::Duplicate) => t!("answer/not_processed.duplicate"),
                Outcome::NotProcessed(N::Publication) => t!("answer/not_processed.publication"),
                Outcome::NotProcessed(N::Excessive) => t!("answer/not_processed.excessive"),
                Outcome::NotProcessed(N::Confirmation) => t!("answer/not_processed.confirmation"),
                Outcome::Other(OtherReason::OverdueCorrection) => t!("answer/other.overdue_correction"),
                Outcome::Other(OtherReason::OverdueFee) => t!("answer/other.overdue_fee"),
                Outcome::Other(OtherReason::Other) | Outcome::OtherUnsplit => t!("answer/other.other"),
            },
        }
    }
}

/// A letter, ready to print: structured so that any writer (HTML here, DOCX
/// later) lays it out the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub kind: LetterKind,
    /// 标题, e.g. 政府信息公开申请答复告知书.
    pub title: String,
    /// 文号.
    pub number: String,
    /// 主送: the applicant (the third party for a 征求意见书), without the
    /// trailing colon a writer adds.
    pub recipient: String,
    /// 正文, one entry a paragraph, without indentation.
    pub paragraphs: Vec<String>,
    /// 落款: the agency.
    pub signature: String,
    /// 成文日期 as printed, e.g. 2025年3月4日.
    pub date: String,
}

/// The placeholders a template may use, with what each holds. Every one is
/// defined for every letter; one whose detail the letter does not have is empty.
pub const PLACEHOLDERS: &[(&str, &str)] = &[
    ("agency", "行政机关名称"),
    ("agency_address", "联系地址"),
    ("agency_phone", "联系电话"),
    ("contact", "联系方式（联系地址、联系电话）"),
    ("number", "文号"),
    ("applicant", "申请人姓名或者名称"),
    ("you", "对申请人的称呼（你／你单位）"),
    ("tracking_code", "申请编号"),
    ("received", "收到申请日期"),
    ("summary", "申请内容"),
    ("due", "答复期限"),
    ("date", "成文日期"),
    ("correction_items", "补正事项（列表，用 {% for item in correction_items %} 逐项列出）"),
    ("correction_reply_by", "补正期限"),
    ("extension_days", "延长的工作日数"),
    ("extension_reason", "延期理由"),
    ("new_due", "延长后的答复期限"),
    ("third_party", "第三方名称"),
    ("third_party_you", "对第三方的称呼（你／你单位）"),
    ("third_party_concern", "涉及第三方的内容"),
    ("third_party_reply_by", "第三方提出意见的期限"),
    ("fee_method", "收费方式（按件计收／按量计收）"),
    ("fee_basis", "计费依据"),
    ("fee_yuan", "应缴金额（元）"),
    ("fee_pay_by", "缴费期限"),
    ("fee_how_to_pay", "缴费方式"),
    ("outcome", "答复结果"),
    ("articles", "答复所依据的条款"),
    ("reasons", "理由"),
    ("provision", "提供方式或者获取途径"),
    ("already_published", "是否已主动公开（是／否，用于 {% if already_published %}）"),
    ("responsible_agency", "负责公开该信息的机关及其联系方式"),
    ("remedies", "救济途径（答复告知书必须包含）"),
    ("reconsideration_first", "是否须先申请行政复议（用于 {% if reconsideration_first %}）"),
];

/// Why a template cannot be used. The messages are for the agency staff who
/// edit templates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    /// The template does not parse (unclosed `{{`, `{% if %}` without `{% endif %}`, …).
    Syntax { line: Option<usize>, detail: String },
    /// Placeholders that do not exist (a typo, or a name from another system).
    UnknownPlaceholders(Vec<String>),
    /// The template parses but fails while filling in (e.g. `{{ loop.foo }}`, a filter).
    Render { line: Option<usize>, detail: String },
    /// An answer template without `{{ remedies }}`: the requester must be told
    /// the remedies (第五十一条, 行政复议法第二十三条).
    MissingRemedies,
    /// The template produced no text.
    Empty,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = |line: &Option<usize>| line.map(|l| format!("第{l}行")).unwrap_or_default();
        match self {
            TemplateError::Syntax { line, detail } => write!(
                f,
                "模板{}有语法错误：请检查 {{{{ }}}} 与 {{% %}} 是否成对、{{% if %}} 与 {{% endif %}}、{{% for %}} 与 {{% endfor %}} 是否配套，占位符须用英文名称（如 {{{{ applicant }}}}）（{detail}）",
                at(line)
            ),
            TemplateError::UnknownPlaceholders(names) => {
                let names: Vec<String> = names.iter().map(|n| format!("{{{{ {n} }}}}")).collect();
                let known: Vec<&str> = PLACEHOLDERS.iter().map(|(n, _)| *n).collect();
                write!(f, "模板使用了不存在的占位符：{}。可用的占位符有：{}", names.join("、"), known.join("、"))
            }
            TemplateError::Render { line, detail } => {
                write!(f, "模板{}无法生成文书：引用了不存在的内容或者不支持的写法（{detail}）", at(line))
            }
            TemplateError::MissingRemedies => {
                f.write_str("答复告知书模板必须包含 {{ remedies }}（救济途径），不能删去")
            }
            TemplateError::Empty => f.write_str("模板生成的正文为空"),
        }
    }
}

impl std::error::Error for TemplateError {}

/// Why a letter cannot be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LetterError {
    /// The template is unusable.
    Template(TemplateError),
    /// The context lacks a detail this letter needs; the message says which.
    Missing(&'static str),
}

impl fmt::Display for LetterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LetterError::Template(e) => e.fmt(f),
            LetterError::Missing(what) => f.write_str(what),
        }
    }
}

impl std::error::Error for LetterError {}

impl From<TemplateError> for LetterError {
    fn from(e: TemplateError) -> Self {
        LetterError::Template(e)
    }
}

/// Writes the letter `kind` for `ctx`, from the agency's edited `template` if
/// given, else from the default one.
pub fn render(kind: LetterKind, ctx: &Context, template: Option<&str>) -> Result<Letter, LetterError> {
    check_details(kind, ctx)?;
    let source = template.unwrap_or_else(|| kind.default_template());
    let paragraphs = fill(kind, source, ctx)?;
    let recipient = match (kind, &ctx.third_party) {
        (LetterKind::ThirdParty, Some(t)) => t.name.clone(),
        _ => ctx.applicant.clone(),
    };
    Ok(Letter {
        kind,
        title: kind.title().to_string(),
        number: ctx.number.clone(),
        recipient,
        paragraphs,
        signature: ctx.agency.clone(),
        date: format_date(ctx.date),
    })
}

/// Checks an edited template before it is saved: it must parse, use only
/// known placeholders, and render against [`Context::sample`] (for an answer,
/// including the remedies).
pub fn validate(kind: LetterKind, template: &str) -> Result<(), TemplateError> {
    fill(kind, template, &Context::sample()).map(|_| ())
}

fn check_details(kind: LetterKind, ctx: &Context) -> Result<(), LetterError> {
    match kind {
        LetterKind::Correction => match &ctx.correction {
            Some(c) if c.items.iter().any(|i| !i.trim().is_empty()) => Ok(()),
            _ => Err(LetterError::Missing("补正告知书须列明需要补正的事项和补正期限（第三十条）")),
        },
        LetterKind::Extension => match &ctx.extension {
            Some(e) if (1..=ogi_rules::request::limits::MAX_EXTENSION).contains(&e.days) => Ok(()),
            Some(_) => Err(LetterError::Missing("延长的期限应为1至20个工作日（第三十三条第二款）")),
            None => Err(LetterError::Missing("延期答复告知书须填写延长的工作日数和延长后的答复期限")),
        },
        LetterKind::ThirdParty => match &ctx.third_party {
            Some(t) if !t.name.trim().is_empty() => Ok(()),
            _ => Err(LetterError::Missing("第三方征求意见书须填写第三方名称和提出意见的期限（第三十二条）")),
        },
        LetterKind::Fee => match &ctx.fee {
            Some(f) if f.yuan > 0 => Ok(()),
            Some(_) => Err(LetterError::Missing("收费金额须大于0")),
            None => Err(LetterError::Missing("收费通知书须填写收费方式、计费依据、金额和缴费期限（第四十二条）")),
        },
        LetterKind::Answer(Outcome::Partial) => match ctx.answer.as_ref().map(|a| a.reasons.trim()) {
            Some(r) if !r.is_empty() => Ok(()),
            _ => Err(LetterError::Missing(
                "部分公开的答复告知书须写明不予公开部分的内容、理由及依据（第三十六条第（三）项、第三十七条）",
            )),
        },
        LetterKind::Answer(Outcome::Other(OtherReason::Other) | Outcome::OtherUnsplit) => {
            match ctx.answer.as_ref().map(|a| a.reasons.trim()) {
                Some(r) if !r.is_empty() => Ok(()),
                _ => Err(LetterError::Missing("“其他处理”的答复告知书须填写答复理由")),
            }
        }
        LetterKind::Receipt | LetterKind::Answer(_) => Ok(()),
    }
}

/// Renders `source` and splits it into paragraphs.
fn fill(kind: LetterKind, source: &str, ctx: &Context) -> Result<Vec<String>, TemplateError> {
    only_plain_statements(source)?;
    // No filters, tests or functions, whatever features other crates enable
    // in the shared minijinja build; and a bound on the work one letter may take.
    let mut env = Environment::empty();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(FUEL));
    let tmpl = env.template_from_str(source).map_err(from_engine)?;
    let mut unknown: Vec<String> = tmpl
        .undeclared_variables(false)
        .into_iter()
        .filter(|v| !PLACEHOLDERS.iter().any(|(name, _)| name == v))
        .collect();
    if !unknown.is_empty() {
        unknown.sort();
        return Err(TemplateError::UnknownPlaceholders(unknown));
    }
    let (values, remedies) = values(kind, ctx);
    let text = tmpl.render(values).map_err(from_engine)?;
    if let Some(remedies) = remedies {
        if !text.contains(&remedies) {
            return Err(TemplateError::MissingRemedies);
        }
    }
    let paragraphs: Vec<String> = text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect();
    if paragraphs.is_empty() {
        return Err(TemplateError::Empty);
    }
    Ok(paragraphs)
}

/// Enough for any letter; an edited template that loops over loops runs out.
const FUEL: u64 = 200_000;

/// Letter templates are plain text with `{% if %}` and `{% for %}` only:
/// includes, macros, blocks and assignments are refused whether or not the
/// template engine was built with them.
fn only_plain_statements(source: &str) -> Result<(), TemplateError> {
    const ALLOWED: [&str; 6] = ["if", "elif", "else", "endif", "for", "endfor"];
    let mut rest = source;
    let mut offset = 0;
    while let Some(open) = rest.find("{%") {
        let after = &rest[open + 2..];
        let word: String = after
            .trim_start_matches(['-', '+', '~'])
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !ALLOWED.contains(&word.as_str()) {
            let line = source[..offset + open].matches('\n').count() + 1;
            return Err(TemplateError::Syntax {
                line: Some(line),
                detail: format!("不支持的语句 {{% {word} %}}，只能使用 if/for"),
            });
        }
        offset += open + 2;
        rest = after;
    }
    Ok(())
}

fn from_engine(e: minijinja::Error) -> TemplateError {
    let line = e.line();
    let detail = e.detail().map_or_else(|| e.kind().to_string(), |d| format!("{}: {d}", e.kind()));
    match e.kind() {
        ErrorKind::SyntaxError | ErrorKind::BadEscape | ErrorKind::InvalidDelimiter => {
            TemplateError::Syntax { line, detail }
        }
        _ => TemplateError::Render { line, detail },
    }
}

/// The values of every placeholder for this letter, and for an answer the
/// remedies paragraph that its text must contain.
fn values(kind: LetterKind, ctx: &Context) -> (Value, Option<String>) {
    let mut m: BTreeMap<&'static str, Value> = BTreeMap::new();
    let s = |v: &str| Value::from(v.to_string());
    let date = |d: Option<ogi_rules::Date>| Value::from(d.map(format_date).unwrap_or_default());

    m.insert("agency", s(&ctx.agency));
    m.insert("agency_address", s(&ctx.agency_address));
    m.insert("agency_phone", s(&ctx.agency_phone));
    m.insert("contact", Value::from(contact(ctx)));
    m.insert("number", s(&ctx.number));
    m.insert("applicant", s(&ctx.applicant));
    m.insert("you", s(ctx.you()));
    m.insert("tracking_code", s(&ctx.tracking_code));
    m.insert("received", date(Some(ctx.received)));
    m.insert("summary", s(&ctx.summary));
    // A deadline counted through a year whose holidays are not loaded.
    let computed = |d: Option<ogi_rules::Date>| match d {
        Some(d) if ctx.provisional_years.iter().any(|y| (ctx.received.year()..=d.year()).contains(y)) => {
            let years = ctx.provisional_years.iter().map(|y| format!("{y}年")).collect::<Vec<_>>().join("、");
            Value::from(format!("{}（暂定，以国务院办公厅公布的{years}节假日安排重新计算的期限为准）", format_date(d)))
        }
        d => date(d),
    };
    m.insert("due", computed(ctx.due));
    m.insert("date", date(Some(ctx.date)));

    let c = ctx.correction.as_ref();
    let items: Vec<String> = c
        .map(|c| c.items.iter().map(|i| i.trim()).filter(|i| !i.is_empty()).map(str::to_string).collect())
        .unwrap_or_default();
    m.insert("correction_items", Value::from(items));
    m.insert("correction_reply_by", date(c.map(|c| c.reply_by)));

    let e = ctx.extension.as_ref();
    m.insert("extension_days", e.map_or_else(|| s(""), |e| Value::from(e.days)));
    m.insert("extension_reason", s(e.map_or("", |e| e.reason.as_str())));
    m.insert("new_due", computed(e.map(|e| e.new_due)));

    let t = ctx.third_party.as_ref();
    m.insert("third_party", s(t.map_or("", |t| t.name.as_str())));
    m.insert("third_party_you", s(if t.is_some_and(|t| t.is_organization) { "你单位" } else { "你" }));
    m.insert("third_party_concern", s(t.map_or("", |t| t.concern.as_str())));
    m.insert("third_party_reply_by", computed(t.map(|t| t.reply_by)));

    let f = ctx.fee.as_ref();
    m.insert("fee_method", s(f.map_or("", |f| f.method.label())));
    m.insert("fee_basis", s(f.map_or("", |f| f.basis.as_str())));
    m.insert("fee_yuan", s(&f.map(|f| f.yuan.to_string()).unwrap_or_default()));
    m.insert("fee_pay_by", computed(f.map(|f| f.pay_by)));
    m.insert("fee_how_to_pay", s(f.map_or("", |f| f.how_to_pay.as_str())));

    let default_answer = Answer::default();
    let a = ctx.answer.as_ref().unwrap_or(&default_answer);
    let (outcome, articles, remedies, first) = match kind {
        LetterKind::Answer(o) => (
            T3Row::Outcome(o).label(),
            law::citation(o, a),
            Some(law::remedies(o, ctx)),
            law::reconsideration_first(o, ctx.date),
        ),
        _ => (String::new(), String::new(), None, false),
    };
    m.insert("outcome", Value::from(outcome));
    m.insert("articles", Value::from(articles));
    m.insert("reasons", s(&a.reasons));
    m.insert("provision", s(&a.provision));
    m.insert("already_published", Value::from(a.already_published));
    m.insert("responsible_agency", s(&a.responsible_agency));
    m.insert("remedies", Value::from(remedies.clone().unwrap_or_default()));
    m.insert("reconsideration_first", Value::from(first));

    debug_assert!(PLACEHOLDERS.iter().all(|(n, _)| m.contains_key(n)) && m.len() == PLACEHOLDERS.len());
    (Value::from_object(m), remedies)
}

/// 联系地址：…。联系电话：…。 (either may be absent).
fn contact(ctx: &Context) -> String {
    let mut s = String::new();
    if !ctx.agency_address.trim().is_empty() {
        s.push_str(&format!("联系地址：{}。", ctx.agency_address.trim()));
    }
    if !ctx.agency_phone.trim().is_empty() {
        s.push_str(&format!("联系电话：{}。", ctx.agency_phone.trim()));
    }
    s
}
