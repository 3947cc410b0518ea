//! The search page as it is shown (`SearchPage`): the criteria, the results ranked by the domain,
//! and the hold form above them with what was typed; `run` makes it for a search form (opened
//! from a case, the case's criteria). Shared by the search route and the hold form's refusals.

use super::criteria::{FieldError, SEARCH_LIMIT, SearchForm, criteria_at};
use super::from_case::{self, CaseSought};
use crate::context::Ctx;
use crate::layout::Layout;
use crate::{AppState, WebError};
use askama::Template;
use axum::http::StatusCode;
use nimo_domain::beds::{AdmissionChange, AdmissionType, WardType, age_label};
use nimo_store::beds::{self, Hit};

/// A search hit as the page shows it.
pub struct HitView {
    pub ward_id: String,
    pub hospital_name: String,
    pub ward_name: String,
    pub ward_type: &'static str,
    pub sex: &'static str,
    pub ages: String,
    pub left: i64,
    pub posted: i64,
    pub age: String,
    pub stale: bool,
    pub phone: String,
    pub distance: String,
    pub designations: String,
    pub admissions: String,
    /// The same without 「入院」 (措置・緊急措置・…), for the table's column of that name.
    pub admissions_short: String,
    /// 「保護室 空き1／2室」, or empty for a ward without 保護室.
    pub seclusion: String,
    /// In the 夜間・休日 band, the hospital takes no admissions now.
    pub closed_now: bool,
}

impl HitView {
    fn of(hit: &Hit, night_band: bool) -> Self {
        let ward = &hit.status.ward;
        let h = &hit.hospital;
        let sochi = match h.sochi_designation {
            nimo_domain::beds::SochiDesignation::Kokuto => Some("国等の設置"),
            nimo_domain::beds::SochiDesignation::Shitei => Some("指定病院"),
            nimo_domain::beds::SochiDesignation::None => None,
        };
        let designations: Vec<&str> = [
            (h.emergency, "精神科救急"),
            (sochi.is_some(), sochi.unwrap_or_default()),
            (h.okyu_designated, "応急入院指定"),
            (h.physical_care, "身体合併症対応"),
            (h.night_holiday, "夜間・休日受入"),
        ]
        .into_iter()
        .filter_map(|(has, label)| has.then_some(label))
        .collect();
        Self {
            ward_id: ward.id.clone(),
            hospital_name: h.name.clone(),
            ward_name: ward.name.clone(),
            ward_type: ward.ward_type.label(),
            sex: ward.sex.label(),
            ages: format!("{}〜{}歳", ward.min_age, ward.max_age),
            left: hit.status.availability.left(),
            posted: hit.status.availability.posted,
            age: age_label(hit.age_seconds),
            stale: hit.stale,
            phone: h.phone.clone(),
            distance: hit.distance_km.map(|d| format!("{d:.1} km")).unwrap_or_default(),
            designations: designations.join("・"),
            admissions: ward.admissions.iter().map(|a| a.label()).collect::<Vec<_>>().join("・"),
            admissions_short: ward
                .admissions
                .iter()
                .map(|a| a.label().trim_end_matches("入院"))
                .collect::<Vec<_>>()
                .join("・"),
            seclusion: if ward.seclusion_rooms > 0 {
                format!("保護室 空き{}／{}室", hit.status.seclusion_free, ward.seclusion_rooms)
            } else {
                String::new()
            },
            closed_now: night_band && !h.night_holiday,
        }
    }
}

/// What the hold form above the results holds: typed values kept after a refusal.
#[derive(Debug, Default, Clone)]
pub(crate) struct HoldValues {
    /// The ward whose row's form was sent (its form opens again with the refusal beside it).
    pub(crate) ward_id: String,
    pub(crate) case_ref: String,
    pub(crate) admission: String,
    pub(crate) admission_reason: String,
    pub(crate) confirm_admission: bool,
}

#[derive(Template)]
#[template(path = "beds_search.html")]
pub(crate) struct SearchPage {
    ctx: Layout,
    form: SearchForm,
    errors: Vec<FieldError>,
    searched: bool,
    hits: Vec<HitView>,
    /// How many wards and hospitals matched (before the limit).
    wards: usize,
    hospitals: usize,
    /// How the results are ordered, in one sentence.
    order_note: String,
    searched_at: i64,
    admissions: Vec<(&'static str, &'static str)>,
    ward_types: Vec<(&'static str, &'static str)>,
    places: Vec<(&'static str, &'static str)>,
    reasons: Vec<(&'static str, &'static str)>,
    /// The case the bed is sought for, when opened from it.
    case: Option<CaseSought>,
    pub(crate) hold: HoldValues,
    pub(crate) hold_errors: Vec<FieldError>,
    pub(crate) hold_error: Option<String>,
    /// When the search runs in the 夜間・休日 band: why (夜間, 休日 and its name).
    night_band: Option<String>,
    /// The band's definition and what is unverified about it, for the notice.
    band_note: String,
}

impl SearchPage {
    fn error(&self, name: &str) -> Option<&str> {
        self.errors.iter().find(|(field, _)| *field == name).map(|(_, message)| message.as_str())
    }

    fn hold_error_of(&self, name: &str) -> Option<&str> {
        self.hold_errors.iter().find(|(field, _)| *field == name).map(|(_, message)| message.as_str())
    }

    /// The query string of the current search (for the refresh link and the hold form).
    fn query(&self) -> String {
        self.form.query()
    }

    /// The criteria in one line, for the folded form after a search.
    fn summary(&self) -> String {
        let label = |list: &[(&'static str, &'static str)], code: &str| {
            list.iter().find(|(c, _)| *c == code.trim()).map(|(_, l)| *l)
        };
        let mut parts = Vec::new();
        parts.extend(label(&self.admissions, &self.form.admission));
        parts.extend(match self.form.sex.as_str() {
            "male" => Some("男性"),
            "female" => Some("女性"),
            _ => None,
        });
        let age = (!self.form.age.trim().is_empty()).then(|| format!("{}歳", self.form.age.trim()));
        let mut parts: Vec<String> = parts.into_iter().map(str::to_string).chain(age).collect();
        parts.extend(label(&self.ward_types, &self.form.ward_type).map(str::to_string));
        parts.extend(label(&self.places, &self.form.from).map(|p| format!("{p}から")));
        if self.form.physical.is_some() {
            parts.push("身体合併症あり".into());
        }
        if self.form.seclusion.is_some() {
            parts.push("保護室の空きあり".into());
        }
        if parts.is_empty() { "指定なし".into() } else { parts.join("・") }
    }

    /// 「該当 12 病棟・7 病院」, and 「（上位 50 件を表示）」 when more matched than are shown.
    fn counts(&self) -> String {
        let shown = if self.wards > self.hits.len() {
            format!("（上位 {} 件を表示）", self.hits.len())
        } else {
            String::new()
        };
        format!("該当 {} 病棟・{} 病院{shown}", self.wards, self.hospitals)
    }

    /// Whether the row of this ward opens its hold form (the form of the last refusal).
    fn row_open(&self, ward_id: &str) -> bool {
        self.hold.ward_id == ward_id && (self.hold_error.is_some() || !self.hold_errors.is_empty())
    }

    /// The 入院形態 the hold form starts with: what was typed, the case's, or the search's.
    fn hold_admission(&self) -> &str {
        if !self.hold.admission.is_empty() {
            &self.hold.admission
        } else if let Some(code) = self.case.as_ref().and_then(|c| c.admission) {
            code.code()
        } else {
            self.form.admission.trim()
        }
    }
}

/// How the results are ordered (the domain's `rank`), in one sentence; a posting older than
/// `stale_after_seconds` is stale.
fn order_note(stale_after_seconds: i64) -> String {
    let stale = match stale_after_seconds {
        s if s % 3600 == 0 => format!("{}時間", s / 3600),
        s => format!("{}分", s / 60),
    };
    format!(
        "並び順: 空床のある病棟を、条件によく合う順・近い順に表示し、{stale}以上更新のない病棟はその後、満床の病棟は最後です。"
    )
}

/// An empty search page.
pub(crate) fn search_page(state: &AppState, ctx: &Ctx, form: SearchForm) -> SearchPage {
    SearchPage {
        ctx: Layout::of(ctx),
        form,
        errors: Vec::new(),
        searched: false,
        hits: Vec::new(),
        wards: 0,
        hospitals: 0,
        order_note: order_note(state.beds.stale_after_seconds),
        searched_at: state.clock.unix(),
        admissions: AdmissionType::ALL.iter().map(|a| (a.code(), a.label())).collect(),
        ward_types: WardType::ALL.iter().map(|w| (w.code(), w.label())).collect(),
        places: nimo_domain::beds::TOKYO_WARD_CENTRES.iter().map(|(code, name, ..)| (*code, *name)).collect(),
        reasons: AdmissionChange::ALL.iter().map(|r| (r.code(), r.label())).collect(),
        case: None,
        hold: HoldValues::default(),
        hold_errors: Vec::new(),
        hold_error: None,
        night_band: nimo_domain::beds::night::band_at(state.clock.unix()).map(|reason| reason.label()),
        band_note: format!(
            "夜間・休日の定義: {}（要確認: {}）",
            nimo_domain::beds::night::BAND.source,
            nimo_domain::beds::night::BAND.unverified
        ),
    }
}

/// The page for a search form: the case it is for (loaded within the viewer's scope and
/// audited), the criteria checked and, when they are right, the results.
pub(crate) async fn run(
    state: &AppState,
    ctx: &Ctx,
    mut form: SearchForm,
) -> Result<(StatusCode, SearchPage), WebError> {
    let case = match form.case.trim() {
        "" => None,
        id => Some(from_case::load(state, ctx, id).await?),
    };
    // Opened from the case (not yet searched): the criteria are the case's, and the search runs.
    if let Some(case) = case.as_ref().filter(|_| form.go.is_empty()) {
        form = from_case::criteria_form(case);
    }
    let searched = !form.go.is_empty();
    let mut page = search_page(state, ctx, form);
    page.case = case;
    if !searched {
        return Ok((StatusCode::OK, page));
    }
    match criteria_at(&page.form, page.searched_at) {
        Ok(criteria) => {
            let found =
                beds::search_at(&state.db, &criteria, state.beds.stale_after_seconds, SEARCH_LIMIT, page.searched_at)
                    .await?;
            page.searched = true;
            page.hits = found.hits.iter().map(|hit| HitView::of(hit, criteria.night_band)).collect();
            page.wards = found.wards;
            page.hospitals = found.hospitals;
            Ok((StatusCode::OK, page))
        }
        Err(errors) => {
            page.errors = errors;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page))
        }
    }
}
