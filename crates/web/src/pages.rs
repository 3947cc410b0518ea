//! What the pages of every capability share: a form's fields and errors, the signed-in user and
//! their 地区, and loading a record named by its path id within the viewer's scope (a record outside
//! it is a 404 after a `denied` audit row). Route modules import this module, never each other's
//! helpers.

pub(crate) mod submission;

pub(crate) use submission::{ListedSubmission, Submission, WithList, from_pairs};

use crate::audit;
use crate::context::Ctx;
use crate::{AppState, WebError};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Permission, Target, authorize};
use nimo_domain::text::TextRule;
use nimo_store::StoreError;
use nimo_store::audit::Outcome;
use nimo_store::people;
use std::collections::{BTreeMap, HashMap};

pub(crate) type Fields = HashMap<String, String>;
pub(crate) type Errors = BTreeMap<String, String>;

/// What a typed form posted, by field name, as the checks and the pages read it (a field left
/// out, `None`, is absent): one conversion for every form instead of a field list per form.
/// A browser sends a textarea's line breaks as CRLF: they are read as LF, as the sheet editor
/// reads them.
pub(crate) fn posted<T: serde::Serialize>(form: &T) -> Fields {
    match serde_json::to_value(form) {
        Ok(serde_json::Value::Object(map)) => map
            .into_iter()
            .filter_map(|(name, value)| match value {
                serde_json::Value::String(text) => Some((name, text.replace("\r\n", "\n"))),
                _ => None,
            })
            .collect(),
        _ => Fields::new(),
    }
}

/// Checks each free-text field a form posted (trimmed, as it is saved) against its rule in the
/// domain (length, line breaks, control characters: [`TextRule::problems`], the sheet editor's
/// rules). The first problem of a field goes beside it, unless it has a reason already.
pub(crate) fn check_texts(f: &Fields, rules: &[(&str, TextRule)], errors: &mut Errors) {
    for (name, rule) in rules {
        let text = f.get(*name).map(|v| v.trim()).unwrap_or_default();
        if let Some(problem) = rule.problems(text).into_iter().next() {
            errors.entry(name.to_string()).or_insert(problem);
        }
    }
}

/// One line of a failed form's summary at the top of the page (`error_summary.html`): the
/// message, linking to the element of the field it belongs to.
pub(crate) struct SummaryItem {
    /// The `id` of the field's element (or of its form, for a reason that belongs to no field).
    pub(crate) target: String,
    /// The reason, which names the field.
    pub(crate) message: String,
}

/// The summary of a failed form: each error with the element id `id_of` gives its field, in
/// the order of `order` (the fields as the form shows them), then the others.
pub(crate) fn summary(errors: &Errors, order: &[&str], id_of: impl Fn(&str) -> String) -> Vec<SummaryItem> {
    let mut names: Vec<&String> = errors.keys().collect();
    names.sort_by_key(|name| order.iter().position(|o| o == name).unwrap_or(order.len()));
    names.into_iter().map(|name| SummaryItem { target: id_of(name), message: errors[name].clone() }).collect()
}

/// Japan's time now (UTC+9, no daylight saving), by the app's clock: what a form offers as
/// 「now」 (the 受理日時 of a report being taken) and the day a plan's 退院日 is compared with.
pub(crate) fn japan_now(state: &AppState) -> time::PrimitiveDateTime {
    let at = state.clock.now().to_offset(time::macros::offset!(+9));
    time::PrimitiveDateTime::new(at.date(), at.time())
}

/// Today's date in Japan, as forms default to it and reminders count from it.
pub(crate) fn today() -> String {
    crate::display::date_in_japan(time::OffsetDateTime::now_utc()).to_string()
}

pub(crate) fn not_found() -> WebError {
    WebError::NotFound("お探しの記録は見つかりません".into())
}

/// Checks that a record of (municipality, 地区) is within the viewer's scope; a refusal is
/// audited and answered 404.
pub(crate) async fn check_scope(
    state: &AppState,
    ctx: &Ctx,
    permission: Permission,
    code: &MunicipalityCode,
    record: (&MunicipalityCode, &str),
    kind: &str,
    id: i64,
) -> Result<(), WebError> {
    let (record_municipality, district) = record;
    let target = Target::District(code.clone(), district.to_string());
    if record_municipality == code && authorize(ctx.0.principal().as_ref(), permission, &target).is_ok() {
        return Ok(());
    }
    let event = audit::event(&ctx.0, "denied", Outcome::Denied)
        .with_record(kind, id.to_string())
        .with_detail(permission.code());
    audit::before(&state.db, &event).await?;
    Err(not_found())
}

pub(crate) fn user_id(ctx: &Ctx) -> Result<i64, WebError> {
    ctx.0.principal().map(|p| p.user_id).ok_or(WebError::Unauthorized)
}

pub(crate) fn own_district(ctx: &Ctx) -> Option<String> {
    ctx.0.principal().and_then(|p| p.scope.district)
}

/// The signed-in hospital account's hospital, or 403 (a hospital account always has one; the
/// policy already refused everyone else).
pub(crate) fn own_hospital(ctx: &Ctx) -> Result<String, crate::WebError> {
    ctx.0
        .account
        .as_ref()
        .and_then(|a| a.principal.scope.hospital.clone())
        .ok_or_else(|| crate::WebError::Forbidden("病院が割り当てられていないアカウントです".into()))
}

pub(crate) fn valid_date(text: &str) -> bool {
    nimo_domain::calendar::parse_iso_date(text).is_some()
}

/// A person's cases as a form offers them: id and receipt time as stored (`2022-05-10T14:30`).
pub(crate) fn case_choices(cases: &[nimo_store::cases::PersonCase]) -> Vec<(i64, String)> {
    cases.iter().map(|c| (c.id, nimo_domain::calendar::local_minute_text(c.received_at))).collect()
}

/// A record named by the id in its path, within the viewer's scope: an id that names nothing is
/// a 404 (one that is not a number already was, at [`PagePath`]), and so is one outside the viewer's municipality or 地区 (after its
/// `denied` audit row). `place` gives the record's municipality and 地区.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn load_scoped<T, Fut>(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    id: i64,
    permission: Permission,
    kind: &str,
    fetch: impl FnOnce(i64) -> Fut,
    place: fn(&T) -> (&MunicipalityCode, &str),
) -> Result<T, WebError>
where
    Fut: std::future::Future<Output = Result<T, StoreError>>,
{
    let record = match fetch(id).await {
        Ok(record) => record,
        Err(StoreError::NotFound(_)) => return Err(not_found()),
        Err(other) => return Err(other.into()),
    };
    check_scope(state, ctx, permission, code, place(&record), kind, id).await?;
    Ok(record)
}

/// A person of this municipality within the viewer's scope, or 404 (audited when refused).
pub(crate) async fn person_in_scope(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    id: i64,
    permission: Permission,
) -> Result<people::Person, WebError> {
    let fetch = |id| people::get(&state.db, id);
    load_scoped(state, ctx, code, id, permission, "person", fetch, |p: &people::Person| (&p.municipality, &p.district))
        .await
}

/// What a page says when the typed person may be someone recorded outside the viewer's 地区:
/// that such a record exists, nothing about it.
pub(crate) const ELSEWHERE: &str =
    "他の地区に該当する可能性のある記録があります。区全体を担当する職員に確認してください";

/// A known person a form may be about.
pub(crate) struct Candidate {
    pub(crate) id: i64,
    pub(crate) label: String,
}

/// What a refused step typed, and which form it came from (empty when nothing was refused).
#[derive(Default)]
pub(crate) struct Submitted {
    pub(crate) f: Fields,
    pub(crate) errors: Errors,
    pub(crate) failed: String,
    /// Known people the typed person may be (identifying the person of a case).
    pub(crate) candidates: Vec<Candidate>,
    /// Whether the typed person may also be someone recorded in another 地区 (not shown).
    pub(crate) elsewhere: bool,
}

/// The query of a page that says what just happened (`?notice=created`); other parameters are
/// ignored, as links may carry them.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct NoticeQuery {
    pub(crate) notice: Option<String>,
}

/// What a 404 for a path that does not parse says: the page, the record or the sheet.
pub(crate) trait Missing {
    /// The page's message.
    const MESSAGE: &'static str;
}

/// A page (a municipality's pages): 「お探しのページは見つかりません」.
pub(crate) struct Page;
impl Missing for Page {
    const MESSAGE: &'static str = "お探しのページは見つかりません";
}

/// A record named by its id (a case, person, plan, 地区 or hold): 「お探しの記録は見つかりません」.
pub(crate) struct Record;
impl Missing for Record {
    const MESSAGE: &'static str = "お探しの記録は見つかりません";
}

/// A sheet named by its municipality and fiscal year: 「お探しのシートは見つかりません」.
pub(crate) struct SheetMissing;
impl Missing for SheetMissing {
    const MESSAGE: &'static str = "お探しのシートは見つかりません";
}

/// A municipality's own page: 「お探しの自治体は見つかりません」.
pub(crate) struct MunicipalityMissing;
impl Missing for MunicipalityMissing {
    const MESSAGE: &'static str = "お探しの自治体は見つかりません";
}

/// A bed hold named by its id: 「仮押さえが見つかりません」.
pub(crate) struct HoldMissing;
impl Missing for HoldMissing {
    const MESSAGE: &'static str = "仮押さえが見つかりません";
}

/// A page's path parameters, typed (`MunicipalityCode`, `FiscalYear`, numeric ids): a value that
/// does not parse is the Japanese 404 page with `M`'s message, as a path that names nothing is,
/// never axum's plain-text 400 (a path that is not UTF-8 is still the 400 page).
pub(crate) struct PagePath<T, M = Page>(pub(crate) T, pub(crate) std::marker::PhantomData<M>);

impl<T, M, S> axum::extract::FromRequestParts<S> for PagePath<T, M>
where
    T: serde::de::DeserializeOwned + Send,
    M: Missing,
    S: Send + Sync,
{
    type Rejection = axum::response::Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, axum::response::Response> {
        use axum::extract::path::ErrorKind;
        use axum::extract::rejection::PathRejection;
        use axum::response::IntoResponse;
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(PagePath(value, std::marker::PhantomData)),
            // A path that is not even UTF-8 stays axum's 400 (shown as the Japanese 400 page by
            // `error::rejections_as_pages`), as before the parameters were typed.
            Err(PathRejection::FailedToDeserializePathParams(error))
                if matches!(error.kind(), ErrorKind::InvalidUtf8InPathParam { .. }) =>
            {
                Err(PathRejection::FailedToDeserializePathParams(error).into_response())
            }
            Err(PathRejection::FailedToDeserializePathParams(_)) => {
                Err(WebError::NotFound(M::MESSAGE.into()).into_response())
            }
            Err(other) => Err(WebError::Internal(format!("path parameters: {other}")).into_response()),
        }
    }
}

/// A ward's id as a path parameter: a value that is not a ward id at all is the 404 page.
#[derive(Debug)]
pub(crate) struct WardId(pub(crate) String);

impl<'de> serde::Deserialize<'de> for WardId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let id = String::deserialize(deserializer)?;
        if nimo_store::beds::is_id(&id) { Ok(WardId(id)) } else { Err(serde::de::Error::custom("not a ward id")) }
    }
}

/// A ward named by its id: 「病棟が見つかりません」.
pub(crate) struct WardMissing;
impl Missing for WardMissing {
    const MESSAGE: &'static str = "病棟が見つかりません";
}

#[cfg(test)]
mod tests {
    #[derive(serde::Serialize)]
    struct Form {
        kept: String,
        given: Option<String>,
        left_out: Option<String>,
    }

    #[test]
    fn a_posted_form_reads_back_by_field_name_without_the_fields_left_out() {
        let form = Form { kept: "一行目\r\n二行目".into(), given: Some("2022-04-01".into()), left_out: None };
        let fields = super::posted(&form);
        assert_eq!(fields.len(), 2);
        assert_eq!(fields["kept"], "一行目\n二行目", "CRLF read as LF");
        assert_eq!(fields["given"], "2022-04-01");
        assert!(!fields.contains_key("left_out"));
    }
}
