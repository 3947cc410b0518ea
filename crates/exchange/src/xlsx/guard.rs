//! Limits checked before calamine reads an uploaded workbook, so that a small hostile file
//! (a zip bomb, a huge declared string count, a far-away cell) cannot exhaust memory.
//!
//! calamine 0.38 has no size limits of its own. It inflates archive members as it reads them,
//! reserves its shared-string table from the `uniqueCount` attribute as written, and
//! `worksheet_range` allocates the whole rectangle between the first and last cell. So:
//! 1. the file itself is at most [`MAX_FILE_BYTES`];
//! 2. every member is inflated here once, through a counting reader that stops past
//!    [`MAX_MEMBER_BYTES`] (and [`MAX_TOTAL_BYTES`] for all of them), whatever sizes the archive
//!    declares; a CRC error or a truncated member is reported as a corrupt file;
//! 3. every `uniqueCount` in the inflated XML must not exceed the member's size;
//! 4. worksheets are read cell by cell (`worksheet_cells_reader`) into a sparse map, never as a
//!    dense range, and rows past [`MAX_ROWS`] are refused (see `grid.rs`).

use crate::error::{FileFormat, ImportError};
use std::io::{Cursor, Read};

/// The largest workbook accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// The largest inflated archive member, in bytes.
pub const MAX_MEMBER_BYTES: u64 = 64 * 1024 * 1024;
/// The largest inflated archive, in bytes.
pub const MAX_TOTAL_BYTES: u64 = 256 * 1024 * 1024;
/// The most archive members accepted.
pub const MAX_MEMBERS: usize = 1_000;
/// The most rows a worksheet may have.
pub const MAX_ROWS: u32 = 10_000;

pub fn unreadable(reason: impl Into<String>) -> ImportError {
    ImportError::Unreadable { format: FileFormat::Xlsx, reason: reason.into() }
}

/// The limits [`check_archive`] applies.
pub struct Limits {
    pub file_bytes: usize,
    pub member_bytes: u64,
    pub total_bytes: u64,
    pub members: usize,
}

/// The limits for uploads.
pub const LIMITS: Limits = Limits {
    file_bytes: MAX_FILE_BYTES,
    member_bytes: MAX_MEMBER_BYTES,
    total_bytes: MAX_TOTAL_BYTES,
    members: MAX_MEMBERS,
};

/// Checks the archive as described in the module documentation.
pub fn check_archive(bytes: &[u8]) -> Result<(), ImportError> {
    check_archive_within(bytes, &LIMITS)
}

fn check_archive_within(bytes: &[u8], limits: &Limits) -> Result<(), ImportError> {
    if bytes.len() > limits.file_bytes {
        return Err(unreadable(format!("ファイルが大きすぎます（{} MiB まで）", limits.file_bytes / 1024 / 1024)));
    }
    if bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        return Err(unreadable(
            "パスワード付きのファイル、または旧形式（.xls）のファイルです。パスワードを外し、.xlsx 形式で保存してください",
        ));
    }
    if !bytes.starts_with(b"PK") {
        return Err(unreadable("XLSX（ZIP）形式のファイルではありません"));
    }
    let corrupt = |detail: String| unreadable(format!("ファイルが壊れているか、途中で切れています（{detail}）"));
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| corrupt(e.to_string()))?;
    if archive.len() > limits.members {
        return Err(unreadable("ファイルの構成要素が多すぎます"));
    }
    let mut total = 0u64;
    for index in 0..archive.len() {
        let member = archive.by_index(index).map_err(|e| corrupt(e.to_string()))?;
        let mut inflated = Vec::new();
        let read =
            member.take(limits.member_bytes + 1).read_to_end(&mut inflated).map_err(|e| corrupt(e.to_string()))? as u64;
        total += read;
        if read > limits.member_bytes || total > limits.total_bytes {
            return Err(unreadable("展開後のサイズが大きすぎます（圧縮爆弾の可能性があります）"));
        }
        check_counts(&inflated)?;
    }
    Ok(())
}

/// Refuses a `uniqueCount` (or `count`) attribute larger than the XML that declares it.
fn check_counts(xml: &[u8]) -> Result<(), ImportError> {
    const NAME: &[u8] = b"uniqueCount";
    let mut start = 0;
    while let Some(found) = find(&xml[start..], NAME) {
        let mut at = start + found + NAME.len();
        while at < xml.len() && matches!(xml[at], b' ' | b'\t' | b'\r' | b'\n' | b'=' | b'"' | b'\'') {
            at += 1;
        }
        let digits = xml[at..].iter().take_while(|b| b.is_ascii_digit()).count();
        let too_big = digits > 12
            || std::str::from_utf8(&xml[at..at + digits])
                .ok()
                .and_then(|d| d.parse::<u64>().ok())
                .is_some_and(|n| n > xml.len() as u64);
        if too_big {
            return Err(unreadable("共有文字列の数が不正です"));
        }
        start = at;
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_declared_string_count_is_refused() {
        assert!(check_counts(br#"<sst count="3" uniqueCount="99999999999999">"#).is_err());
        assert!(check_counts(br#"<sst count="3" uniqueCount = '2'>..."#).is_ok());
    }

    #[test]
    fn members_that_inflate_past_the_limits_are_refused() {
        let bytes = crate::to_xlsx(&nimo_domain::demo::meguro_r4()).unwrap();
        assert!(check_archive(&bytes).is_ok());
        let tight = Limits { member_bytes: 1_000, ..LIMITS };
        let error = check_archive_within(&bytes, &tight).unwrap_err();
        assert!(error.to_string().contains("圧縮爆弾"), "{error}");
        let tight = Limits { total_bytes: 10_000, ..LIMITS };
        assert!(check_archive_within(&bytes, &tight).is_err());
        let tight = Limits { file_bytes: 1_000, ..LIMITS };
        assert!(check_archive_within(&bytes, &tight).is_err());
    }

    #[test]
    fn not_a_zip_is_named_as_such() {
        let error = check_archive(b"hello").unwrap_err();
        assert!(error.to_string().contains("ZIP"), "{error}");
    }
}
