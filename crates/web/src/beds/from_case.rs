//! A bed sought for a case: the case loaded within the viewer's scope (a case outside it is the
//! same 404 as none, audited `denied`; reading it is audited `read`), the search criteria it
//! gives (the disposition's 入院形態, the person's sex and age, the municipality as the point
//! distances are measured from), and the 入院形態 a hold for it must have unless a reason is
//! confirmed.

use super::criteria::SearchForm;
use crate::context::Ctx;
use crate::{AppState, WebError};
use nimo_domain::access::Permission;
use nimo_domain::beds::{AdmissionType, centre_of};
use nimo_store::audit::Outcome;
use nimo_store::{cases, people};

/// The case a bed is sought for, as the search page and the hold use it (no name, no notes).
#[derive(Debug, Clone)]
pub(crate) struct CaseSought {
    pub(crate) id: i64,
    pub(crate) code: String,
    /// The 受付番号 the hold carries.
    pub(crate) reception: String,
    /// The 入院形態 of the case's disposition (none before a disposition, or for one that is not
    /// an admission).
    pub(crate) admission: Option<AdmissionType>,
    /// `male` or `female` (the bed search's codes), when the person's sex is known.
    sex: Option<&'static str>,
    /// Age in whole years on the day of the search, when the birth date is known.
    age: Option<i32>,
}

impl CaseSought {
    /// The case page's address.
    pub(crate) fn link(&self) -> String {
        format!("/municipalities/{}/cases/{}", self.code, self.id)
    }

    /// The label of the case's 入院形態 (empty when it has none).
    pub(crate) fn admission_label(&self) -> &'static str {
        self.admission.map_or("", AdmissionType::label)
    }
}

/// Loads the case named by its id (as typed in a query or form) for the bed finder.
pub(crate) async fn load(state: &AppState, ctx: &Ctx, id: &str) -> Result<CaseSought, WebError> {
    let id: i64 = id.trim().parse().map_err(|_| crate::pages::not_found())?;
    let case = match cases::get(&state.db, id).await {
        Ok(case) => case,
        Err(error) if error.is_not_found() => return Err(crate::pages::not_found()),
        Err(error) => return Err(error.into()),
    };
    let code = case.municipality.clone();
    crate::pages::check_scope(
        state,
        ctx,
        Permission::CaseRead,
        &code,
        (&case.municipality, &case.district),
        "case",
        id,
    )
    .await?;
    crate::audit::before(
        &state.db,
        &crate::audit::event(&ctx.0, "read", Outcome::Ok).with_record("case", case.id.to_string()),
    )
    .await?;
    let person = match case.person_id {
        Some(person) => Some(people::get(&state.db, person).await?),
        None => None,
    };
    let today = japan_today(state.clock.unix());
    Ok(CaseSought {
        id: case.id,
        code: code.to_string(),
        reception: nimo_domain::cases::reception_number(case.fiscal_year, case.id),
        admission: case.status.disposition.and_then(nimo_domain::cases::admission_of),
        sex: person.as_ref().and_then(|p| match p.sex.as_str() {
            "m" => Some("male"),
            "f" => Some("female"),
            _ => None,
        }),
        age: person.as_ref().and_then(|p| p.birth_date).map(|born| age_on(born, today)),
    })
}

/// The day in Japan at a Unix time.
fn japan_today(now: i64) -> time::Date {
    let japan = time::UtcOffset::from_whole_seconds(9 * 3600).unwrap_or(time::UtcOffset::UTC);
    time::OffsetDateTime::from_unix_timestamp(now).unwrap_or(time::OffsetDateTime::UNIX_EPOCH).to_offset(japan).date()
}

/// Whole years from a birth date to a day.
fn age_on(born: time::Date, on: time::Date) -> i32 {
    let before_birthday = (on.month() as u8, on.day()) < (born.month() as u8, born.day());
    on.year() - born.year() - i32::from(before_birthday)
}

/// The search the case gives: its 入院形態, the person's sex and age, its municipality.
pub(crate) fn criteria_form(case: &CaseSought) -> SearchForm {
    SearchForm {
        go: "1".into(),
        case: case.id.to_string(),
        admission: case.admission.map(|a| a.code().to_string()).unwrap_or_default(),
        sex: case.sex.unwrap_or_default().to_string(),
        age: case.age.filter(|a| (0..=120).contains(a)).map(|a| a.to_string()).unwrap_or_default(),
        from: centre_of(&case.code).map(|_| case.code.clone()).unwrap_or_default(),
        ..SearchForm::default()
    }
}

#[cfg(test)]
mod tests {
    use super::age_on;
    use time::{Date, Month};

    fn day(y: i32, m: Month, d: u8) -> Date {
        Date::from_calendar_date(y, m, d).unwrap()
    }

    #[test]
    fn an_age_counts_whole_years_up_to_the_birthday() {
        assert_eq!(age_on(day(1985, Month::April, 1), day(2021, Month::March, 31)), 35);
        assert_eq!(age_on(day(1985, Month::April, 1), day(2021, Month::April, 1)), 36);
    }
}
