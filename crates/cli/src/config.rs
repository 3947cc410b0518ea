//! Configuration: built-in defaults, then an optional TOML file (`--config FILE`, `NIMO_CONFIG`,
//! or `nimo.toml` in the working directory), then `NIMO_*` environment variables and flags.
//! `nimo.sample.toml` at the top of the repository lists every key.

use anyhow::{Context, Result};
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// The address `serve` and `demo` listen on when nothing else says.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
/// The data directory when nothing else says.
pub const DEFAULT_DATA_DIR: &str = "data";

/// What a configuration file may set. Unknown keys are errors, so that a typo is not ignored.
#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub database_url: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub addr: Option<String>,
}

impl fmt::Debug for FileConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may carry a password: never print it whole.
        f.debug_struct("FileConfig")
            .field("database_url", &self.database_url.as_deref().map(nimo_store::redact))
            .field("data_dir", &self.data_dir)
            .field("addr", &self.addr)
            .finish()
    }
}

impl FileConfig {
    /// Reads the file named by `--config`/`NIMO_CONFIG` (which must exist), else `nimo.toml` in
    /// the working directory if there is one, else nothing.
    pub fn load(explicit: Option<&Path>) -> Result<Self> {
        let path = match explicit {
            Some(path) => path.to_path_buf(),
            None => {
                let default = PathBuf::from("nimo.toml");
                if !default.exists() {
                    return Ok(Self::default());
                }
                default
            }
        };
        let text =
            std::fs::read_to_string(&path).with_context(|| format!("設定ファイル {} を読めません", path.display()))?;
        toml::from_str(&text).with_context(|| format!("設定ファイル {} に誤りがあります", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_config_parses_and_unknown_keys_are_refused() {
        let sample = include_str!("../../../nimo.sample.toml");
        let config: FileConfig = toml::from_str(sample).unwrap();
        assert_eq!(config.addr.as_deref(), Some(DEFAULT_ADDR));
        assert!(toml::from_str::<FileConfig>("adr = \"x\"").is_err());
    }

    #[test]
    fn debug_hides_the_password() {
        let config = FileConfig { database_url: Some("postgres://nimo:secret@db/nimo".into()), ..Default::default() };
        assert!(!format!("{config:?}").contains("secret"));
    }
}
