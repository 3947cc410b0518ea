//! A minimal in-process typst `World`: one main source, one JSON data file, our fonts, no
//! packages and no access to the file system or the network. Every report (the sheet, the case
//! summary, the 退院後支援計画) is compiled in one of these.

use crate::fonts::Fonts;
use std::sync::LazyLock;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

/// The standard library, built once per process and shared by every render.
static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

/// The path of the main source inside the virtual project.
pub const MAIN_PATH: &str = "/main.typ";

/// The path of the sheet's data inside the virtual project.
pub const DATA_PATH: &str = "/sheet.json";

/// The path of a case summary's or a plan's data inside the virtual project.
pub const RECORD_DATA_PATH: &str = "/data.json";

fn file_id(path: &str) -> FileId {
    let vpath = VirtualPath::new(path).expect("a fixed, valid virtual path");
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

/// One render's world: the template, its JSON data and the shared fonts.
pub struct ReportWorld {
    main: Source,
    data_id: FileId,
    data: Bytes,
    fonts: Fonts,
}

impl ReportWorld {
    /// A world whose main file is `source` and whose file `data_path` holds `data`.
    pub fn new(source: String, data_path: &str, data: Vec<u8>, fonts: Fonts) -> Self {
        Self {
            main: Source::new(file_id(MAIN_PATH), source),
            data_id: file_id(data_path),
            data: Bytes::new(data),
            fonts,
        }
    }
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        self.fonts.book()
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else if id == self.data_id {
            Err(FileError::NotSource)
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else if id == self.main.id() {
            Ok(Bytes::from_string(self.main.clone()))
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.font(index)
    }

    /// Today in Japan (UTC+9) unless typst asks for another offset; no report prints it (a print's
    /// time comes with its data).
    fn today(&self, offset: Option<Duration>) -> Option<Datetime> {
        let hours = offset.map(|o| o.seconds() / 3600.0).unwrap_or(9.0);
        if !hours.is_finite() || hours.abs() > 24.0 {
            return None;
        }
        let now = time::OffsetDateTime::now_utc() + time::Duration::seconds_f64(hours * 3600.0);
        Datetime::from_ymd(now.year(), u8::from(now.month()), now.day())
    }
}
