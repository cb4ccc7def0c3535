use ogi_letters::law::{self, RECONSIDERATION_FIRST_SENTENCE};
use ogi_letters::{
    format_date, render, suggested, to_html, validate, Answer, Context, LetterError, LetterKind, TemplateError,
    PLACEHOLDERS,
};
use ogi_rules::request::Consulted;
use ogi_rules::request::{Channel, Event, Request};
use ogi_rules::{Calendar, Date};
use ogi_vocab::cells::{
    ApplicantColumn, DenialReason, NotProcessedReason, OtherReason, Outcome, T3Row, Template, UnavailableReason,
};

fn date(y: i16, m: i8, d: i8) -> Date {
    Date::new(y, m, d).unwrap()
}

/// Every outcome of both templates (the old single 其他处理 row included).
fn all_outcomes() -> Vec<Outcome> {
    let mut v = T3Row::outcomes(Template::Y2021);
    v.push(Outcome::OtherUnsplit);
    v
}

fn every_kind() -> Vec<LetterKind> {
    let mut v = LetterKind::all();
    v.push(LetterKind::Answer(Outcome::OtherUnsplit));
    v
}

fn text(kind: LetterKind, ctx: &Context) -> String {
    render(kind, ctx, None).unwrap_or_else(|e| panic!("{}: {e}", kind.key())).paragraphs.join("\n")
}

#[test]
fn every_kind_and_every_outcome_renders() {
    let ctx = Context::sample();
    assert_eq!(LetterKind::all().len(), 5 + 21);
    for kind in every_kind() {
        let l = render(kind, &ctx, None).unwrap_or_else(|e| panic!("{}: {e}", kind.key()));
        assert_eq!(l.title, kind.title());
        assert_eq!(l.number, "某府办信公〔2025〕1号");
        assert_eq!(l.signature, "某市某区人民政府办公室");
        assert_eq!(l.date, "2025年3月11日");
        assert!(l.paragraphs.len() >= 3, "{}: {:?}", kind.key(), l.paragraphs);
        let body = l.paragraphs.join("\n");
        for leftover in ["{{", "}}", "{%", "%}", "none", "undefined"] {
            assert!(!body.contains(leftover), "{}: {leftover} in {body}", kind.key());
        }
        assert!(l.paragraphs.iter().all(|p| p == p.trim() && !p.is_empty()));
        if kind != LetterKind::ThirdParty {
            assert_eq!(l.recipient, "张三");
        }
        if let LetterKind::Answer(o) = kind {
            assert!(body.contains("第五十一条"), "{}: no remedies", kind.key());
            assert!(body.contains("六十日内"), "{}", kind.key());
            let cited = law::citation(o, ctx.answer.as_ref().unwrap());
            assert!(body.contains(&cited), "{}: citation {cited} missing", kind.key());
            assert!(body.contains("特此告知。"));
        }
    }
}

#[test]
fn the_articles_cited_for_each_outcome() {
    let plain = Answer::default();
    let expect: Vec<(Outcome, &[&str])> = vec![
        (Outcome::Granted, &["第三十六条第（二）项"]),
        (Outcome::Partial, &["第三十七条", "第三十六条第（三）项"]),
        (Outcome::Denied(DenialReason::StateSecret), &["第十四条", "第三十六条第（三）项"]),
        (Outcome::Denied(DenialReason::ProhibitedByLaw), &["第十四条", "第三十六条第（三）项"]),
        (Outcome::Denied(DenialReason::SafetyStability), &["第十四条", "第三十六条第（三）项"]),
        (Outcome::Denied(DenialReason::ThirdPartyRights), &["第十五条", "第三十六条第（三）项"]),
        (Outcome::Denied(DenialReason::InternalAffairs), &["第十六条第一款", "第三十六条第（三）项"]),
        (Outcome::Denied(DenialReason::ProcessInfo), &["第十六条第二款", "第三十六条第（三）项"]),
        (Outcome::Denied(DenialReason::EnforcementFile), &["第十六条第二款", "第三十六条第（三）项"]),
        (Outcome::Denied(DenialReason::AdminQuery), &["第三十六条第（七）项"]),
        (Outcome::Unavailable(UnavailableReason::NotHeld), &["第三十六条第（四）项"]),
        (Outcome::Unavailable(UnavailableReason::NeedsCreation), &["第三十八条"]),
        (Outcome::Unavailable(UnavailableReason::StillUnclear), &["第二十九条第二款第（二）项", "第三十条"]),
        (Outcome::NotProcessed(NotProcessedReason::Petition), &["第三十九条第一款"]),
        (Outcome::NotProcessed(NotProcessedReason::Duplicate), &["第三十六条第（六）项"]),
        (Outcome::NotProcessed(NotProcessedReason::Publication), &["第三十九条第二款"]),
        (Outcome::NotProcessed(NotProcessedReason::Excessive), &["第三十五条"]),
        (Outcome::NotProcessed(NotProcessedReason::Confirmation), &["第二条"]),
        (Outcome::Other(OtherReason::OverdueCorrection), &["第三十条"]),
        (Outcome::Other(OtherReason::OverdueFee), &["第四十二条"]),
        (Outcome::Other(OtherReason::Other), &[]),
        (Outcome::OtherUnsplit, &[]),
    ];
    assert_eq!(expect.len(), all_outcomes().len(), "every outcome has its expected citation");
    for (o, arts) in &expect {
        assert_eq!(law::articles(*o, &plain), *arts, "{:?}", o);
    }
    // The facts of the answer choose the item of 第三十六条.
    let published = Answer { already_published: true, ..Answer::default() };
    assert_eq!(law::articles(Outcome::Granted, &published), ["第三十六条第（一）项"]);
    let elsewhere =
        Answer { responsible_agency: "某市自然资源局（电话010-1234）".into(), ..Answer::default() };
    assert_eq!(law::articles(Outcome::Unavailable(UnavailableReason::NotHeld), &elsewhere), ["第三十六条第（五）项"]);

    // And the letter prints them with the 条例's full name.
    let ctx = Context::sample();
    let t = text(LetterKind::Answer(Outcome::Denied(DenialReason::StateSecret)), &ctx);
    assert!(
        t.contains("根据《中华人民共和国政府信息公开条例》第十四条、第三十六条第（三）项的规定，本机关决定不予公开。"),
        "{t}"
    );
    let t = text(LetterKind::Answer(Outcome::Unavailable(UnavailableReason::NotHeld)), &ctx);
    assert!(t.contains("第三十六条第（四）项") && t.contains("不存在"), "{t}");
    let mut other = ctx.clone();
    other.answer = Some(elsewhere);
    let t = text(LetterKind::Answer(Outcome::Unavailable(UnavailableReason::NotHeld)), &other);
    assert!(
        t.contains("第三十六条第（五）项") && t.contains("该政府信息由某市自然资源局（电话010-1234）负责公开"),
        "{t}"
    );
    assert!(!t.contains("不存在"), "{t}");
    let mut pub_ctx = ctx.clone();
    pub_ctx.answer =
        Some(Answer { provision: "见本机关门户网站“通知公告”栏目。".into(), ..published });
    let t = text(LetterKind::Answer(Outcome::Granted), &pub_ctx);
    assert!(t.contains("第三十六条第（一）项") && t.contains("已经主动公开"), "{t}");
    let t = text(LetterKind::Answer(Outcome::Other(OtherReason::OverdueFee)), &ctx);
    assert!(t.contains("第四十二条和《政府信息公开信息处理费管理办法》"), "{t}");
}

#[test]
fn reconsideration_first_exactly_for_refusals_dated_from_2024() {
    let mut ctx = Context::sample();
    for on in [date(2019, 5, 15), date(2023, 12, 31), date(2024, 1, 1), date(2024, 1, 2), date(2025, 3, 11)] {
        ctx.date = on;
        for o in all_outcomes() {
            let t = text(LetterKind::Answer(o), &ctx);
            let refusal = matches!(o, Outcome::Denied(_) | Outcome::Partial);
            let want = refusal && on >= date(2024, 1, 1);
            assert_eq!(law::reconsideration_first(o, on), want, "{o:?} on {on}");
            assert_eq!(t.contains(RECONSIDERATION_FIRST_SENTENCE), want, "{o:?} on {on}: {t}");
            assert_eq!(t.contains("应当先申请行政复议"), want, "{o:?} on {on}");
            // A direct lawsuit within six months is offered exactly when reconsideration is not first.
            assert_eq!(t.contains("六个月内依法向人民法院提起行政诉讼"), !want, "{o:?} on {on}");
        }
    }
    // The procedural letters never carry remedies.
    ctx.date = date(2025, 3, 11);
    for kind in
        [LetterKind::Receipt, LetterKind::Correction, LetterKind::Extension, LetterKind::ThirdParty, LetterKind::Fee]
    {
        let t = text(kind, &ctx);
        assert!(!t.contains("行政复议"), "{}: {t}", kind.key());
    }
}

#[test]
fn remedies_name_the_bodies_when_given() {
    let mut ctx = Context::sample();
    ctx.complaint_to = "某市人民政府办公室".into();
    ctx.reconsideration_to = "某区人民政府".into();
    ctx.court = "某区人民法院".into();
    let t = text(LetterKind::Answer(Outcome::Granted), &ctx);
    assert!(t.contains("向某市人民政府办公室投诉、举报"), "{t}");
    assert!(t.contains("依法向某区人民政府申请行政复议"), "{t}");
    assert!(t.contains("六个月内依法向某区人民法院提起行政诉讼"), "{t}");
    ctx.applicant_is_organization = true;
    let t = text(LetterKind::Answer(Outcome::Granted), &ctx);
    assert!(t.contains("你单位如认为本机关"), "{t}");
}

#[test]
fn html_escapes_everything_users_type() {
    let mut ctx = Context::sample();
    ctx.applicant = "<script>alert('x')</script>".into();
    ctx.summary = "a & b \"c\" <img src=x onerror=alert(1)>".into();
    ctx.agency = "某局</p><script>".into();
    ctx.number = "<b>号</b>".into();
    for kind in every_kind() {
        let l = render(kind, &ctx, None).unwrap();
        let h = to_html(&l);
        assert!(!h.contains("<script"), "{}", kind.key());
        assert!(!h.contains("<img"), "{}", kind.key());
        assert!(!h.contains("<b>"), "{}", kind.key());
        if kind != LetterKind::ThirdParty {
            assert!(h.contains("&lt;script&gt;alert('x')&lt;/script&gt;："), "{}", kind.key());
        }
        assert!(h.contains("a &amp; b &quot;c&quot; &lt;img"), "{}", kind.key());
    }
    // An edited template's own text is escaped too.
    let l = render(LetterKind::Receipt, &Context::sample(), Some("<script>1</script>{{ applicant }}")).unwrap();
    assert!(!to_html(&l).contains("<script>"));
}

#[test]
fn html_is_a_self_contained_printable_page() {
    let l = render(LetterKind::Answer(Outcome::Granted), &Context::sample(), None).unwrap();
    let h = to_html(&l);
    assert!(h.starts_with("<!DOCTYPE html>"));
    assert!(h.contains("<meta charset=\"utf-8\">"));
    assert!(h.contains("size: A4"));
    assert!(h.contains("仿宋") && h.contains("小标宋"));
    for external in ["http:", "https:", "src=", "<link", "@import", "url("] {
        assert!(!h.contains(external), "{external}");
    }
    assert!(h.contains("<h1>政府信息公开申请答复告知书</h1>"));
    assert!(h.contains("<p class=\"recipient\">张三：</p>"));
    assert!(h.contains("<p class=\"date\">2025年3月11日</p>"));
    assert_eq!(h.matches("<p class=\"body\">").count(), l.paragraphs.len());
}

#[test]
fn a_broken_template_is_an_error_in_chinese_never_a_panic() {
    let ctx = Context::sample();
    type Is = fn(&TemplateError) -> bool;
    let broken: &[(&str, Is)] = &[
        ("{{ applicant", |e| matches!(e, TemplateError::Syntax { .. })),
        ("{% if you %}没有结束", |e| matches!(e, TemplateError::Syntax { .. })),
        ("{% for x in %}{% endfor %}", |e| matches!(e, TemplateError::Syntax { .. })),
        ("{% endif %}", |e| matches!(e, TemplateError::Syntax { .. })),
        ("{% include 'x' %}", |e| matches!(e, TemplateError::Syntax { .. })),
        ("{% macro m() %}{% endmacro %}", |e| matches!(e, TemplateError::Syntax { .. })),
        ("本机关收到{{ 申请人 }}的申请", |e| matches!(e, TemplateError::Syntax { .. })),
        (
            "{{ applicannt }}{{ nosuch }}",
            |e| matches!(e, TemplateError::UnknownPlaceholders(v) if v == &["applicannt", "nosuch"]),
        ),
        ("第{{ loop.index }}项", |e| matches!(e, TemplateError::UnknownPlaceholders(v) if v == &["loop"])),
        ("{{ applicant|upper }}", |e| matches!(e, TemplateError::Render { .. })),
        ("{{ range(10) }}", |e| matches!(e, TemplateError::UnknownPlaceholders(_) | TemplateError::Render { .. })),
        ("{{ applicant.name }}", |e| matches!(e, TemplateError::Render { .. })),
        ("{{ applicant + 1 }}", |e| matches!(e, TemplateError::Render { .. })),
        ("{% for i in correction_items %}{{ i.x }}{% endfor %}", |e| matches!(e, TemplateError::Render { .. })),
        ("", |e| matches!(e, TemplateError::Empty)),
        ("  \n\u{3000}\n", |e| matches!(e, TemplateError::Empty)),
    ];
    for (tpl, is) in broken {
        let e = validate(LetterKind::Receipt, tpl).expect_err(tpl);
        assert!(is(&e), "{tpl:?}: {e:?}");
        let msg = e.to_string();
        assert!(msg.contains("模板"), "{tpl:?}: {msg}");
        match render(LetterKind::Receipt, &ctx, Some(tpl)) {
            Err(LetterError::Template(e2)) => assert_eq!(e2, e),
            other => panic!("{tpl:?}: {other:?}"),
        }
    }
    let e = validate(LetterKind::Receipt, "{{ nosuch }}").unwrap_err();
    assert!(e.to_string().starts_with("模板使用了不存在的占位符：{{ nosuch }}。可用的占位符有：agency"), "{e}");
    let e = validate(LetterKind::Receipt, "第一行\n{% if you %}\n第三行").unwrap_err();
    assert!(e.to_string().contains("语法错误"), "{e}");

    // An answer must keep its remedies, even when the rest is edited.
    let denied = LetterKind::Answer(Outcome::Denied(DenialReason::StateSecret));
    assert_eq!(validate(denied, "不予公开。"), Err(TemplateError::MissingRemedies));
    assert_eq!(
        validate(denied, "不予公开。{% if false %}{{ remedies }}{% endif %}"),
        Err(TemplateError::MissingRemedies)
    );
    assert!(validate(denied, "不予公开。\n{{ remedies }}").is_ok());
    assert!(TemplateError::MissingRemedies.to_string().contains("救济途径"));
}

#[test]
fn validate_accepts_every_default_template_and_edits_render() {
    for kind in every_kind() {
        validate(kind, kind.default_template()).unwrap_or_else(|e| panic!("{}: {e}", kind.key()));
    }
    let edited =
        "兹收到{{ applicant }}的申请（{{ tracking_code }}）。\n\n{% if due %}请于{{ due }}前留意答复。{% endif %}\n";
    validate(LetterKind::Receipt, edited).unwrap();
    let l = render(LetterKind::Receipt, &Context::sample(), Some(edited)).unwrap();
    assert_eq!(l.paragraphs, ["兹收到张三的申请（YSQ-2025-0001）。", "请于2025年4月1日前留意答复。"]);
    // Every placeholder can be used in any letter.
    let all: String = PLACEHOLDERS.iter().map(|(n, _)| format!("{{{{ {n} }}}}\n")).collect();
    for kind in every_kind() {
        validate(kind, &all).unwrap_or_else(|e| panic!("{}: {e}", kind.key()));
    }
}

#[test]
fn letters_print_their_details() {
    let ctx = Context::sample();
    let t = text(LetterKind::Receipt, &ctx);
    assert!(
        t.contains("申请编号为YSQ-2025-0001") && t.contains("2025年3月4日") && t.contains("答复期限截至2025年4月1日"),
        "{t}"
    );
    let t = text(LetterKind::Correction, &ctx);
    assert!(t.contains("第三十条") && t.contains("\n1. 所需文件的名称或者文号\n2. 所涉路段的具体位置\n"), "{t}");
    assert!(t.contains("补正期限截至2025年3月25日") && t.contains("视为放弃申请"), "{t}");
    let t = text(LetterKind::Extension, &ctx);
    assert!(t.contains("第三十三条第二款") && t.contains("延长20个工作日") && t.contains("截至2025年4月30日"), "{t}");
    assert!(t.contains("因所需信息需要调取历史档案"), "{t}");
    let t = text(LetterKind::Fee, &ctx);
    assert!(
        t.contains("第四十二条") && t.contains("按件计收") && t.contains("人民币100元") && t.contains("2025年4月9日"),
        "{t}"
    );
    let l = render(LetterKind::ThirdParty, &ctx, None).unwrap();
    assert_eq!(l.recipient, "某建设工程有限公司");
    let t = l.paragraphs.join("\n");
    assert!(t.contains("第三十二条") && t.contains("15个工作日") && t.contains("你单位"), "{t}");
    assert!(!t.contains("张三"), "the third party is not told who asked: {t}");
    assert!(t.contains("联系电话：010-12345678。"));
}

/// A deadline counted through a year whose holidays are not loaded is never
/// printed as final; a typed date (the correction period) is printed as typed.
#[test]
fn provisional_deadlines_are_printed_as_provisional() {
    let mut ctx = Context::sample();
    ctx.provisional_years = vec![2025];
    let t = text(LetterKind::Receipt, &ctx);
    assert!(
        t.contains("答复期限截至2025年4月1日（暂定，以国务院办公厅公布的2025年节假日安排重新计算的期限为准）"),
        "{t}"
    );
    let t = text(LetterKind::Extension, &ctx);
    assert!(t.contains("截至2025年4月30日（暂定"), "{t}");
    let t = text(LetterKind::Fee, &ctx);
    assert!(t.contains("2025年4月9日（暂定"), "{t}");
    let t = text(LetterKind::Correction, &ctx);
    assert!(t.contains("补正期限截至2025年3月25日") && !t.contains("暂定"), "{t}");
    // A provisional year before the receipt does not touch its dates.
    ctx.provisional_years = vec![2024];
    assert!(!text(LetterKind::Receipt, &ctx).contains("暂定"));
}

#[test]
fn letters_that_lack_their_details_say_what_is_missing() {
    let mut ctx = Context::sample();
    ctx.correction = None;
    ctx.extension = None;
    ctx.third_party = None;
    ctx.fee = None;
    ctx.answer = None;
    for kind in [LetterKind::Correction, LetterKind::Extension, LetterKind::ThirdParty, LetterKind::Fee] {
        assert!(matches!(render(kind, &ctx, None), Err(LetterError::Missing(_))), "{}", kind.key());
    }
    assert!(matches!(
        render(LetterKind::Answer(Outcome::Other(OtherReason::Other)), &ctx, None),
        Err(LetterError::Missing(_))
    ));
    // A partial disclosure must say what was withheld and why (第三十六条第（三）项).
    assert!(matches!(
        render(LetterKind::Answer(Outcome::Partial), &ctx, None),
        Err(LetterError::Missing(m)) if m.contains("第三十六条第（三）项")
    ));
    // Every other answer renders without details, and no empty quote or dangling label is left.
    ctx.due = None;
    for kind in every_kind() {
        if let LetterKind::Answer(Outcome::Other(OtherReason::Other) | Outcome::OtherUnsplit | Outcome::Partial) = kind
        {
            continue;
        }
        if let LetterKind::Answer(_) | LetterKind::Receipt = kind {
            let t = text(kind, &ctx);
            assert!(!t.contains("（）") && !t.contains("截至。"), "{}: {t}", kind.key());
        }
    }
    let mut ctx = Context::sample();
    ctx.extension.as_mut().unwrap().days = 21;
    assert!(matches!(render(LetterKind::Extension, &ctx, None), Err(LetterError::Missing(m)) if m.contains("20")));
    ctx.fee.as_mut().unwrap().yuan = 0;
    assert!(render(LetterKind::Fee, &ctx, None).is_err());
}

#[test]
fn keys_round_trip_and_dates_print_in_chinese() {
    for kind in every_kind() {
        assert_eq!(LetterKind::from_key(&kind.key()), Some(kind), "{}", kind.key());
    }
    assert_eq!(LetterKind::Answer(Outcome::Denied(DenialReason::StateSecret)).key(), "answer.denied.state_secret");
    for bad in ["", "answer", "answer.new", "answer.total", "answer.denied.nope", "letter"] {
        assert_eq!(LetterKind::from_key(bad), None, "{bad}");
    }
    assert_eq!(format_date(date(2025, 3, 4)), "2025年3月4日");
    assert_eq!(format_date(date(2024, 12, 31)), "2024年12月31日");
}

#[test]
fn suggested_letters_follow_the_events() {
    let cal = Calendar::embedded();
    let new = || Request::receive(Channel::InPerson, ApplicantColumn::Natural, date(2024, 3, 1), None).unwrap();

    assert_eq!(suggested(&new()), [LetterKind::Receipt]);

    let mut r = new();
    r.apply(&cal, Event::CorrectionRequested { on: date(2024, 3, 5), reply_by: date(2024, 3, 20) }).unwrap();
    r.apply(&cal, Event::CorrectionReceived { on: date(2024, 3, 11) }).unwrap();
    r.apply(
        &cal,
        Event::ConsultationStarted {
            on: date(2024, 3, 12),
            delivered: date(2024, 3, 12),
            party: Consulted::ThirdParty,
        },
    )
    .unwrap();
    r.apply(&cal, Event::ConsultationEnded { on: date(2024, 3, 20) }).unwrap();
    r.apply(&cal, Event::Extended { on: date(2024, 3, 25), days: 10, approver: "李四".into() }).unwrap();
    r.apply(&cal, Event::FeeNoticed { on: date(2024, 3, 26), yuan: 100, delivered: date(2024, 3, 26) }).unwrap();
    r.apply(&cal, Event::FeePaid { on: date(2024, 3, 28) }).unwrap();
    let denied = Outcome::Denied(DenialReason::ThirdPartyRights);
    r.apply(&cal, Event::Answered { on: date(2024, 4, 2), outcome: denied }).unwrap();
    assert_eq!(
        suggested(&r),
        [
            LetterKind::Receipt,
            LetterKind::Correction,
            LetterKind::ThirdParty,
            LetterKind::Extension,
            LetterKind::Fee,
            LetterKind::Answer(denied),
        ]
    );

    let mut r = new();
    r.apply(&cal, Event::CorrectionRequested { on: date(2024, 3, 5), reply_by: date(2024, 3, 20) }).unwrap();
    r.apply(&cal, Event::CorrectionLapsed { on: date(2024, 3, 21) }).unwrap();
    assert_eq!(
        suggested(&r),
        [
            LetterKind::Receipt,
            LetterKind::Correction,
            LetterKind::Answer(Outcome::Other(OtherReason::OverdueCorrection))
        ]
    );

    let mut r = new();
    r.apply(&cal, Event::FeeNoticed { on: date(2024, 3, 8), yuan: 100, delivered: date(2024, 3, 8) }).unwrap();
    r.apply(&cal, Event::FeeLapsed { on: date(2024, 4, 9) }).unwrap();
    assert_eq!(
        suggested(&r),
        [LetterKind::Receipt, LetterKind::Fee, LetterKind::Answer(Outcome::Other(OtherReason::OverdueFee))]
    );

    let mut r = new();
    r.apply(&cal, Event::Withdrawn { on: date(2024, 3, 4) }).unwrap();
    assert_eq!(suggested(&r), [LetterKind::Receipt, LetterKind::Answer(Outcome::Other(OtherReason::Other))]);
}

#[test]
fn a_template_that_would_run_away_is_stopped_not_left_hanging() {
    let mut ctx = Context::sample();
    ctx.summary = "请求公开".repeat(100);
    let tpl = "{% for a in summary %}{% for b in summary %}{% for c in summary %}x{% endfor %}{% endfor %}{% endfor %}";
    match render(LetterKind::Receipt, &ctx, Some(tpl)) {
        Err(LetterError::Template(TemplateError::Render { .. })) => {}
        other => panic!("{other:?}"),
    }
}
