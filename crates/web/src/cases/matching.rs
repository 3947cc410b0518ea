//! Matching a typed person against known people within the viewer's scope: the candidates shown
//! (their read audited, matches in other 地区 only counted and audited `denied`), and the check
//! that a posted choice is one of them. Shared by intake, identification and merge.

use crate::audit;
use crate::context::Ctx;
use crate::pages::Candidate;
use crate::{AppState, WebError};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Permission, Target, authorize};
use nimo_store::audit::Outcome;
use nimo_store::people::{self, Match};

/// The known people a form's kana (and birth date) may be, as far as the viewer may see them:
/// the person pages' scope rule (`authorize` on the record's 地区) decides, and matches in other
/// 地区 are only counted, never opened or shown.
pub(super) async fn matches(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    kana: &str,
    birth_date: &str,
) -> Result<people::Candidates, WebError> {
    let principal = ctx.0.principal();
    let visible = |district: &str| {
        let target = Target::District(code.clone(), district.to_string());
        authorize(principal.as_ref(), Permission::CaseRead, &target).is_ok()
    };
    Ok(people::candidates(&state.db, code, kana, birth_date, visible).await?)
}

/// Ids joined by `-` for an audit row, as many as its 128-character record id holds.
fn id_list(ids: impl Iterator<Item = i64>) -> String {
    let mut list = String::new();
    for id in ids {
        let next = if list.is_empty() { id.to_string() } else { format!("-{id}") };
        if list.len() + next.len() > 128 {
            break;
        }
        list.push_str(&next);
    }
    list
}

/// The matches labelled for staff to choose from. Showing them shows personal data: the read is
/// audited first; matches outside the viewer's 地区 are shown to no one, and their being
/// withheld is audited as `denied`.
pub(super) async fn candidate_list(
    state: &AppState,
    ctx: &Ctx,
    found: &people::Candidates,
) -> Result<Vec<Candidate>, WebError> {
    if !found.elsewhere.is_empty() {
        let event = audit::event(&ctx.0, "denied", Outcome::Denied)
            .with_record("person_candidates", id_list(found.elsewhere.iter().copied()))
            .with_detail(Permission::CaseRead.code());
        audit::before(&state.db, &event).await?;
    }
    if found.visible.is_empty() {
        return Ok(Vec::new());
    }
    let ids = id_list(found.visible.iter().map(|(p, _)| p.id));
    audit::before(&state.db, &audit::event(&ctx.0, "read", Outcome::Ok).with_record("person_candidates", ids)).await?;
    Ok(found
        .visible
        .iter()
        .map(|(p, kind)| Candidate {
            id: p.id,
            label: format!(
                "{} {}（{}、{}）{}",
                p.name_kanji,
                p.name_kana,
                p.birth_date.map_or_else(|| "生年月日不明".to_string(), |d| d.to_string()),
                p.district,
                if *kind == Match::KanaAndBirth {
                    " ― かなと生年月日が一致"
                } else {
                    " ― かなが一致"
                }
            ),
        })
        .collect())
}

/// The known person a form chose (`person_choice`, an id), if it is one of the matches the
/// viewer was shown. Any other id (a person of another 地区, or none) is refused and the try is
/// audited as `denied`; the caller shows the same message for every refusal.
pub(super) async fn chosen_person(
    state: &AppState,
    ctx: &Ctx,
    found: &people::Candidates,
    choice: &str,
) -> Result<Option<i64>, WebError> {
    let id = choice.parse::<i64>().ok();
    if let Some(id) = id.filter(|id| found.visible.iter().any(|(p, _)| p.id == *id)) {
        return Ok(Some(id));
    }
    let mut event = audit::event(&ctx.0, "denied", Outcome::Denied).with_detail(Permission::CaseWrite.code());
    if let Some(id) = id {
        event = event.with_record("person", id.to_string());
    }
    audit::before(&state.db, &event).await?;
    Ok(None)
}

/// The message beside `person_choice` for a choice that is not one of the shown matches.
pub(super) const NOT_A_CANDIDATE: &str = "候補の中から選ぶか「新しい人として登録」を選んでください";
