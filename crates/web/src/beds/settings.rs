//! The hospital's settings page (`/hospital/settings`), for its own staff: the designation that
//! decides whether 措置入院 and 緊急措置入院 may be placed there (国等の設置 / 指定病院, 法29条1項
//! and 19条の8) and the 応急入院指定 (法33条の6), whether it takes admissions in the 夜間・休日
//! band, and each ward's number of 保護室. The rules the designations feed are shown beside them
//! with their sources. Each change is written with its audit row (`hospital_admin`, record
//! `hospital`/id or `ward`/id) in one transaction; a bad value comes back 422 beside its field.

use crate::audit;
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{Errors, NoticeQuery, PagePath, Submission, SummaryItem, WardId, WardMissing};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::beds::{MAX_SECLUSION_ROOMS, PLACEMENT_RULES, Requirement, SochiDesignation};
use nimo_store::audit::Outcome;
use nimo_store::beds;

/// A ward's line on the page.
pub struct RoomsView {
    pub id: String,
    pub name: String,
    pub rooms: String,
    pub free: i64,
    pub error: String,
}

/// A placement rule as the page lists it.
pub struct RuleView {
    pub admission: &'static str,
    pub requires: &'static str,
    pub article: String,
    pub source: &'static str,
    pub unverified: &'static str,
}

#[derive(Template)]
#[template(path = "hospital_settings.html")]
struct SettingsPage {
    ctx: Layout,
    name: String,
    designations: Vec<(&'static str, &'static str)>,
    sochi: String,
    okyu: bool,
    night_holiday: bool,
    wards: Vec<RoomsView>,
    rules: Vec<RuleView>,
    band: String,
    errors: Errors,
    summary: Vec<SummaryItem>,
    notice: Option<&'static str>,
}

impl SettingsPage {
    fn error(&self, name: &str) -> String {
        self.errors.get(name).cloned().unwrap_or_default()
    }
}

/// The hospital's settings as posted.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SettingsForm {
    #[serde(default)]
    sochi_designation: String,
    #[serde(default)]
    okyu_designated: Option<String>,
    #[serde(default)]
    night_holiday: Option<String>,
}

/// A ward's 保護室 as posted.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RoomsForm {
    #[serde(default)]
    seclusion_rooms: String,
}

fn requirement_label(requirement: Requirement) -> &'static str {
    match requirement {
        Requirement::SochiDesignated => "国等の設置する精神科病院または指定病院",
        Requirement::OkyuDesignated => "応急入院指定病院",
        Requirement::Any => "指定は不要",
    }
}

/// The page as stored, before any typed value is laid over it.
async fn page(state: &AppState, ctx: &Ctx, notice: Option<&'static str>) -> Result<SettingsPage, WebError> {
    let hospital_id = crate::pages::own_hospital(ctx)?;
    let hospital = beds::hospital(&state.db, &hospital_id).await?;
    let wards = beds::wards_of_hospital_at(&state.db, &hospital_id, state.clock.unix()).await?;
    let band = nimo_domain::beds::night::BAND;
    Ok(SettingsPage {
        ctx: Layout::of(ctx),
        name: hospital.name,
        designations: SochiDesignation::ALL.iter().map(|d| (d.code(), d.label())).collect(),
        sochi: hospital.sochi_designation.code().to_string(),
        okyu: hospital.okyu_designated,
        night_holiday: hospital.night_holiday,
        wards: wards
            .into_iter()
            .map(|s| RoomsView {
                id: s.ward.id,
                name: s.ward.name,
                rooms: s.ward.seclusion_rooms.to_string(),
                free: s.seclusion_free,
                error: String::new(),
            })
            .collect(),
        rules: PLACEMENT_RULES
            .iter()
            .map(|r| RuleView {
                admission: r.admission.label(),
                requires: requirement_label(r.requires),
                article: match r.article_before_r6 {
                    Some(before) => format!("{}（R6.4前は{before}）", r.article),
                    None => r.article.to_string(),
                },
                source: r.source,
                unverified: r.unverified.unwrap_or_default(),
            })
            .collect(),
        band: format!("{}（要確認: {}）", band.source, band.unverified),
        errors: Errors::new(),
        summary: Vec::new(),
        notice,
    })
}

/// GET /hospital/settings.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<NoticeQuery>,
) -> Result<Html<String>, WebError> {
    let notice = match query.notice.as_deref() {
        Some("saved") => Some("病院の設定を保存しました"),
        Some("rooms") => Some("保護室数を保存しました"),
        _ => None,
    };
    Ok(Html(page(&state, &ctx, notice).await?.render()?))
}

/// POST /hospital/settings: the designations and the 夜間・休日 answer.
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Submission(form): Submission<SettingsForm>,
) -> Result<Response, WebError> {
    let Some(sochi) = SochiDesignation::parse(form.sochi_designation.trim()) else {
        let mut page = page(&state, &ctx, None).await?;
        page.sochi = form.sochi_designation.clone();
        page.okyu = form.okyu_designated.is_some();
        page.night_holiday = form.night_holiday.is_some();
        page.errors.insert("sochi_designation".into(), "措置入院の指定: 選択肢から選んでください".into());
        page.summary = crate::pages::summary(&page.errors, &["sochi_designation"], str::to_string);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response());
    };
    let mut hospital = beds::hospital(&state.db, &crate::pages::own_hospital(&ctx)?).await?;
    hospital.sochi_designation = sochi;
    hospital.okyu_designated = form.okyu_designated.is_some();
    hospital.night_holiday = form.night_holiday.is_some();
    let detail = format!(
        "sochi:{}/okyu:{}/night:{}",
        sochi.code(),
        u8::from(hospital.okyu_designated),
        u8::from(hospital.night_holiday)
    );
    let event = audit::event(&ctx.0, "hospital_admin", Outcome::Ok).with_detail(detail);
    beds::upsert_hospital(&state.db, &hospital, event).await?;
    state.bed_changed(&hospital.id);
    Ok(Redirect::to("/hospital/settings?notice=saved").into_response())
}

/// POST /hospital/wards/{ward}/rooms: a ward's number of 保護室 (its free ones are lowered to it).
pub async fn update_rooms(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(WardId(ward_id), ..): PagePath<WardId, WardMissing>,
    Submission(form): Submission<RoomsForm>,
) -> Result<Response, WebError> {
    let hospital_id = crate::pages::own_hospital(&ctx)?;
    let wards = beds::wards_of_hospital_at(&state.db, &hospital_id, state.clock.unix()).await?;
    let Some(status) = wards.into_iter().find(|s| s.ward.id == ward_id) else {
        return Err(WebError::NotFound("病棟が見つかりません".into()));
    };
    let rooms = nimo_domain::text::nfkc(form.seclusion_rooms.trim())
        .parse::<i64>()
        .ok()
        .filter(|n| (0..=MAX_SECLUSION_ROOMS).contains(n));
    let Some(rooms) = rooms else {
        let mut page = page(&state, &ctx, None).await?;
        let field = format!("rooms-{ward_id}");
        let message = format!("{}の保護室数: 0から{MAX_SECLUSION_ROOMS}までの整数で入力してください", status.ward.name);
        if let Some(view) = page.wards.iter_mut().find(|w| w.id == ward_id) {
            view.rooms = form.seclusion_rooms.clone();
            view.error = message.clone();
        }
        page.errors.insert(field.clone(), message);
        page.summary = crate::pages::summary(&page.errors, &[field.as_str()], str::to_string);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response());
    };
    let mut ward = status.ward;
    ward.seclusion_rooms = rooms;
    let event = audit::event(&ctx.0, "hospital_admin", Outcome::Ok).with_detail(format!("seclusion_rooms:{rooms}"));
    beds::upsert_ward(&state.db, &ward, state.clock.unix(), event).await?;
    state.bed_changed(&hospital_id);
    Ok(Redirect::to("/hospital/settings?notice=rooms").into_response())
}
