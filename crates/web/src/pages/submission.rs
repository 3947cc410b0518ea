//! A form posted to a page, deserialized into the form's own struct: each field at most once and
//! nothing the form does not have (`#[serde(deny_unknown_fields)]` on the struct), the CSRF token
//! dropped (the middleware has checked it). A doubled or unknown field is refused as a whole with
//! the Japanese 422 page, before anything is read; a field left out reads as empty, so that its
//! reason shows beside it as it always did.
//!
//! `serde_urlencoded` alone would take the last of doubled fields silently: the pairs are read
//! first, repeats refused, and only then deserialized.
//!
//! A form with a group of checkboxes sends one field many times: such a form's struct names that
//! field in [`WithList::LIST`] and is read as a [`ListedSubmission`], the list's values in the order
//! sent, every other field as above.

use crate::WebError;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use std::collections::HashSet;

/// The message of a submission that is not one of our forms.
const REFUSED: &str = "送信された内容を読み取れません。画面のフォームから送信してください。";

/// A posted form of type `T`.
pub(crate) struct Submission<T>(pub(crate) T);

/// Why a submission was refused (the field is named for the log, never shown).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    /// A field came twice.
    Doubled(String),
    /// A field the form does not have, or a value of the wrong shape.
    Unreadable(String),
}

/// The pairs of a posted form as `T`: the CSRF token dropped, a doubled field refused, then
/// deserialized (unknown fields are refused by `T` itself).
pub(crate) fn from_pairs<T: DeserializeOwned>(pairs: Vec<(String, String)>) -> Result<T, Refused> {
    let mut seen = HashSet::new();
    let mut kept = Vec::with_capacity(pairs.len());
    for (name, value) in pairs {
        if name == "csrf" {
            continue;
        }
        if !seen.insert(name.clone()) {
            return Err(Refused::Doubled(name));
        }
        kept.push((name, value));
    }
    let encoded = serde_urlencoded::to_string(&kept).map_err(|e| Refused::Unreadable(e.to_string()))?;
    serde_urlencoded::from_str(&encoded).map_err(|e| Refused::Unreadable(e.to_string()))
}

/// A form whose field [`WithList::LIST`] may come many times (a group of checkboxes).
pub(crate) trait WithList: DeserializeOwned {
    /// The name of the repeated field (not a field of the struct).
    const LIST: &'static str;
}

/// A posted form of type `T` and the values of its repeated field, in the order sent.
pub(crate) struct ListedSubmission<T>(pub(crate) T, pub(crate) Vec<String>);

/// The pairs of a posted form as `T` and the values of `T::LIST`: the list's pairs taken out,
/// the rest read by [`from_pairs`] (each at most once, nothing unknown).
pub(crate) fn from_listed_pairs<T: WithList>(pairs: Vec<(String, String)>) -> Result<(T, Vec<String>), Refused> {
    let (list, rest): (Vec<_>, Vec<_>) = pairs.into_iter().partition(|(name, _)| name == T::LIST);
    Ok((from_pairs(rest)?, list.into_iter().map(|(_, value)| value).collect()))
}

/// The pairs of a posted form. A body that is not a form at all keeps axum's refusal (turned
/// into the Japanese page of its status by `error::rejections_as_pages`).
async fn pairs_of<S: Send + Sync>(request: Request, state: &S) -> Result<Vec<(String, String)>, Response> {
    let axum::Form(pairs) =
        axum::Form::<Vec<(String, String)>>::from_request(request, state).await.map_err(IntoResponse::into_response)?;
    Ok(pairs)
}

/// The 422 page of a refused submission (the reason logged, never shown).
fn refusal(refused: &Refused) -> Response {
    tracing::info!(?refused, "a form submission was refused");
    WebError::Rejected(StatusCode::UNPROCESSABLE_ENTITY, REFUSED.into()).into_response()
}

impl<T, S> FromRequest<S> for Submission<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        from_pairs(pairs_of(request, state).await?).map(Submission).map_err(|refused| refusal(&refused))
    }
}

impl<T, S> FromRequest<S> for ListedSubmission<T>
where
    T: WithList,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let (form, list) = from_listed_pairs(pairs_of(request, state).await?).map_err(|refused| refusal(&refused))?;
        Ok(ListedSubmission(form, list))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Visit {
        #[serde(default)]
        visited_on: String,
        #[serde(default)]
        note: String,
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_form_reads_once_without_its_csrf_token_and_a_left_out_field_is_empty() {
        let visit: Visit = from_pairs(pairs(&[("csrf", "t"), ("visited_on", "2022-05-10")])).unwrap();
        assert_eq!(visit, Visit { visited_on: "2022-05-10".into(), note: String::new() });
    }

    #[test]
    fn doubled_and_unknown_fields_are_refused() {
        let doubled = from_pairs::<Visit>(pairs(&[("note", "a"), ("note", "b")]));
        assert_eq!(doubled, Err(Refused::Doubled("note".into())));
        assert!(matches!(from_pairs::<Visit>(pairs(&[("district", "東部")])), Err(Refused::Unreadable(_))));
    }

    impl WithList for Visit {
        const LIST: &'static str = "visitor";
    }

    #[test]
    fn a_listed_field_may_repeat_and_the_others_may_not() {
        let sent = pairs(&[("visitor", "a"), ("note", "n"), ("visitor", "b"), ("csrf", "t")]);
        let (visit, visitors) = from_listed_pairs::<Visit>(sent).unwrap();
        assert_eq!((visit.note.as_str(), visitors), ("n", vec!["a".to_string(), "b".to_string()]));
        let doubled = from_listed_pairs::<Visit>(pairs(&[("visitor", "a"), ("note", "a"), ("note", "b")]));
        assert_eq!(doubled.map(|_| ()), Err(Refused::Doubled("note".into())));
        assert!(from_listed_pairs::<Visit>(pairs(&[("visitors", "a")])).is_err(), "an unknown field");
    }
}
