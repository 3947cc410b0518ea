//! The person's seven fields, which the intake form and the case page's identification form both
//! post: read once, into [`PersonFields`], by the shared [`WithPerson`] (serde's `flatten` cannot
//! be used with `deny_unknown_fields`), checked once (`person_errors`) and turned into a new
//! person once (`PersonFields::new_person`).

use crate::pages::{Errors, Fields, check_texts, valid_date};
use nimo_domain::MunicipalityCode;
use nimo_domain::cases::texts;
use nimo_store::people::NewPerson;
use serde::de::{DeserializeOwned, Deserializer, Error as _};
use std::collections::BTreeMap;

/// The person's fields as posted (a field left out is absent, and reads as empty).
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PersonFields {
    name_kana: Option<String>,
    name_kanji: Option<String>,
    birth_date: Option<String>,
    sex: Option<String>,
    address: Option<String>,
    contact: Option<String>,
    /// A known person chosen among the matches shown (an id), or `new`.
    person_choice: Option<String>,
}

impl PersonFields {
    /// The names of the fields, as the forms post them.
    const NAMES: [&'static str; 7] =
        ["name_kana", "name_kanji", "birth_date", "sex", "address", "contact", "person_choice"];

    /// The new person these fields describe, of the case's municipality and 地区.
    pub(crate) fn new_person(f: &Fields, municipality: &MunicipalityCode, district: &str) -> NewPerson {
        let get = |n: &str| f.get(n).map(|v| v.trim().to_string()).unwrap_or_default();
        NewPerson {
            municipality: municipality.clone(),
            district: district.to_string(),
            sex: get("sex"),
            name_kana: get("name_kana"),
            name_kanji: get("name_kanji"),
            birth_date: nimo_domain::calendar::parse_iso_date(&get("birth_date")),
            address: get("address"),
            contact: get("contact"),
        }
    }
}

/// A form `T` that also carries the person's fields: the posted pairs are split by name, the
/// person's into [`PersonFields`] and the others into `T`; each refuses what it does not know.
#[derive(Debug)]
pub(crate) struct WithPerson<T> {
    pub(crate) form: T,
    pub(crate) person: PersonFields,
}

impl<T: serde::Serialize> WithPerson<T> {
    /// Every field posted, by name (`pages::posted` of both parts).
    pub(crate) fn posted(&self) -> Fields {
        let mut f = crate::pages::posted(&self.form);
        f.extend(crate::pages::posted(&self.person));
        f
    }
}

/// Pairs as a form struct, through the same urlencoded reading `Submission` uses.
fn from_pairs<T: DeserializeOwned>(pairs: &[(String, String)]) -> Result<T, String> {
    let encoded = serde_urlencoded::to_string(pairs).map_err(|e| e.to_string())?;
    serde_urlencoded::from_str(&encoded).map_err(|e| e.to_string())
}

impl<'de, T: DeserializeOwned> serde::Deserialize<'de> for WithPerson<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let pairs = BTreeMap::<String, String>::deserialize(deserializer)?;
        let (person, rest): (Vec<_>, Vec<_>) =
            pairs.into_iter().partition(|(name, _)| PersonFields::NAMES.contains(&name.as_str()));
        Ok(WithPerson {
            form: from_pairs(&rest).map_err(D::Error::custom)?,
            person: from_pairs(&person).map_err(D::Error::custom)?,
        })
    }
}

/// Checks the person's fields of a form (intake, or identifying the person of a case later).
pub(crate) fn person_errors(f: &Fields, errors: &mut Errors) {
    let get = |n: &str| f.get(n).map(|v| v.trim()).unwrap_or_default();
    if get("name_kana").is_empty() {
        errors.insert("name_kana".into(), "氏名（かな）を入力してください（不明なら「本人不明」を選びます）".into());
    }
    let birth = get("birth_date");
    if !birth.is_empty() && !valid_date(birth) {
        errors.insert("birth_date".into(), "生年月日を「1980-01-31」の形で入力してください".into());
    }
    if !matches!(get("sex"), "f" | "m" | "x") {
        errors.insert("sex".into(), "性別を選んでください".into());
    }
    check_texts(f, texts::PERSON, errors);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::submission::{Refused, from_pairs as submitted};

    #[derive(Debug, serde::Deserialize, serde::Serialize)]
    #[serde(deny_unknown_fields)]
    struct Visit {
        when: Option<String>,
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_person_fields_are_split_from_the_form_and_each_refuses_a_stranger() {
        let read: WithPerson<Visit> =
            submitted(pairs(&[("csrf", "t"), ("when", "2022-05-10"), ("name_kana", "みほん"), ("sex", "f")])).unwrap();
        let f = read.posted();
        assert_eq!(f["when"], "2022-05-10");
        assert_eq!(f["name_kana"], "みほん");
        assert!(!f.contains_key("contact"));
        let stranger = submitted::<WithPerson<Visit>>(pairs(&[("when", "x"), ("nickname", "y")]));
        assert!(matches!(stranger, Err(Refused::Unreadable(_))), "{stranger:?}");
        let doubled = submitted::<WithPerson<Visit>>(pairs(&[("name_kana", "a"), ("name_kana", "b")]));
        assert!(matches!(doubled, Err(Refused::Doubled(_))), "{doubled:?}");
    }
}
