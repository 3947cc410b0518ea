//! 法定期限の規則と根拠: every version of every legal clock rule nimo computes, with its article
//! (and the number before the R6.4 amendment), length, what starts and stops it, when it counts as
//! due soon, the sources read and whether nimo verified it (要確認 with what is still to check).
//! Reference data only: no person, no case, nothing to audit.

use crate::context::Ctx;
use crate::layout::Layout;
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::response::Html;
use nimo_domain::clocks::{ARTICLE_MOVES, ArticleMove, Confidence, JST, RULES, Rule, Start, Stop, Verification};

/// One rule version as the page shows it.
pub(crate) struct RuleRow {
    pub(crate) label: &'static str,
    pub(crate) article: String,
    pub(crate) length: String,
    pub(crate) starts: String,
    pub(crate) stops: String,
    pub(crate) due_soon: String,
    pub(crate) in_force: String,
    pub(crate) current: bool,
    pub(crate) sources: Vec<String>,
    pub(crate) confidence: &'static str,
    pub(crate) unverified: Option<&'static str>,
}

fn start_label(start: &Start) -> String {
    match start {
        Start::Event(kind) => kind.label().to_string(),
        Start::Enters { form, specified_doctor: Some(true) } => format!("{}（特定医師の診察による）", form.label()),
        Start::Enters { form, specified_doctor: Some(false) } => format!("{}（指定医の診察による）", form.label()),
        Start::Enters { form, specified_doctor: None } => format!("{}の開始", form.label()),
        Start::Leaves(form) => format!("{}の終了", form.label()),
    }
}

fn stop_label(stop: &Stop) -> String {
    match stop {
        Stop::Event(kind) => kind.label().to_string(),
        Stop::Leaves(form) => format!("{}の終了", form.label()),
    }
}

fn confidence_label(confidence: Confidence) -> &'static str {
    match confidence {
        Confidence::Primary => "原文（条文・通知）",
        Confidence::Secondary => "二次資料",
        Confidence::None => "未確認",
    }
}

impl RuleRow {
    pub(crate) fn of(rule: &'static Rule, current: bool) -> Self {
        let in_force = match (rule.effective_from, rule.effective_to) {
            (None, None) => "現行".to_string(),
            (Some(from), None) => format!("{from} から"),
            (None, Some(to)) => format!("{to} まで"),
            (Some(from), Some(to)) => format!("{from} から {to} まで"),
        };
        let source = rule.source;
        let sources = [Some(source.law), source.ordinance, source.notice, Some(source.read)]
            .into_iter()
            .flatten()
            .filter(|text| !text.is_empty())
            .map(str::to_string)
            .collect();
        RuleRow {
            label: rule.label,
            article: rule.article_label(),
            length: rule.length_label(),
            starts: rule.starts.iter().map(start_label).collect::<Vec<_>>().join("、"),
            stops: rule.stops.iter().map(stop_label).collect::<Vec<_>>().join("、"),
            due_soon: rule.due_soon.label(),
            in_force,
            current,
            sources,
            confidence: confidence_label(source.confidence),
            unverified: match rule.verification {
                Verification::Confirmed => None,
                Verification::Unconfirmed(what) => Some(what),
            },
        }
    }
}

#[derive(Template)]
#[template(path = "clock_rules.html")]
struct RulesPage {
    ctx: Layout,
    rules: Vec<RuleRow>,
    unverified: usize,
    moves: &'static [ArticleMove],
}

/// GET /clocks/rules
pub async fn rules(State(state): State<AppState>, ctx: Ctx) -> Result<Html<String>, WebError> {
    let today = state.clock.now().to_offset(JST).date();
    let rules: Vec<RuleRow> = RULES.iter().map(|rule| RuleRow::of(rule, rule.in_force(today))).collect();
    let unverified = rules.iter().filter(|row| row.unverified.is_some()).count();
    let page = RulesPage { ctx: Layout::of(&ctx), rules, unverified, moves: ARTICLE_MOVES };
    Ok(Html(page.render()?))
}
