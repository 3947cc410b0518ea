//! Typed values out of TEXT columns. The `Any` driver has no date type, so dates, instants and
//! codes are stored as text in one agreed form (ISO dates, `YYYY-MM-DDTHH:MM` receipt times,
//! RFC 3339 instants, 6-digit codes), parsed once when a row is read; a value that does not parse
//! is [`StoreError::Corrupt`] naming its `table.column`.

use crate::StoreError;
use nimo_domain::MunicipalityCode;
use nimo_domain::calendar::{parse_iso_date, parse_local_minute};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

/// The error for a stored value that is not what its column holds.
pub(crate) fn corrupt(column: &str) -> StoreError {
    StoreError::Corrupt(column.to_string())
}

/// An ISO date column.
pub(crate) fn date(column: &str, text: &str) -> Result<Date, StoreError> {
    parse_iso_date(text).ok_or_else(|| corrupt(column))
}

/// A nullable ISO date column.
pub(crate) fn optional_date(column: &str, text: Option<&str>) -> Result<Option<Date>, StoreError> {
    text.map(|t| date(column, t)).transpose()
}

/// A local date and time to the minute (`2022-05-10T14:30`).
pub(crate) fn local_minute(column: &str, text: &str) -> Result<PrimitiveDateTime, StoreError> {
    parse_local_minute(text).ok_or_else(|| corrupt(column))
}

/// An RFC 3339 instant.
pub(crate) fn instant(column: &str, text: &str) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|_| corrupt(column))
}

/// A 地方公共団体コード column.
pub(crate) fn municipality(column: &str, text: &str) -> Result<MunicipalityCode, StoreError> {
    MunicipalityCode::parse(text).map_err(|_| corrupt(column))
}

/// An optional date as bound to a nullable TEXT column.
pub(crate) fn date_text(date: Option<Date>) -> Option<String> {
    date.map(|d| d.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_stored_value_names_its_column() {
        for error in [
            date("report23.closed_on", "2022-02-30").unwrap_err(),
            local_minute("report23.received_at", "2022-05-10 14:30").unwrap_err(),
            instant("sheet.updated_at", "yesterday").unwrap_err(),
            municipality("person.municipality_code", "131104").unwrap_err(),
        ] {
            assert!(matches!(error, StoreError::Corrupt(_)), "{error}");
        }
        assert_eq!(date("x.y", "1").unwrap_err().to_string(), "stored data is invalid: x.y");
    }

    #[test]
    fn good_values_read_back_as_written() {
        let day = date("t.c", "2022-05-10").unwrap();
        assert_eq!(day.to_string(), "2022-05-10");
        let at = local_minute("t.c", "2022-05-10T14:30").unwrap();
        assert_eq!(nimo_domain::calendar::local_minute_text(at), "2022-05-10T14:30");
        assert_eq!(optional_date("t.c", None).unwrap(), None);
        assert_eq!(municipality("t.c", "131105").unwrap().as_str(), "131105");
    }
}
