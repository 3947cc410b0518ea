//! The sheet page, its per-section edit forms, and copying a sheet to the next fiscal year.

use super::sheet_key;
use crate::audit;
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{PagePath, SheetMissing};
use crate::sheets::form::{self as forms, Group, Section, SectionPost};
use crate::sheets::view::SheetView;
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::validate::ValidationErrors;
use nimo_domain::{FiscalYear, MunicipalityCode};
use nimo_store::audit::Outcome;
use nimo_store::sheets::SaveMode;
use nimo_store::{StoreError, menu, sheets};

#[derive(Template)]
#[template(path = "sheet.html")]
struct SheetPage {
    ctx: Layout,
    v: SheetView,
    derivation: crate::sheets::derived::Derivation,
    notice: Option<&'static str>,
    next_wareki: String,
    revision: i64,
    updated_at: String,
}

#[derive(Template)]
#[template(path = "edit.html")]
struct EditPage {
    ctx: Layout,
    code: String,
    fy: i32,
    name: String,
    fy_wareki: String,
    title: &'static str,
    anchor: &'static str,
    groups: Vec<Group>,
    revision: i64,
    /// The errors at the top of the page, each linking to its field.
    summary: Vec<crate::pages::SummaryItem>,
    conflict: bool,
    problem: Option<&'static str>,
}

impl EditPage {
    /// The edit page of a section of a stored sheet, with no message yet.
    fn new(ctx: &Ctx, stored: &nimo_store::sheets::StoredSheet, section: Section, groups: Vec<Group>) -> Self {
        let (sheet, fy) = (&stored.sheet, stored.sheet.fiscal_year);
        Self {
            ctx: Layout::of(ctx),
            code: sheet.municipality.code.to_string(),
            fy: fy.year(),
            name: sheet.municipality.name.clone(),
            fy_wareki: fy.wareki(),
            title: section.title(),
            anchor: section.anchor(),
            groups,
            revision: stored.revision,
            summary: Vec::new(),
            conflict: false,
            problem: None,
        }
    }
}

impl SheetPage {
    /// Whether an entered value is kept over the derived one for this key.
    fn overridden(&self, key: &str) -> bool {
        !key.is_empty() && self.derivation.overrides.iter().any(|(k, _)| k == key)
    }

    /// What a keyed figure is called on the sheet (the key itself if the sheet lacks it).
    fn label_of(&self, key: &str) -> String {
        nimo_domain::cases::figure_label(&self.v.sheet, key)
            .or_else(|| {
                let section1 = nimo_domain::template::FIGURES.iter().find(|d| d.key == key);
                section1.map(|d| format!("１ 自治体の基礎情報：{}", d.label))
            })
            .unwrap_or_else(|| key.to_string())
    }
}

fn notice_text(key: Option<&String>) -> Option<&'static str> {
    Some(match key?.as_str() {
        "saved" => "保存しました。",
        "created" => "シートを作成しました。各節の「編集」から入力してください。",
        "copied" => "前年度のシートを複製しました。数値と日付を確認してください。",
        "imported" => "取り込みました。",
        _ => return None,
    })
}

/// GET /municipalities/{code}/sheets/{fy}
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, fy), ..): PagePath<(MunicipalityCode, FiscalYear), SheetMissing>,
    Query(query): Query<crate::pages::NoticeQuery>,
) -> Result<Html<String>, WebError> {
    let (code, fy) = sheet_key(code, fy)?;
    let stored = sheets::load(&state.db, &code, fy).await?;
    let menu = menu::for_fiscal_year(&state.db, fy).await?;
    let mut sheet = stored.sheet;
    let derivation = crate::sheets::derived::apply(&state.db, &mut sheet).await?;
    let page = SheetPage {
        ctx: Layout::of(&ctx),
        v: SheetView::new(sheet, &menu).with_today(crate::display::jst_date(state.clock.now())),
        derivation,
        notice: notice_text(query.notice.as_ref()),
        next_wareki: fy.next().wareki(),
        revision: stored.revision,
        updated_at: crate::display::saved_at(stored.updated_at),
    };
    Ok(Html(page.render()?))
}

/// A refused section's summary: each field in error, in the form's order, named by its group and
/// label and linking to it; an error no field shows is listed after them, linking nowhere.
fn summary_of(groups: &[Group], errors: &ValidationErrors) -> Vec<crate::pages::SummaryItem> {
    let fields = groups.iter().flat_map(|g| g.fields.iter().map(move |f| (g, f)));
    let mut items: Vec<_> = fields
        .filter_map(|(g, f)| {
            let error = f.error.as_ref()?;
            let label = [g.title.as_str(), f.label.as_str()].join(" ");
            let message = format!("{}：{error}", label.trim());
            Some(crate::pages::SummaryItem { target: f.name.clone(), message })
        })
        .collect();
    let shown = |path: &str| groups.iter().any(|g| g.fields.iter().any(|f| f.name == path && f.error.is_some()));
    items.extend(
        errors
            .0
            .iter()
            .filter(|e| !shown(&e.path))
            .map(|e| crate::pages::SummaryItem { target: String::new(), message: e.message.clone() }),
    );
    items
}

/// GET /municipalities/{code}/sheets/{fy}/edit/{section}
pub async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, fy, section_enum), ..): PagePath<(MunicipalityCode, FiscalYear, Section), SheetMissing>,
) -> Result<Html<String>, WebError> {
    let (code, fy) = sheet_key(code, fy)?;
    let stored = sheets::load(&state.db, &code, fy).await?;
    let menu = menu::for_fiscal_year(&state.db, fy).await?;
    let groups = forms::groups(section_enum, &stored.sheet, &menu, None, &ValidationErrors::default());
    Ok(Html(EditPage::new(&ctx, &stored, section_enum, groups).render()?))
}

/// POST /municipalities/{code}/sheets/{fy}/edit/{section}: validates on the server; on error
/// re-renders the form with what was typed and each message beside its field (422). A form made
/// from an older revision is refused (409) and shown again with what was typed; a submission
/// that is not exactly this form's fields (partial, duplicated, forged) changes nothing (422).
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, fy, section_enum), ..): PagePath<(MunicipalityCode, FiscalYear, Section), SheetMissing>,
    post: SectionPost,
) -> Result<Response, WebError> {
    let (code, fy) = sheet_key(code, fy)?;
    let stored = sheets::load(&state.db, &code, fy).await?;
    let menu = menu::for_fiscal_year(&state.db, fy).await?;
    let page =
        |groups: Vec<Group>, errors: &ValidationErrors, conflict: bool, problem: Option<&'static str>| EditPage {
            summary: summary_of(&groups, errors),
            conflict,
            problem,
            ..EditPage::new(&ctx, &stored, section_enum, groups)
        };
    let no_errors = ValidationErrors::default();

    if post.revision() != Some(stored.revision) {
        // Someone saved since this form was shown: show the current form with what was typed
        // (fields the submission lacks show the stored value), to be checked and saved again.
        let typed = post.typed();
        let groups = forms::groups(section_enum, &stored.sheet, &menu, Some(&typed), &no_errors);
        return Ok((StatusCode::CONFLICT, Html(page(groups, &no_errors, true, None).render()?)).into_response());
    }
    let expected = forms::field_names(section_enum, &stored.sheet, &menu);
    let form = match post.check(&expected) {
        Ok(form) => form,
        Err(_) => {
            let groups = forms::groups(section_enum, &stored.sheet, &menu, None, &no_errors);
            let problem =
                "送信内容がこのフォームと一致しないため、保存していません。表示し直したフォームから入力してください。";
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                Html(page(groups, &no_errors, false, Some(problem)).render()?),
            )
                .into_response());
        }
    };
    let errors = match forms::apply(section_enum, &stored.sheet, &menu, &form) {
        Ok(next) => {
            let event =
                audit::event(&ctx.0, "write", Outcome::Ok).with_detail(format!("section:{}", section_enum.name()));
            match sheets::save(&state.db, &next, SaveMode::Update { revision: stored.revision }, event).await {
                Ok(_) => {
                    let to =
                        format!("/municipalities/{code}/sheets/{}?notice=saved{}", fy.year(), section_enum.anchor());
                    return Ok(Redirect::to(&to).into_response());
                }
                Err(StoreError::StaleRevision(_)) => {
                    let groups = forms::groups(section_enum, &stored.sheet, &menu, Some(&form), &no_errors);
                    return Ok(
                        (StatusCode::CONFLICT, Html(page(groups, &no_errors, true, None).render()?)).into_response()
                    );
                }
                Err(other) => return Err(other.into()),
            }
        }
        Err(errors) => errors,
    };
    let groups = forms::groups(section_enum, &stored.sheet, &menu, Some(&form), &errors);
    let body = page(groups, &errors, false, None).render()?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
}

/// POST /municipalities/{code}/sheets/{fy}/copy: starts next year's sheet from this one.
pub async fn copy_to_next_year(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, fy), ..): PagePath<(MunicipalityCode, FiscalYear), SheetMissing>,
) -> Result<Response, WebError> {
    let (code, fy) = sheet_key(code, fy)?;
    let stored = sheets::load(&state.db, &code, fy).await?;
    let next = fy.next();
    let copy = stored.sheet.copy_to_next_year();
    let menu = menu::for_fiscal_year(&state.db, next).await?;
    // The next year's menu may differ: the copy keeps only what it can, and says so.
    if let Err(errors) = nimo_domain::validate::validate(&copy, &menu) {
        return Err(WebError::BadRequest(format!("{}の様式に合わないため複製できません: {errors}", next.wareki())));
    }
    let event =
        audit::event(&ctx.0, "write", Outcome::Ok).with_detail(format!("copy_from:{}", audit::sheet_id(&code, fy)));
    match sheets::save(&state.db, &copy, SaveMode::Create, event).await {
        Ok(_) => {}
        Err(StoreError::SheetExists { fiscal_year, .. }) => {
            return Err(WebError::Conflict(format!(
                "{}。複製すると上書きになるため、既存のシートを編集してください。",
                crate::error::sheet_exists_message(fiscal_year)
            )));
        }
        Err(other) => return Err(other.into()),
    }
    // This year's 評価 seeds next year's: actions not 完了 go on as next year's actions.
    let event = audit::event(&ctx.0, "action_carry_over", Outcome::Ok);
    let today = crate::display::jst_date(state.clock.now());
    nimo_store::actions::carry_over(&state.db, code.as_str(), fy, today, event).await?;
    Ok(Redirect::to(&format!("/municipalities/{code}/sheets/{}?notice=copied", next.year())).into_response())
}
