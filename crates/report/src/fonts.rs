//! Finding and loading the Japanese fonts the PDF is set in (Noto Sans CJK JP), once per process.

use crate::ReportError;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use typst::foundations::Bytes;
use typst::text::{Font, FontBook, FontWeight};
use typst::utils::LazyHash;

/// The font family every page is set in.
pub const FAMILY: &str = "Noto Sans CJK JP";

/// Where Debian's `fonts-noto-cjk` installs its collections.
pub const DEBIAN_FONT_DIR: &str = "/usr/share/fonts/opentype/noto";

/// The environment variable naming an extra font directory, searched before the system one.
pub const FONT_DIR_VARIABLE: &str = "NIMO_FONT_DIR";

/// The loaded Regular and Bold faces of Noto Sans CJK JP with their font book.
///
/// Parsing the fonts once and sharing them is what makes a warm render fast: cloning is cheap
/// (an [`Arc`]), and the value is `Send + Sync` so that concurrent renders can share it.
#[derive(Clone)]
pub struct Fonts {
    inner: Arc<Loaded>,
}

struct Loaded {
    fonts: Vec<Font>,
    book: LazyHash<FontBook>,
    files: Vec<PathBuf>,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fonts").field("family", &FAMILY).field("files", &self.inner.files).finish()
    }
}

impl Fonts {
    /// Finds Noto Sans CJK JP (Debian `fonts-noto-cjk`, `/usr/share/fonts/opentype/noto/`),
    /// searching the directory in `NIMO_FONT_DIR` first when it is set.
    pub fn discover() -> Result<Fonts, ReportError> {
        let mut dirs = Vec::new();
        if let Some(dir) = std::env::var_os(FONT_DIR_VARIABLE).filter(|d| !d.is_empty()) {
            dirs.push(PathBuf::from(dir));
        }
        dirs.push(PathBuf::from(DEBIAN_FONT_DIR));
        Self::from_dirs(&dirs)
    }

    /// Loads the Regular and Bold faces from the first of `dirs` that has each of them.
    pub fn from_dirs(dirs: &[PathBuf]) -> Result<Fonts, ReportError> {
        let mut regular: Option<(Font, PathBuf)> = None;
        let mut bold: Option<(Font, PathBuf)> = None;
        for path in dirs.iter().flat_map(|dir| candidate_files(dir)) {
            if regular.is_some() && bold.is_some() {
                break;
            }
            let data = match std::fs::read(&path) {
                Ok(data) => data,
                Err(_) => continue,
            };
            // A collection holds the JP, KR, SC, TC and HK faces; keep only the JP one.
            for font in Font::iter(Bytes::new(data)) {
                let info = font.info();
                if info.family != FAMILY {
                    continue;
                }
                let slot = match info.variant.weight {
                    FontWeight::REGULAR => &mut regular,
                    FontWeight::BOLD => &mut bold,
                    _ => continue,
                };
                if slot.is_none() {
                    *slot = Some((font, path.clone()));
                }
            }
        }
        let (regular, regular_path) = regular.ok_or(ReportError::FontsMissing)?;
        let mut fonts = vec![regular];
        let mut files = vec![regular_path];
        if let Some((bold, bold_path)) = bold {
            fonts.push(bold);
            files.push(bold_path);
        }
        let book = LazyHash::new(FontBook::from_fonts(&fonts));
        Ok(Fonts { inner: Arc::new(Loaded { fonts, book, files }) })
    }

    /// The files the faces were loaded from.
    pub fn files(&self) -> &[PathBuf] {
        &self.inner.files
    }

    pub(crate) fn book(&self) -> &LazyHash<FontBook> {
        &self.inner.book
    }

    pub(crate) fn font(&self, index: usize) -> Option<Font> {
        self.inner.fonts.get(index).cloned()
    }
}

/// Font files in a directory whose names suggest Noto Sans CJK (any packaging: `.ttc`, `.otc`,
/// `.otf`, `.ttf`), sorted so that discovery does not depend on directory order.
fn candidate_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_ascii_lowercase();
            name.starts_with("notosanscjk")
                && [".ttc", ".otc", ".otf", ".ttf"].iter().any(|ext| name.ends_with(ext))
                && !name.contains("mono")
        })
        .collect();
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_without_fonts_names_the_package() {
        let empty = std::env::temp_dir().join("nimo-report-no-fonts-here");
        let error = Fonts::from_dirs(&[empty]).unwrap_err().to_string();
        assert!(
            error.contains(
                "install the Debian package fonts-noto-cjk (apt-get install fonts-noto-cjk), or set NIMO_FONT_DIR"
            ),
            "{error}"
        );
    }

    #[test]
    fn finds_regular_and_bold_of_the_jp_family() {
        let fonts = Fonts::discover().unwrap();
        assert_eq!(fonts.inner.fonts.len(), 2);
        for font in &fonts.inner.fonts {
            assert_eq!(font.info().family, FAMILY);
        }
    }

    #[test]
    fn fonts_are_shareable_across_threads() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<Fonts>();
    }
}
