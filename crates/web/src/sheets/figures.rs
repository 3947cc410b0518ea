//! A derived section-4 figure's own page: the value counted from the records, the value entered
//! on the sheet, whether an entered value is kept over the derived one (and why), and the records
//! counted (for staff allowed to see them: their 地区's only, when their account is tied to one).
//! Keeping an entered value needs a reason; dropping it derives the figure again. Both are audited
//! in the store, in the transaction that makes the change.

use super::sheet_key;
use crate::audit;
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::not_found;
use crate::pages::{PagePath, SheetMissing, Submission};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::access::{Permission, Target, authorize};
use nimo_domain::cases::{COUNCIL_MEETINGS, DERIVED_KEYS, Disposition, outcomes_fiscal_year};
use nimo_domain::template::Kind;
use nimo_domain::{Figure, Value};
use nimo_domain::{FiscalYear, MunicipalityCode};
use nimo_store::StoreError;
use nimo_store::audit::Outcome;
use nimo_store::cases::figures;
use nimo_store::sheets;
use std::collections::HashMap;

struct RecordRow {
    on: String,
    what: String,
    district: String,
    detail: String,
    link: String,
}

#[derive(Template)]
#[template(path = "figure.html")]
struct FigurePage {
    ctx: Layout,
    code: String,
    fy: i32,
    fy_wareki: String,
    key: String,
    label: String,
    records_fy: String,
    derived: Option<i64>,
    entered: String,
    override_reason: Option<String>,
    /// `None`: the viewer may not see case records; `Some((rows, hidden))` otherwise.
    records: Option<(Vec<RecordRow>, i64)>,
    revision: i64,
    value: String,
    reason: String,
    errors: HashMap<&'static str, String>,
    notice: Option<&'static str>,
}

impl FigurePage {
    fn error(&self, name: &str) -> String {
        self.errors.get(name).cloned().unwrap_or_default()
    }
}

fn figure_key(key: &str) -> Result<&'static str, WebError> {
    let directory = nimo_store::directory::COUNTED_KEYS.iter().map(|(k, _, _)| *k);
    DERIVED_KEYS.iter().copied().chain(directory).find(|k| *k == key).ok_or_else(not_found)
}

/// What the typed override looks like, kept when the form comes back.
#[derive(Default)]
struct Typed {
    value: String,
    reason: String,
    errors: HashMap<&'static str, String>,
    notice: Option<&'static str>,
}

async fn figure_page(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    fy: FiscalYear,
    key: &'static str,
    typed: Typed,
) -> Result<FigurePage, WebError> {
    let stored = sheets::load(&state.db, code, fy).await?;
    let status = figures::statuses(&state.db, &stored.sheet).await?.into_iter().find(|s| s.key == key);
    let figures::FigureStatus { label, counted: derived, entered, reason: override_reason, .. } =
        status.ok_or_else(not_found)?;
    let records_fy = outcomes_fiscal_year(fy);
    let principal = ctx.0.principal();
    // The meetings behind ① are no personal data: whoever reads the council's records sees them.
    let listing = if key == COUNCIL_MEETINGS { Permission::CouncilRead } else { Permission::CaseRead };
    let may_read_cases = authorize(principal.as_ref(), listing, &Target::Municipality(code.clone())).is_ok();
    let from_directory = nimo_store::directory::is_counted(key);
    let records = if from_directory {
        Some((directory_rows(state, code, key).await?, 0))
    } else if may_read_cases {
        let district = principal.as_ref().and_then(|p| p.scope.district.clone());
        let (listed, total) =
            figures::counted_records(&state.db, code.as_str(), records_fy, key, district.as_deref()).await?;
        let detail = format!("figure:{}/{}/{key}", code.as_str(), fy.year());
        audit::before(&state.db, &audit::event(&ctx.0, "read", Outcome::Ok).with_record("case_list", detail)).await?;
        let hidden = total - i64::try_from(listed.len()).unwrap_or(total);
        let rows = listed.into_iter().map(|r| record_row(code, r)).collect();
        Some((rows, hidden))
    } else {
        None
    };
    Ok(FigurePage {
        ctx: Layout::of(ctx),
        code: code.to_string(),
        fy: fy.year(),
        fy_wareki: fy.wareki(),
        key: key.to_string(),
        label,
        records_fy: if from_directory {
            "社会資源名簿の運営中の記録（今の名簿）".to_string()
        } else {
            format!("{}（{} 〜 {}）", records_fy.wareki(), records_fy.first_day(), records_fy.last_day())
        },
        derived,
        value: if typed.value.is_empty() { entered.clone() } else { typed.value },
        entered,
        override_reason,
        records,
        revision: stored.revision,
        reason: typed.reason,
        errors: typed.errors,
        notice: typed.notice,
    })
}

/// The directory's records a section-1 count counts, as the page lists them.
async fn directory_rows(state: &AppState, code: &MunicipalityCode, key: &str) -> Result<Vec<RecordRow>, WebError> {
    let counted = nimo_store::directory::counted(&state.db, code.as_str(), key).await?;
    Ok(counted
        .into_iter()
        .map(|r| RecordRow {
            on: r.updated_at.get(..10).unwrap_or_default().to_string(),
            what: format!("{}（{}）", r.org.name, r.org.org_type.label()),
            district: r.org.area,
            detail: r.org.reference,
            link: format!("/municipalities/{code}/directory/{}", r.id),
        })
        .collect())
}

fn record_row(code: &MunicipalityCode, r: figures::Counted) -> RecordRow {
    let person = r.person_id.map(|p| format!("/municipalities/{code}/people/{p}"));
    let (what, detail, link) = match r.kind {
        "case" => (
            "23条通報",
            Disposition::from_code(&r.code).map_or("（処遇未定）", Disposition::label).to_string(),
            format!("/municipalities/{code}/cases/{}", r.id),
        ),
        "plan" => ("退院後支援計画", String::new(), format!("/municipalities/{code}/plans/{}", r.id)),
        "meeting" => (
            "協議の場の会議",
            nimo_domain::council::MeetingFormat::parse(&r.code).map_or("", |f| f.label()).to_string(),
            format!("/municipalities/{code}/meetings/{}", r.id),
        ),
        _ => (
            "アウトリーチ訪問",
            nimo_domain::cases::PROFESSIONS.iter().find(|p| p.code == r.code).map_or("", |p| p.label).to_string(),
            person.unwrap_or_default(),
        ),
    };
    RecordRow { on: r.on.to_string(), what: format!("{what} #{}", r.id), district: r.district, detail, link }
}

/// GET /municipalities/{code}/sheets/{fy}/figures/{key}
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, fy, key), ..): PagePath<(MunicipalityCode, FiscalYear, String), SheetMissing>,
    Query(query): Query<crate::pages::NoticeQuery>,
) -> Result<Html<String>, WebError> {
    let (code, fy) = sheet_key(code, fy)?;
    let key = figure_key(&key)?;
    let notice = match query.notice.as_deref() {
        Some("overridden") => Some("入力値を使うようにしました。シートにはこの入力値が表示されます。"),
        Some("derived") => Some("集計値に戻しました。シートには記録から集計した値が表示されます。"),
        _ => None,
    };
    let page = figure_page(&state, &ctx, &code, fy, key, Typed { notice, ..Typed::default() }).await?;
    Ok(Html(page.render()?))
}

/// The override form as posted: the entered value, the reason and the sheet's revision.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OverrideForm {
    #[serde(default)]
    value: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    revision: String,
}

/// POST /municipalities/{code}/sheets/{fy}/figures/{key}/override: keeps an entered value over
/// the derived one. The value and the reason are both required; a bad one shows the page again
/// with the reason beside the field (422) and changes nothing; a sheet saved meanwhile is a 409.
pub async fn set_override(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, fy, key), ..): PagePath<(MunicipalityCode, FiscalYear, String), SheetMissing>,
    Submission(form): Submission<OverrideForm>,
) -> Result<Response, WebError> {
    let (code, fy) = sheet_key(code, fy)?;
    let key = figure_key(&key)?;
    let mut typed =
        Typed { value: form.value.trim().to_string(), reason: form.reason.trim().to_string(), ..Typed::default() };
    let parsed = match Figure::parse_input(&typed.value, Kind::Count) {
        Ok(f) if f.value != Value::Unknown => Some(f.value),
        Ok(_) => {
            typed.errors.insert("value", "シートに載せる値を入力してください（該当なしは「／」）".into());
            None
        }
        Err(message) => {
            typed.errors.insert("value", message);
            None
        }
    };
    if typed.reason.is_empty() {
        typed.errors.insert("reason", "集計値ではなく入力値を使う理由を入力してください".into());
    }
    let revision: Option<i64> = form.revision.trim().parse().ok();
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if let (Some(value), Some(revision), true) = (parsed, revision, typed.errors.is_empty()) {
        let stored = sheets::load(&state.db, &code, fy).await?;
        let mut sheet = stored.sheet;
        if nimo_store::directory::is_counted(key) {
            sheet.basic.figures.insert(key.to_string(), Figure { value, source: nimo_domain::Source::Entered });
        } else if !nimo_domain::cases::set_entered(&mut sheet, key, value) {
            return Err(not_found());
        }
        let actor = ctx.0.principal().map(|p| p.user_id);
        let event = audit::event(&ctx.0, "write", Outcome::Ok);
        match figures::override_figure(&state.db, &sheet, revision, key, &typed.reason, actor, event).await {
            Ok(_) => {
                let to = format!("/municipalities/{code}/sheets/{}/figures/{key}?notice=overridden", fy.year());
                return Ok(Redirect::to(&to).into_response());
            }
            Err(StoreError::StaleRevision(record)) => {
                let refusal = crate::error::stale_refusal(record);
                typed.errors.insert(refusal.field.unwrap_or("revision"), refusal.detail);
                status = refusal.status;
            }
            Err(other) => return Err(other.into()),
        }
    } else if revision.is_none() {
        typed.errors.insert("revision", "送信内容が正しくありません。ページを読み込み直してください".into());
    }
    let page = figure_page(&state, &ctx, &code, fy, key, typed).await?;
    Ok((status, Html(page.render()?)).into_response())
}

/// POST /municipalities/{code}/sheets/{fy}/figures/{key}/derive: drops the override, so that
/// the sheet shows the value counted from the records again.
pub async fn derive(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, fy, key), ..): PagePath<(MunicipalityCode, FiscalYear, String), SheetMissing>,
) -> Result<Response, WebError> {
    let (code, fy) = sheet_key(code, fy)?;
    let key = figure_key(&key)?;
    let event = audit::event(&ctx.0, "write", Outcome::Ok);
    match figures::clear_override(&state.db, code.as_str(), fy, key, event).await {
        Ok(()) | Err(StoreError::NotFound(_)) => {
            let to = format!("/municipalities/{code}/sheets/{}/figures/{key}?notice=derived", fy.year());
            Ok(Redirect::to(&to).into_response())
        }
        Err(other) => Err(other.into()),
    }
}
