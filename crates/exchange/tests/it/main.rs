//! Integration tests of nimo-exchange through its public functions, on the bytes a user would
//! download or upload.

mod csv;
mod garbage;
mod json;
mod properties;
mod workbook;
mod xlsx;

/// The demo sheet: 目黒区, 令和4年度.
pub fn demo() -> nimo_exchange::Sheet {
    nimo_domain::demo::meguro_r4()
}

/// Asserts that an error's message contains every part.
#[track_caller]
pub fn assert_mentions(error: &nimo_exchange::ImportError, parts: &[&str]) {
    let message = error.to_string();
    for part in parts {
        assert!(message.contains(part), "「{part}」がない: {message}");
    }
}
