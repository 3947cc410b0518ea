//! The search's query parameters: how the API reads them (each at most once, every error naming
//! its parameter) and, through [`SearchQuery`]'s derive, what `/api/openapi.json` says they
//! are, down to the values the search accepts (a person is `male` or `female`, `from` is one of
//! the 23 wards, `lat` and `lon` come together and within Japan).

use super::super::criteria::{FieldError, LATITUDES, LONGITUDES};
use nimo_domain::beds::{Sex, TOKYO_WARD_CENTRES};
use std::collections::HashMap;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{IntoParams, ToSchema};

/// The names of the search's parameters, as the search page reads them.
const NAMES: [&str; 10] =
    ["admission", "sex", "age", "ward_type", "physical", "from", "lat", "lon", "include_full", "seclusion"];

/// The parameters whose presence is what counts (any value, even empty).
const FLAGS: [&str; 3] = ["physical", "include_full", "seclusion"];

/// The query of a search: the search page's criteria. The API reads the query itself
/// ([`read`]); this struct only describes it.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct SearchQuery {
    /// The admission type the ward must accept.
    #[param(value_type = Option<nimo_domain::beds::AdmissionType>)]
    admission: Option<String>,
    /// The person's sex.
    #[param(schema_with = person_sex)]
    sex: Option<String>,
    /// The person's age, 0–120.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 120)]
    age: Option<String>,
    /// The ward type.
    #[param(value_type = Option<nimo_domain::beds::WardType>)]
    ward_type: Option<String>,
    /// Any value: the person needs 身体合併症 care.
    physical: Option<String>,
    /// The 地方公共団体コード of a Tokyo ward to measure distances from (ignored with `lat`
    /// and `lon`).
    #[param(schema_with = tokyo_ward, example = "131105")]
    from: Option<String>,
    /// The point to measure distances from, instead of `from`: `lat` and `lon`, both or neither.
    #[param(value_type = Option<Point>, style = Form, explode)]
    point: Option<String>,
    /// Any value: include wards with no bed left.
    include_full: Option<String>,
    /// Any value: only wards with a free 保護室 (seclusion room).
    seclusion: Option<String>,
}

/// A point in Japan, as the query's `lat` and `lon` (decimal degrees).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Point {
    /// The latitude.
    #[schema(schema_with = latitude)]
    lat: f64,
    /// The longitude.
    #[schema(schema_with = longitude)]
    lon: f64,
}

/// The search's parameters by name, from the query string. A parameter given twice is refused
/// (422, naming it) rather than one of its values silently chosen; unknown names are ignored,
/// as the search page ignores them.
pub fn read(query: Option<&str>) -> Result<HashMap<String, String>, Vec<FieldError>> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or_default())
        .map_err(|_| vec![("query", "検索条件: URL のクエリを読み取れません".to_string())])?;
    let mut params = HashMap::new();
    let mut errors = Vec::new();
    for (name, value) in pairs {
        let Some(known) = NAMES.iter().find(|known| **known == name) else { continue };
        // The page's empty fields mean "not given"; the API's document gives no empty value.
        let flag = FLAGS.contains(known);
        if !flag && value.trim().is_empty() && !errors.iter().any(|(field, _)| field == known) {
            errors.push((*known, format!("{known}: 値が空です。指定しないときはパラメータごと省いてください")));
        }
        if params.insert(name, value).is_some() && !errors.iter().any(|(field, _)| field == known) {
            errors.push((*known, format!("{known}: 一度だけ指定してください")));
        }
    }
    if errors.is_empty() { Ok(params) } else { Err(errors) }
}

/// A person's sex: the codes of [`Sex`] but `mixed`, which only a ward has.
fn person_sex() -> ObjectBuilder {
    let codes = Sex::ALL.into_iter().filter(|s| *s != Sex::Mixed).map(Sex::code);
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(codes))
}

/// The codes of the 23 wards whose centres the search knows.
fn tokyo_ward() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(TOKYO_WARD_CENTRES.iter().map(|(code, ..)| *code)))
}

fn degrees(range: std::ops::RangeInclusive<f64>) -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::Number).minimum(Some(*range.start())).maximum(Some(*range.end())).into()
}

fn latitude() -> RefOr<Schema> {
    degrees(LATITUDES)
}

fn longitude() -> RefOr<Schema> {
    degrees(LONGITUDES)
}

#[cfg(test)]
mod tests {
    use super::read;

    #[test]
    fn a_parameter_given_twice_is_refused_by_name_and_unknown_ones_are_ignored() {
        let errors = read(Some("sex=male&sex=female&sex=male&age=3")).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0, "sex");
        let params = read(Some("age=3&x=1&x=2")).unwrap();
        assert_eq!(params.len(), 1);
        assert_eq!(params["age"], "3");
        assert!(read(None).unwrap().is_empty());
        assert_eq!(read(Some("from=&age=3")).unwrap_err()[0].0, "from");
        assert_eq!(read(Some("physical=&include_full=")).unwrap().len(), 2);
    }
}
