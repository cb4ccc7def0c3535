//! What each answer relies on and what the requester can do about it: the
//! articles of the 条例 cited for each outcome, and the remedies paragraph
//! (第五十一条; 行政复议法第二十三条 since 2024-01-01).

use ogi_rules::Date;
use ogi_vocab::cells::{DenialReason, NotProcessedReason, OtherReason, Outcome, UnavailableReason};

use crate::context::{Answer, Context};

/// The full name of the 条例, as a letter cites it.
pub const REGULATION: &str = "《中华人民共和国政府信息公开条例》";

/// The day the revised 行政复议法 took effect: from then on a refusal to
/// disclose must go to reconsideration before a court (第二十三条第一款第（四）项).
pub const RECONSIDERATION_FIRST_FROM: Date = Date::constant(2024, 1, 1);

/// The articles of the 条例 an answer with `outcome` relies on, in the order
/// the letter cites them. Two outcomes depend on the facts of the answer:
/// 予以公开 cites 第三十六条第（一）项 when the information was already
/// published and 第（二）项 otherwise; 本机关不掌握 cites 第三十六条第（五）项
/// when another agency is responsible for it and 第（四）项 (it does not
/// exist) otherwise. 其他处理·其他 cites nothing of its own.
pub fn articles(outcome: Outcome, answer: &Answer) -> Vec<&'static str> {
    const REFUSE: &str = "第三十六条第（三）项";
    match outcome {
        Outcome::Granted if answer.already_published => vec!["第三十六条第（一）项"],
        Outcome::Granted => vec!["第三十六条第（二）项"],
        // The withheld part is a refusal: its reasons must be given (第三十六条第（三）项).
        Outcome::Partial => vec!["第三十七条", REFUSE],
        Outcome::Denied(r) => match r {
            DenialReason::StateSecret | DenialReason::ProhibitedByLaw | DenialReason::SafetyStability => {
                vec!["第十四条", REFUSE]
            }
            DenialReason::ThirdPartyRights => vec!["第十五条", REFUSE],
            DenialReason::InternalAffairs => vec!["第十六条第一款", REFUSE],
            DenialReason::ProcessInfo | DenialReason::EnforcementFile => vec!["第十六条第二款", REFUSE],
            // 工商、不动产登记资料等: the law that governs the register decides
            // how it is obtained.
            DenialReason::AdminQuery => vec!["第三十六条第（七）项"],
        },
        Outcome::Unavailable(r) => match r {
            UnavailableReason::NotHeld if !answer.responsible_agency.trim().is_empty() => vec!["第三十六条第（五）项"],
            UnavailableReason::NotHeld => vec!["第三十六条第（四）项"],
            UnavailableReason::NeedsCreation => vec!["第三十八条"],
            // The request must describe the information (第二十九条第二款第（二）项);
            // the correction of 第三十条 did not make it clear.
            UnavailableReason::StillUnclear => vec!["第二十九条第二款第（二）项", "第三十条"],
        },
        Outcome::NotProcessed(r) => match r {
            NotProcessedReason::Petition => vec!["第三十九条第一款"],
            NotProcessedReason::Duplicate => vec!["第三十六条第（六）项"],
            NotProcessedReason::Publication => vec!["第三十九条第二款"],
            NotProcessedReason::Excessive => vec!["第三十五条"],
            // No article names this case; a confirmation or re-issue is not a
            // request for information the agency has made or obtained (第二条).
            NotProcessedReason::Confirmation => vec!["第二条"],
        },
        Outcome::Other(OtherReason::OverdueCorrection) => vec!["第三十条"],
        Outcome::Other(OtherReason::OverdueFee) => vec!["第四十二条"],
        Outcome::Other(OtherReason::Other) | Outcome::OtherUnsplit => vec![],
    }
}

/// The citation as printed: `《中华人民共和国政府信息公开条例》第十四条、第三十六条第（三）项`;
/// the fee lapse adds the 办法 of 国办函〔2020〕109号; empty when nothing is cited.
pub fn citation(outcome: Outcome, answer: &Answer) -> String {
    let arts = articles(outcome, answer);
    if arts.is_empty() {
        return String::new();
    }
    let mut s = format!("{REGULATION}{}", arts.join("、"));
    if outcome == Outcome::Other(OtherReason::OverdueFee) {
        s.push_str("和《政府信息公开信息处理费管理办法》");
    }
    s
}

/// Whether the answer refuses to disclose (all or part): the case of
/// 行政复议法第二十三条第一款第（四）项 “申请政府信息公开，行政机关不予公开”.
/// 部分公开 refuses the part it withholds; 无法提供, 不予处理 and 其他处理 are
/// not refusals to disclose.
pub fn is_refusal(outcome: Outcome) -> bool {
    matches!(outcome, Outcome::Denied(_) | Outcome::Partial)
}

/// Whether an answer with `outcome` dated `on` must tell the requester that
/// reconsideration comes before a lawsuit (行政复议法第二十三条, in force since
/// 2024-01-01).
pub fn reconsideration_first(outcome: Outcome, on: Date) -> bool {
    is_refusal(outcome) && on >= RECONSIDERATION_FIRST_FROM
}

/// The sentence an answer states when [`reconsideration_first`] holds.
pub const RECONSIDERATION_FIRST_SENTENCE: &str = "根据《中华人民共和国行政复议法》第二十三条第一款第（四）项的规定，对本机关不予公开政府信息的决定不服的，应当先申请行政复议；对行政复议决定不服的，可以依照《中华人民共和国行政诉讼法》第四十五条的规定向人民法院提起行政诉讼。";

/// The remedies paragraph of an answer (第五十一条): complaint, reconsideration
/// within 60 days, a lawsuit within 6 months; for a refusal dated on or after
/// 2024-01-01, reconsideration first.
pub fn remedies(outcome: Outcome, ctx: &Context) -> String {
    let you = ctx.you();
    let or = |s: &str, generic: &'static str| if s.trim().is_empty() { generic.to_string() } else { s.to_string() };
    let complaint_to = or(&ctx.complaint_to, "上一级行政机关或者政府信息公开工作主管部门");
    let review_by = or(&ctx.reconsideration_to, "行政复议机关");
    let court = or(&ctx.court, "人民法院");
    let mut s = format!(
        "{you}如认为本机关在政府信息公开工作中侵犯{you}的合法权益，可以依照{REGULATION}第五十一条的规定，向{complaint_to}投诉、举报；"
    );
    if reconsideration_first(outcome, ctx.date) {
        s.push_str(&format!("也可以自收到本告知书之日起六十日内依法向{review_by}申请行政复议。"));
        s.push_str(RECONSIDERATION_FIRST_SENTENCE);
    } else {
        s.push_str(&format!(
            "也可以自收到本告知书之日起六十日内依法向{review_by}申请行政复议，或者自收到本告知书之日起六个月内依法向{court}提起行政诉讼。"
        ));
    }
    s
}
