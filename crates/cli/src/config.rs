//! Configuration: built-in defaults, then an optional TOML file (`--config FILE`, `NIMO_CONFIG`,
//! or `nimo.toml` in the working directory), then `NIMO_*` environment variables and flags.
//! `nimo.sample.toml` at the top of the repository lists every key.

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The address `serve` and `demo` listen on when nothing else says.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
/// The data directory when nothing else says.
pub const DEFAULT_DATA_DIR: &str = "data";
/// The host names the app answers to when it listens on a loopback address and nothing else says.
pub const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

/// What a configuration file may set. Unknown keys are errors, so that a typo is not ignored.
#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub database_url: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub addr: Option<String>,
    pub allowed_hosts: Option<Vec<String>>,
    pub behind_https: Option<bool>,
    pub trusted_proxies: Option<Vec<String>>,
    pub key_file: Option<PathBuf>,
    pub hold_minutes: Option<i64>,
    pub stale_minutes: Option<i64>,
    pub source_url: Option<String>,
    pub audit_retention_days: Option<u32>,
    pub session_retention_minutes: Option<u32>,
    pub metrics_token_file: Option<PathBuf>,
    /// Escalation mails of overdue legal clocks (`[smtp]`); none without it.
    pub smtp: Option<SmtpConfig>,
}

/// The `[smtp]` table: the server escalation mails go through. Each key also reads from the
/// environment (`NIMO_SMTP_HOST`, `NIMO_SMTP_PORT`, `NIMO_SMTP_FROM`, `NIMO_SMTP_USER`,
/// `NIMO_SMTP_PASSWORD`, `NIMO_SMTP_STARTTLS`, `NIMO_PUBLIC_URL`), which wins.
#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub from: Option<String>,
    pub user: Option<String>,
    pub password: Option<String>,
    pub starttls: Option<bool>,
    /// The address users open nimo at, for the link in a mail.
    pub public_url: Option<String>,
}

/// The SMTP settings of the file and the environment, checked; `None` when no host is set.
pub fn smtp_settings(file: &FileConfig) -> Result<Option<nimo_web::escalation::SmtpSettings>> {
    let table = file.smtp.clone().unwrap_or_default();
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let Some(host) = env("NIMO_SMTP_HOST").or(table.host) else { return Ok(None) };
    let port = match env("NIMO_SMTP_PORT") {
        Some(text) => {
            text.trim().parse().with_context(|| format!("NIMO_SMTP_PORT はポート番号で指定してください: {text}"))?
        }
        None => table.port.unwrap_or(25),
    };
    let from = env("NIMO_SMTP_FROM")
        .or(table.from)
        .context("smtp.from（NIMO_SMTP_FROM）に送信元のメールアドレスを指定してください")?;
    if !nimo_web::escalation::valid_address(&from) {
        bail!("smtp.from（NIMO_SMTP_FROM）はメールアドレスで指定してください: {from}");
    }
    let user = env("NIMO_SMTP_USER").or(table.user);
    let password = env("NIMO_SMTP_PASSWORD").or(table.password);
    let credentials = match (user, password) {
        (Some(user), Some(password)) => Some((user, password)),
        (None, None) => None,
        _ => bail!("smtp.user と smtp.password（NIMO_SMTP_USER, NIMO_SMTP_PASSWORD）は両方とも指定してください"),
    };
    let starttls = match env("NIMO_SMTP_STARTTLS") {
        Some(text) => matches!(text.trim(), "1" | "true" | "yes" | "on"),
        None => table.starttls.unwrap_or(false),
    };
    let public_url = env("NIMO_PUBLIC_URL").or(table.public_url).unwrap_or_else(|| "http://127.0.0.1:8080".into());
    if !(public_url.starts_with("https://") || public_url.starts_with("http://")) {
        bail!("smtp.public_url（NIMO_PUBLIC_URL）は https:// または http:// で始まる URL で指定してください");
    }
    Ok(Some(nimo_web::escalation::SmtpSettings {
        host,
        port,
        from,
        credentials,
        starttls,
        public_url,
        every: std::time::Duration::from_secs(60),
    }))
}

impl fmt::Debug for FileConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may carry a password: never print it whole.
        f.debug_struct("FileConfig")
            .field("database_url", &self.database_url.as_deref().map(nimo_store::redact))
            .field("data_dir", &self.data_dir)
            .field("addr", &self.addr)
            .field("allowed_hosts", &self.allowed_hosts)
            .field("behind_https", &self.behind_https)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("hold_minutes", &self.hold_minutes)
            .field("stale_minutes", &self.stale_minutes)
            .field("source_url", &self.source_url)
            .field("audit_retention_days", &self.audit_retention_days)
            .field("session_retention_minutes", &self.session_retention_minutes)
            .field("metrics_token_file", &self.metrics_token_file)
            // The SMTP password is never printed.
            .field("smtp", &self.smtp.as_ref().map(|s| (&s.host, s.port, &s.from, &s.user, s.starttls)))
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

/// Days audit rows are kept: the flag or environment, else the file, else
/// [`nimo_store::audit::DEFAULT_RETENTION_DAYS`]; 0 keeps them for ever, anything else must be
/// at least [`nimo_store::audit::MIN_RETENTION_DAYS`] (a year of logs to review).
pub fn audit_retention_days(given: Option<u32>, file: &FileConfig) -> Result<u32> {
    let days = given.or(file.audit_retention_days).unwrap_or(nimo_store::audit::DEFAULT_RETENTION_DAYS);
    let min = nimo_store::audit::MIN_RETENTION_DAYS;
    if days != 0 && !(min..=36_500).contains(&days) {
        bail!(
            "audit_retention_days（--audit-retention-days）は {min} から 36500 までの日数で指定してください（0 は無期限）: {days}"
        );
    }
    Ok(days)
}

/// The bearer token of `GET /metrics`, read from its file (`None`: no file configured, the route
/// answers 404). An unreadable file or a token shorter than 16 characters is an error naming the
/// file, never the token.
pub fn metrics_token(path: Option<PathBuf>) -> Result<Option<nimo_web::metrics::MetricsToken>> {
    let Some(path) = path else {
        return Ok(None);
    };
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(&path)
            .with_context(|| format!("メトリクスのトークンファイル {} を読めません", path.display()))?,
    );
    match nimo_web::metrics::MetricsToken::new(&text) {
        Some(token) => Ok(Some(token)),
        None => bail!(
            "メトリクスのトークンファイル {} のトークンが短すぎます（{} 文字以上にしてください。例: openssl rand -hex 32）",
            path.display(),
            nimo_web::metrics::MetricsToken::MIN_LENGTH
        ),
    }
}

/// The reverse proxies whose `X-Forwarded-For` is believed: IP addresses only (a name could
/// resolve elsewhere); an entry that is not one is an error naming it.
pub fn trusted_proxies(given: Option<Vec<String>>) -> Result<Vec<std::net::IpAddr>> {
    given
        .unwrap_or_default()
        .iter()
        .map(|entry| entry.trim())
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry.parse().map_err(|_| {
                anyhow::anyhow!("trusted_proxies の「{entry}」は IP アドレスではありません（例: 127.0.0.1, 10.0.0.2）")
            })
        })
        .collect()
}

/// The host names the web app answers to (`None`: any), from what the flag, the environment or
/// the file gave (`given`) and the address actually bound. Without a list, a loopback address
/// answers only to the loopback names (a DNS-rebinding page cannot reach it); any other address
/// answers to any host, and `warn_any_host` says so. `*` alone in the list means any host.
pub fn allowed_hosts(given: Option<Vec<String>>, local: SocketAddr) -> Result<AllowedHosts> {
    let Some(given) = given else {
        return Ok(if local.ip().is_loopback() {
            AllowedHosts { hosts: Some(LOOPBACK_HOSTS.iter().map(|h| h.to_string()).collect()), warn_any_host: false }
        } else {
            AllowedHosts { hosts: None, warn_any_host: true }
        });
    };
    let hosts: Vec<String> = given.iter().map(|h| h.trim().to_string()).filter(|h| !h.is_empty()).collect();
    if hosts.is_empty() {
        bail!("allowed_hosts にホスト名がありません（すべて許可するには * を指定します）");
    }
    if hosts.iter().any(|h| h == "*") {
        return Ok(AllowedHosts { hosts: None, warn_any_host: false });
    }
    for host in &hosts {
        if host.contains(['/', '@', '*', ' ', '\t']) {
            bail!(
                "allowed_hosts の「{host}」はホスト名ではありません（例: nimo.city.example または nimo.city.example:8443）"
            );
        }
    }
    Ok(AllowedHosts { hosts: Some(hosts), warn_any_host: false })
}

/// The resolved host allow-list, and whether to warn that any host is answered.
#[derive(Debug, PartialEq, Eq)]
pub struct AllowedHosts {
    pub hosts: Option<Vec<String>>,
    pub warn_any_host: bool,
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
        // Every key the sample shows commented out is valid when uncommented.
        let uncommented: String = sample
            .lines()
            .map(|l| l.strip_prefix("# ").filter(|r| r.contains(" = ")).unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        let config: FileConfig = toml::from_str(&uncommented).unwrap();
        assert!(config.allowed_hosts.is_some() && config.behind_https.is_some() && config.database_url.is_some());
        let smtp = config.smtp.expect("the smtp table");
        assert!(smtp.host.is_some() && smtp.starttls == Some(true) && smtp.public_url.is_some());
    }

    #[test]
    fn trusted_proxies_are_ip_addresses_only() {
        let given = Some(vec![" 127.0.0.1 ".to_string(), "::1".into(), String::new()]);
        assert_eq!(trusted_proxies(given).unwrap().len(), 2);
        assert!(trusted_proxies(None).unwrap().is_empty());
        let error = trusted_proxies(Some(vec!["proxy.example".into()])).unwrap_err().to_string();
        assert!(error.contains("proxy.example"), "{error}");
    }

    #[test]
    fn the_host_allow_list_defaults_to_loopback_names_on_a_loopback_address() {
        let loopback: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let v6_loopback: SocketAddr = "[::1]:8080".parse().unwrap();
        let public: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        let names = Some(vec!["localhost".to_string(), "127.0.0.1".to_string(), "[::1]".to_string()]);
        assert_eq!(allowed_hosts(None, loopback).unwrap(), AllowedHosts { hosts: names.clone(), warn_any_host: false });
        assert_eq!(allowed_hosts(None, v6_loopback).unwrap().hosts, names);
        assert_eq!(allowed_hosts(None, public).unwrap(), AllowedHosts { hosts: None, warn_any_host: true });
        let given = allowed_hosts(Some(vec![" nimo.city.example ".into(), "".into()]), loopback).unwrap();
        assert_eq!(given.hosts, Some(vec!["nimo.city.example".to_string()]));
        assert_eq!(
            allowed_hosts(Some(vec!["*".into()]), public).unwrap(),
            AllowedHosts { hosts: None, warn_any_host: false }
        );
        assert!(allowed_hosts(Some(vec!["https://nimo.city.example".into()]), public).is_err());
        assert!(allowed_hosts(Some(vec![String::new()]), public).is_err());
    }

    #[test]
    fn audit_retention_defaults_to_five_years_and_refuses_less_than_one() {
        let file = FileConfig::default();
        assert_eq!(audit_retention_days(None, &file).unwrap(), 1830);
        assert_eq!(audit_retention_days(Some(0), &file).unwrap(), 0, "0 keeps the log for ever");
        let file = FileConfig { audit_retention_days: Some(3650), ..Default::default() };
        assert_eq!(audit_retention_days(None, &file).unwrap(), 3650);
        assert_eq!(audit_retention_days(Some(400), &file).unwrap(), 400, "the flag wins");
        assert!(audit_retention_days(Some(30), &file).is_err());
    }

    #[test]
    fn the_metrics_token_file_must_hold_a_long_enough_token() {
        let dir = tempfile::tempdir().unwrap();
        assert!(metrics_token(None).unwrap().is_none(), "no file: no /metrics");
        let short = dir.path().join("short");
        std::fs::write(&short, "secret-short\n").unwrap();
        let error = metrics_token(Some(short)).unwrap_err().to_string();
        assert!(error.contains("短すぎます") && !error.contains("secret-short"), "{error}");
        let long = dir.path().join("long");
        std::fs::write(&long, "0123456789abcdef0123\n").unwrap();
        assert!(metrics_token(Some(long)).unwrap().is_some());
        assert!(metrics_token(Some(dir.path().join("missing"))).is_err());
    }

    #[test]
    fn debug_hides_the_password() {
        let config = FileConfig { database_url: Some("postgres://nimo:secret@db/nimo".into()), ..Default::default() };
        assert!(!format!("{config:?}").contains("secret"));
    }
}
