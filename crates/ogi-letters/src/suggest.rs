//! Which letters a request's events call for.

use ogi_rules::request::{Event, Request};
use ogi_vocab::cells::{OtherReason, Outcome};

use crate::render::LetterKind;

/// The letters the request's history calls for, in the order of its events:
/// always the 受理回执; a 补正告知书 for the correction request; a
/// 第三方征求意见书 for each consultation; a 延期答复告知书 for the extension;
/// a 收费通知书 for the fee; and the 答复告知书 of how the request ended
/// (including the lapses of correction and fee, and a withdrawal, which ends
/// as 其他处理·其他).
pub fn suggested(request: &Request) -> Vec<LetterKind> {
    let mut v = vec![LetterKind::Receipt];
    for e in request.events() {
        let kind = match e {
            Event::CorrectionRequested { .. } => LetterKind::Correction,
            Event::ConsultationStarted { .. } => LetterKind::ThirdParty,
            Event::Extended { .. } => LetterKind::Extension,
            Event::FeeNoticed { .. } => LetterKind::Fee,
            Event::Answered { outcome, .. } => LetterKind::Answer(*outcome),
            Event::CorrectionLapsed { .. } => LetterKind::Answer(Outcome::Other(OtherReason::OverdueCorrection)),
            Event::FeeLapsed { .. } => LetterKind::Answer(Outcome::Other(OtherReason::OverdueFee)),
            Event::Withdrawn { .. } => LetterKind::Answer(Outcome::Other(OtherReason::Other)),
            Event::CorrectionReceived { .. } | Event::ConsultationEnded { .. } | Event::FeePaid { .. } => continue,
        };
        v.push(kind);
    }
    v
}
