//! A section form as posted, read into what the form has. The field names of a section depend on
//! the sheet (one per list row), so they are not a struct's: a post is read as its pairs
//! ([`SectionPost`], the one extractor of the edit forms), and [`SectionPost::check`] turns it
//! into [`SectionFields`], exactly the form's fields, each once, or refuses it whole, so that a
//! partial, doubled or forged post can never blank what it leaves out.

use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use std::collections::{BTreeSet, HashMap};

/// A posted section form, not yet checked: the revision of the sheet it was made from and its
/// fields as sent.
pub struct SectionPost {
    revision: Option<i64>,
    pairs: Vec<(String, String)>,
}

/// The fields of a section form by name. Made by [`SectionPost::check`] (exactly the form's
/// fields) or [`SectionPost::typed`] (what was typed, to show again).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SectionFields(HashMap<String, String>);

impl std::ops::Deref for SectionFields {
    type Target = HashMap<String, String>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

#[cfg(test)]
impl std::ops::DerefMut for SectionFields {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

#[cfg(test)]
impl FromIterator<(String, String)> for SectionFields {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        SectionFields(pairs.into_iter().collect())
    }
}

/// Why a submission cannot be read as this form.
#[derive(Debug, PartialEq, Eq)]
pub enum SubmissionError {
    /// A field (or the revision) was sent twice.
    Duplicate(String),
    /// The submission does not have exactly the fields of the form (it is partial, forged, or
    /// was made from another version of the sheet).
    Mismatch,
}

/// The fields that are not the form's own: the revision and the CSRF token (checked by the
/// middleware).
fn is_form_field(name: &str) -> bool {
    name != "revision" && name != "csrf"
}

impl SectionPost {
    /// A post from its pairs, in the order sent.
    pub(crate) fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let revision = pairs.iter().find(|(name, _)| name == "revision").and_then(|(_, value)| value.parse().ok());
        SectionPost { revision, pairs }
    }

    /// The revision of the sheet the form was made from, if it sent one that reads as a number.
    pub fn revision(&self) -> Option<i64> {
        self.revision
    }

    /// What was typed, to show the form again after a conflict: the page shows only its own
    /// fields (a field it does not have is never shown); of a doubled field, its last value.
    pub fn typed(self) -> SectionFields {
        SectionFields(self.pairs.into_iter().filter(|(name, _)| is_form_field(name)).collect())
    }

    /// Exactly the fields of the form (`expected`), each once, besides one `revision`; anything
    /// else refuses the whole post.
    pub fn check(self, expected: &BTreeSet<String>) -> Result<SectionFields, SubmissionError> {
        let mut fields = HashMap::new();
        let mut revision_seen = false;
        for (name, value) in self.pairs {
            if name == "revision" {
                if std::mem::replace(&mut revision_seen, true) {
                    return Err(SubmissionError::Duplicate(name));
                }
                continue;
            }
            if !is_form_field(&name) {
                continue;
            }
            if fields.contains_key(&name) {
                return Err(SubmissionError::Duplicate(name));
            }
            fields.insert(name, value);
        }
        if fields.len() != expected.len() || !expected.iter().all(|name| fields.contains_key(name)) {
            return Err(SubmissionError::Mismatch);
        }
        Ok(SectionFields(fields))
    }
}

impl<S: Send + Sync> FromRequest<S> for SectionPost {
    type Rejection = Response;

    /// A body that is not a form at all keeps axum's refusal (the Japanese page of its status,
    /// by `error::rejections_as_pages`).
    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let axum::Form(pairs) = axum::Form::<Vec<(String, String)>>::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(SectionPost::from_pairs(pairs))
    }
}
