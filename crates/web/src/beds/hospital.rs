//! The hospital's page (phone-sized): its wards with one-click posting of free beds, the inbox of
//! holds to accept or decline (refreshed by polling), and the bulk import of postings (CSV or
//! JSON, all or nothing). Hospital staff act for their own hospital only: routes with a ward or
//! hold id are scoped by the policy layer, the page and the import by the account's hospital.

use super::views::{ConfirmForm, HoldView};
use crate::context::Ctx;
use crate::error::{free_beds_message, posting_message, store_refusal};
use crate::layout::Layout;
use crate::pages::{HoldMissing, PagePath, Submission, WardId, WardMissing};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::access::Permission;
use nimo_domain::beds::{DeclineReason, age_label, check_free_beds, parse_free_beds};
use nimo_store::audit::Outcome as AuditOutcome;
use nimo_store::beds;
use nimo_store::{PostingRefusal, StoreError};

/// The largest import (a few thousand wards).
pub const IMPORT_LIMIT: usize = 1024 * 1024;

/// A ward as the hospital's page shows it.
pub struct WardView {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub posted: i64,
    pub held: i64,
    pub admitted: i64,
    pub left: i64,
    pub age: String,
    pub stale: bool,
    pub minus: i64,
    pub plus: i64,
    pub seclusion_rooms: i64,
    pub seclusion_free: i64,
}

#[derive(Template)]
#[template(path = "hospital.html")]
struct HospitalPage {
    ctx: Layout,
    name: String,
    wards: Vec<WardView>,
    holds: Vec<HoldView>,
    reasons: Vec<(&'static str, &'static str)>,
    notice: Option<String>,
    errors: Vec<String>,
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    notice: Option<String>,
    errors: Vec<String>,
) -> Result<HospitalPage, WebError> {
    let hospital_id = crate::pages::own_hospital(ctx)?;
    let now = state.clock.unix();
    let hospital = beds::hospital(&state.db, &hospital_id).await?;
    let wards = beds::wards_of_hospital_at(&state.db, &hospital_id, now)
        .await?
        .into_iter()
        .map(|s| WardView {
            id: s.ward.id.clone(),
            name: s.ward.name.clone(),
            kind: s.ward.ward_type.label(),
            posted: s.availability.posted,
            held: s.availability.active_holds,
            admitted: s.availability.admissions,
            left: s.availability.left(),
            age: age_label(now - s.posted_at),
            stale: now - s.posted_at > state.beds.stale_after_seconds,
            minus: (s.availability.posted - 1).max(s.availability.active_holds),
            plus: s.availability.posted + 1,
            seclusion_rooms: s.ward.seclusion_rooms,
            seclusion_free: s.seclusion_free,
        })
        .collect();
    let holds = beds::holds_of_hospital_at(&state.db, &hospital_id, now, 30).await?;
    Ok(HospitalPage {
        ctx: Layout::of(ctx),
        name: hospital.name,
        wards,
        holds: holds.iter().map(|h| HoldView::of(h, now)).collect(),
        reasons: DeclineReason::ALL.iter().map(|r| (r.code(), r.label())).collect(),
        notice,
        errors,
    })
}

/// GET /hospital: wards and the inbox.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::Query(params): axum::extract::Query<crate::pages::NoticeQuery>,
) -> Result<Response, WebError> {
    let notice = params.notice.as_deref().map(|n| match n {
        "posted" => "空床数を更新しました".to_string(),
        "accepted" => "受入れを決定しました".to_string(),
        "declined" => "受入不可を回答しました".to_string(),
        "imported" => "空床数を一括で更新しました".to_string(),
        _ => String::new(),
    });
    Ok(Html(page(&state, &ctx, notice.filter(|n| !n.is_empty()), Vec::new()).await?.render()?).into_response())
}

async fn refused(state: &AppState, ctx: &Ctx, status: StatusCode, errors: Vec<String>) -> Result<Response, WebError> {
    Ok((status, Html(page(state, ctx, None, errors).await?.render()?)).into_response())
}

/// A store refusal as the page's status and message; anything else is an error page.
fn refusal(error: StoreError) -> Result<(StatusCode, String), WebError> {
    match store_refusal(&error) {
        Some(refusal) if matches!(refusal.status, StatusCode::UNPROCESSABLE_ENTITY | StatusCode::CONFLICT) => {
            Ok((refusal.status, refusal.detail))
        }
        _ => Err(error.into()),
    }
}

/// A ward's free beds as posted (one of the one-click buttons, or the typed count with, for a
/// ward with 保護室, its free 保護室).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AvailabilityForm {
    #[serde(default)]
    free_beds: String,
    #[serde(default)]
    seclusion_free: Option<String>,
}

/// The answer "cannot admit" with its reason code, as posted.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeclineForm {
    #[serde(default)]
    reason: String,
}

/// POST /hospital/wards/{ward}/availability: one click posts a ward's free beds.
pub async fn post_availability(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(WardId(ward), ..): PagePath<WardId, WardMissing>,
    Submission(form): Submission<AvailabilityForm>,
) -> Result<Response, WebError> {
    let free = match parse_free_beds(&form.free_beds) {
        Ok(free) => free,
        Err(error) => {
            let message = format!("空床数: {}", free_beds_message(error));
            return refused(&state, &ctx, StatusCode::UNPROCESSABLE_ENTITY, vec![message]).await;
        }
    };
    let seclusion = match form.seclusion_free.as_deref().map(parse_seclusion) {
        None => None,
        Some(Ok(free)) => Some(free),
        Some(Err(message)) => return refused(&state, &ctx, StatusCode::UNPROCESSABLE_ENTITY, vec![message]).await,
    };
    let actor = crate::audit::actor_of(&ctx.0);
    let origin = crate::audit::origin_of(&ctx.0);
    match beds::post_ward_at(&state.db, &ward, free, seclusion, &actor, &origin, state.clock.unix()).await {
        Ok(()) => {
            state.bed_changed(&crate::pages::own_hospital(&ctx)?);
            Ok(Redirect::to("/hospital?notice=posted").into_response())
        }
        // One ward: the refusal without the row number of a batch.
        Err(StoreError::Posting { refusal, .. }) => {
            let label = if matches!(refusal, PostingRefusal::SeclusionFree { .. }) {
                "保護室の空き"
            } else {
                "空床数"
            };
            let message = format!("{label}: {}", posting_message(&refusal));
            refused(&state, &ctx, StatusCode::UNPROCESSABLE_ENTITY, vec![message]).await
        }
        Err(error) => {
            let (status, message) = refusal(error)?;
            refused(&state, &ctx, status, vec![format!("空床数: {message}")]).await
        }
    }
}

/// A typed count of free 保護室 (NFKC, so full-width digits count); the ward's rooms are
/// checked by the store.
fn parse_seclusion(text: &str) -> Result<i64, String> {
    nimo_domain::text::nfkc(text.trim())
        .parse::<i64>()
        .ok()
        .filter(|n| (0..=nimo_domain::beds::MAX_SECLUSION_ROOMS).contains(n))
        .ok_or_else(|| "保護室の空き: 0以上の整数で入力してください".to_string())
}

/// POST /hospital/holds/{hold}/accept: once the box that confirms it is ticked.
pub async fn accept(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(id, ..): PagePath<i64, HoldMissing>,
    Submission(form): Submission<ConfirmForm>,
) -> Result<Response, WebError> {
    if form.confirm.is_none() {
        let message = format!("番号 {id} の受入れ: 「受け入れを確定する」にチェックを入れてから押してください");
        return refused(&state, &ctx, StatusCode::UNPROCESSABLE_ENTITY, vec![message]).await;
    }
    let user_id = ctx.0.account.as_ref().map(|a| a.principal.user_id).ok_or(WebError::Unauthorized)?;
    let origin = crate::audit::origin_of(&ctx.0);
    match beds::accept_at(&state.db, id, user_id, &origin, state.clock.unix()).await {
        Ok(hold) => {
            state.bed_changed(&hold.hospital_id);
            Ok(Redirect::to("/hospital?notice=accepted").into_response())
        }
        Err(error) => {
            let (status, message) = refusal(error)?;
            refused(&state, &ctx, status, vec![message]).await
        }
    }
}

/// POST /hospital/holds/{hold}/decline: with a reason code.
pub async fn decline(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(id, ..): PagePath<i64, HoldMissing>,
    Submission(form): Submission<DeclineForm>,
) -> Result<Response, WebError> {
    let Some(reason) = DeclineReason::parse(&form.reason) else {
        let message = "受入不可の理由: 理由を選んでください".to_string();
        return refused(&state, &ctx, StatusCode::UNPROCESSABLE_ENTITY, vec![message]).await;
    };
    let user_id = ctx.0.account.as_ref().map(|a| a.principal.user_id).ok_or(WebError::Unauthorized)?;
    let origin = crate::audit::origin_of(&ctx.0);
    match beds::decline_at(&state.db, id, user_id, reason, &origin, state.clock.unix()).await {
        Ok(hold) => {
            state.bed_changed(&hold.hospital_id);
            Ok(Redirect::to("/hospital?notice=declined").into_response())
        }
        Err(error) => {
            let (status, message) = refusal(error)?;
            refused(&state, &ctx, status, vec![message]).await
        }
    }
}

/// Reads postings from a CSV (`ward_id,free_beds` with that header; UTF-8, BOM allowed) or a JSON
/// file (`[{"ward_id": "…", "free_beds": 3}, …]`). Every error names the row and the field.
pub fn parse_postings(file_name: &str, bytes: &[u8]) -> Result<Vec<(String, i64)>, Vec<String>> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| vec!["ファイル: UTF-8 で保存してください".to_string()])?;
    let is_json = file_name.to_ascii_lowercase().ends_with(".json") || text.trim_start().starts_with('[');
    let mut postings = Vec::new();
    let mut errors = Vec::new();
    if is_json {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Row {
            ward_id: String,
            free_beds: i64,
        }
        let rows: Vec<Row> = serde_json::from_str(text).map_err(|e| {
            vec![format!("JSON {}行目: 形式が正しくありません（ward_id と free_beds の配列にしてください）", e.line())]
        })?;
        for (index, row) in rows.into_iter().enumerate() {
            match check_free_beds(row.free_beds) {
                Ok(free) => postings.push((row.ward_id, free)),
                Err(error) => errors.push(format!("{}件目 free_beds: {}", index + 1, free_beds_message(error))),
            }
        }
    } else {
        let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
        match lines.next() {
            Some((_, header)) if header.trim().replace(' ', "") == "ward_id,free_beds" => {}
            _ => return Err(vec!["CSV 1行目: 見出しは ward_id,free_beds にしてください".into()]),
        }
        for (index, line) in lines {
            let row = index + 1;
            let cells: Vec<&str> = line.split(',').map(str::trim).collect();
            if cells.len() != 2 {
                errors.push(format!("CSV {row}行目: 列は ward_id と free_beds の2つです"));
                continue;
            }
            match parse_free_beds(cells[1]) {
                Ok(free) => postings.push((cells[0].to_string(), free)),
                Err(error) => errors.push(format!("CSV {row}行目 free_beds: {}", free_beds_message(error))),
            }
        }
    }
    if postings.is_empty() && errors.is_empty() {
        errors.push("ファイル: 病棟の行がありません".into());
    }
    if errors.is_empty() { Ok(postings) } else { Err(errors) }
}

/// An import that named a ward not of the own hospital (another's, or none) is a refused
/// attempt: audited as `denied` before the answer, which is the same for both.
async fn audit_foreign_ward(state: &AppState, ctx: &Ctx, error: &StoreError) -> Result<(), WebError> {
    if let StoreError::Posting {
        refusal: PostingRefusal::UnknownWard(ward) | PostingRefusal::NotOwnWard(ward), ..
    } = error
    {
        let record = if beds::is_id(ward) { ward.as_str() } else { "invalid" };
        let event = crate::audit::event(&ctx.0, "denied", AuditOutcome::Denied)
            .with_record("ward", record)
            .with_detail(Permission::WardUpdate.code());
        crate::audit::before(&state.db, &event).await?;
    }
    Ok(())
}

/// POST /hospital/import: a CSV or JSON file of postings for the own hospital's wards; all or
/// nothing. A ward of another hospital is refused like one that does not exist, and audited.
pub async fn import(State(state): State<AppState>, ctx: Ctx, mut multipart: Multipart) -> Result<Response, WebError> {
    let hospital = crate::pages::own_hospital(&ctx)?;
    let mut file = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or_default().to_string();
            match field.bytes().await {
                Ok(bytes) => file = Some((name, bytes.to_vec())),
                Err(_) => {
                    return refused(
                        &state,
                        &ctx,
                        StatusCode::UNPROCESSABLE_ENTITY,
                        vec!["ファイル: 読み取れません".into()],
                    )
                    .await;
                }
            }
        }
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return refused(
            &state,
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["ファイル: ファイルを選んでください".into()],
        )
        .await;
    };
    let postings = match parse_postings(&name, &bytes) {
        Ok(p) => p,
        Err(errors) => return refused(&state, &ctx, StatusCode::UNPROCESSABLE_ENTITY, errors).await,
    };
    let actor = crate::audit::actor_of(&ctx.0);
    let origin = crate::audit::origin_of(&ctx.0);
    match beds::post_many_at(&state.db, Some(&hospital), &postings, &actor, &origin, state.clock.unix()).await {
        Ok(()) => {
            state.bed_changed(&hospital);
            Ok(Redirect::to("/hospital?notice=imported").into_response())
        }
        Err(error) => {
            audit_foreign_ward(&state, &ctx, &error).await?;
            let (status, message) = refusal(error)?;
            refused(&state, &ctx, status, vec![message]).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_postings;

    #[test]
    fn csv_and_json_postings_parse_and_errors_name_the_row() {
        let csv = "\u{feff}ward_id,free_beds\nw-a,3\nw-b, ２\n".as_bytes();
        assert_eq!(parse_postings("a.csv", csv).unwrap(), vec![("w-a".into(), 3), ("w-b".into(), 2)]);
        let json = br#"[{"ward_id":"w-a","free_beds":0}]"#;
        assert_eq!(parse_postings("a.json", json).unwrap(), vec![("w-a".into(), 0)]);
        let bad = parse_postings("a.csv", b"ward_id,free_beds\nw-a,3\nw-b,-1\n").unwrap_err();
        assert_eq!(bad.len(), 1);
        assert!(bad[0].contains("3行目"), "{bad:?}");
        assert!(parse_postings("a.csv", b"ward,beds\nw-a,1\n").is_err());
        assert!(parse_postings("a.json", br#"[{"ward_id":"w","free_beds":1,"x":1}]"#).is_err());
    }
}
