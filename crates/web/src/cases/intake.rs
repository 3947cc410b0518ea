//! 23条通報 intake: the form, its checks, and the matching against known people (same kana
//! reading, with or without the birth date) before a new person is registered.

use super::matching::{NOT_A_CANDIDATE, candidate_list, chosen_person, matches};
use super::person_fields::{PersonFields, WithPerson, person_errors};
use crate::audit;
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{
    Candidate, Errors, Fields, PagePath, Submission, SummaryItem, check_texts, own_district, user_id, valid_date,
};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Permission, Target, authorize};
use nimo_domain::calendar::{local_minute_text, parse_iso_date, parse_local_minute};
use nimo_domain::cases::texts;
use nimo_store::audit::Outcome;
use nimo_store::cases::{self, NewCase};
use nimo_store::districts;

#[derive(Template)]
#[template(path = "case_new.html")]
struct IntakePage {
    ctx: Layout,
    code: String,
    f: Fields,
    errors: Errors,
    /// The errors at the top of the page, each linking to its field.
    summary: Vec<SummaryItem>,
    candidates: Vec<Candidate>,
    /// Whether the typed person may be someone recorded in another 地区 (not shown).
    elsewhere: bool,
    /// The 地区 to choose from (the municipality's active ones, only their own for a 地区-scoped
    /// user); empty when the municipality lists none, and 地区 is typed.
    districts: Vec<String>,
    /// The articles a report can be made under: (code, label).
    articles: Vec<(&'static str, String)>,
}

impl IntakePage {
    fn value(&self, name: &str) -> String {
        self.f.get(name).cloned().unwrap_or_default()
    }
    fn error(&self, name: &str) -> String {
        self.errors.get(name).cloned().unwrap_or_default()
    }
    fn checked(&self, name: &str) -> bool {
        self.f.get(name).is_some_and(|v| v == "1")
    }
}

/// The municipality's active 地区 (all of them), and those the form offers to this user.
async fn district_choices(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
) -> Result<(Vec<String>, Vec<String>), WebError> {
    let all = districts::active_names(&state.db, code.as_str()).await?;
    let own = own_district(ctx);
    let offered = all.iter().filter(|d| own.as_ref().is_none_or(|o| o == *d)).cloned().collect();
    Ok((all, offered))
}

/// GET /municipalities/{code}/cases/new: the intake form.
pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(code, ..): PagePath<MunicipalityCode>,
) -> Result<Html<String>, WebError> {
    let (_, districts) = district_choices(&state, &ctx, &code).await?;
    let mut f = Fields::new();
    f.insert("district".into(), own_district(&ctx).unwrap_or_default());
    f.insert("resident".into(), "1".into());
    f.insert("article".into(), nimo_domain::cases::ReportArticle::DEFAULT.code().into());
    f.insert("sex".into(), "x".into());
    // A report is usually typed as it is taken: the 受理日時 is now (Japan's time), to correct
    // when it was taken earlier.
    let mut now = crate::pages::japan_now(&state);
    now = now.replace_second(0).unwrap_or(now).replace_nanosecond(0).unwrap_or(now);
    f.insert("received_at".into(), local_minute_text(now));
    let page = IntakePage {
        ctx: Layout::of(&ctx),
        code: code.to_string(),
        f,
        errors: Errors::new(),
        summary: Vec::new(),
        candidates: vec![],
        elsewhere: false,
        districts,
        articles: articles(),
    };
    Ok(Html(page.render()?))
}

fn valid_datetime(text: &str) -> bool {
    text.len() == 16 && valid_date(&text[..10]) && text.as_bytes()[10] == b'T' && {
        let format = time::macros::format_description!("[hour]:[minute]");
        time::Time::parse(&text[11..], &format).is_ok()
    }
}

fn articles() -> Vec<(&'static str, String)> {
    nimo_domain::cases::REPORT_ARTICLES.iter().map(|e| (e.code, e.value.label())).collect()
}

/// The article of a report as posted: one of the list; left out, the default (23条), which the
/// form has selected.
fn report_article(code: &str) -> Option<nimo_domain::cases::ReportArticle> {
    if code.is_empty() {
        Some(nimo_domain::cases::ReportArticle::DEFAULT)
    } else {
        nimo_domain::cases::ReportArticle::parse(code)
    }
}

fn intake_errors(f: &Fields, ctx: &Ctx, code: &MunicipalityCode, listed: &[String]) -> Errors {
    let get = |n: &str| f.get(n).map(|v| v.trim()).unwrap_or_default();
    let mut errors = Errors::new();
    if !valid_datetime(get("received_at")) {
        errors.insert("received_at".into(), "受理日時を「2022-05-10T14:30」の形で入力してください".into());
    }
    let protection = get("protection_started_at");
    if !protection.is_empty() && !valid_datetime(protection) {
        errors.insert(
            "protection_started_at".into(),
            "警察官による保護の開始日時を「2022-05-10T14:30」の形で入力してください（分からなければ空欄）".into(),
        );
    }
    if report_article(get("article")).is_none() {
        errors.insert("article".into(), "通報・申請の根拠条文を一覧から選んでください".into());
    }
    if get("police_station").is_empty() {
        errors.insert("police_station".into(), "通報した警察署を入力してください".into());
    }
    let district = get("district");
    if !listed.is_empty() && !listed.iter().any(|d| d == district) {
        errors.insert("district".into(), "地区を一覧から選んでください".into());
    } else if district.is_empty() {
        errors.insert("district".into(), "地区を入力してください".into());
    } else if authorize(
        ctx.0.principal().as_ref(),
        Permission::CaseWrite,
        &Target::District(code.clone(), district.into()),
    )
    .is_err()
    {
        errors.insert("district".into(), "担当地区以外の地区には登録できません".into());
    }
    if get("unknown") != "1" {
        person_errors(f, &mut errors);
    }
    let due = get("next_due_on");
    if !due.is_empty() && !valid_date(due) {
        errors.insert("next_due_on".into(), "期限を「2022-05-11」の形で入力してください".into());
    }
    check_texts(f, texts::INTAKE, &mut errors);
    if get("unknown") == "1" {
        // The person's fields are not saved then, but nothing typed is taken in unchecked.
        check_texts(f, texts::PERSON, &mut errors);
    }
    errors
}

/// The intake form as posted, without the person's fields (read into [`PersonFields`]); a field
/// left out is absent, and reads as empty.
#[derive(Debug, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IntakeForm {
    received_at: Option<String>,
    protection_started_at: Option<String>,
    article: Option<String>,
    police_station: Option<String>,
    district: Option<String>,
    resident: Option<String>,
    circumstances: Option<String>,
    next_due_on: Option<String>,
    unknown: Option<String>,
}

/// The intake form's fields in the order it shows them.
const FIELD_ORDER: &[&str] = &[
    "person_choice",
    "received_at",
    "protection_started_at",
    "article",
    "police_station",
    "district",
    "circumstances",
    "next_due_on",
    "name_kana",
    "name_kanji",
    "birth_date",
    "sex",
    "address",
    "contact",
];

/// POST /municipalities/{code}/cases: takes in a report. When the person may already be known
/// (same kana reading, with or without the birth date), the form comes back with the candidates
/// for staff to choose one or to register a new person; nothing is saved until then.
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(code, ..): PagePath<MunicipalityCode>,
    Submission(form): Submission<WithPerson<IntakeForm>>,
) -> Result<Response, WebError> {
    let (listed, offered) = district_choices(&state, &ctx, &code).await?;
    let f = form.posted();
    let page = |f: Fields, errors: Errors, candidates: Vec<Candidate>| IntakePage {
        ctx: Layout::of(&ctx),
        code: code.to_string(),
        f,
        summary: crate::pages::summary(&errors, FIELD_ORDER, |name| name.to_string()),
        errors,
        candidates,
        elsewhere: false,
        districts: offered.clone(),
        articles: articles(),
    };
    let mut errors = intake_errors(&f, &ctx, &code, &listed);
    let get = |n: &str| f.get(n).map(|v| v.trim().to_string()).unwrap_or_default();
    let unknown = get("unknown") == "1";
    let choice = get("person_choice");
    let mut person_id = None;
    if errors.is_empty() && !unknown {
        let found = matches(&state, &ctx, &code, &get("name_kana"), &get("birth_date")).await?;
        if choice.is_empty() && (!found.visible.is_empty() || !found.elsewhere.is_empty()) {
            let candidates = candidate_list(&state, &ctx, &found).await?;
            let mut page = page(f.clone(), Errors::new(), candidates);
            page.elsewhere = !found.elsewhere.is_empty();
            return Ok(Html(page.render()?).into_response());
        }
        if choice != "new" && !choice.is_empty() {
            match chosen_person(&state, &ctx, &found, &choice).await? {
                Some(id) => person_id = Some(id),
                None => {
                    errors.insert("person_choice".into(), NOT_A_CANDIDATE.into());
                }
            }
        }
    }
    if !errors.is_empty() {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page(f.clone(), errors, vec![]).render()?)).into_response());
    }
    let district = get("district");
    let new_person = (!unknown && person_id.is_none()).then(|| PersonFields::new_person(&f, &code, &district));
    let new = NewCase {
        municipality: code.clone(),
        district,
        person_id,
        received_at: parse_local_minute(&get("received_at"))
            .ok_or_else(|| WebError::Internal("received_at passed its check but does not parse".into()))?,
        article: report_article(&get("article"))
            .ok_or_else(|| WebError::Internal("article passed its check but does not parse".into()))?,
        police_station: get("police_station"),
        resident: get("resident") == "1",
        circumstances: get("circumstances"),
        assigned_to: user_id(&ctx)?,
        next_due_on: parse_iso_date(&get("next_due_on")),
        protection_started_at: parse_local_minute(&get("protection_started_at"))
            .map(|local| local.assume_offset(crate::display::JST)),
    };
    let event = audit::event(&ctx.0, "create", Outcome::Ok);
    let id = cases::create(&state.db, &new, new_person.as_ref(), event).await?;
    Ok(Redirect::to(&format!("/municipalities/{code}/cases/{id}?notice=created")).into_response())
}
