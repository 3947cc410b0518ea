//! The `nimo` command: serve the web app, run the demo, migrate, and import/export sheets.

use anyhow::{Context, Result, bail};
use clap::{Arg, ArgAction, CommandFactory, FromArgMatches, Parser, Subcommand};
use nimo_store::{Db, sheets};
use nimo_vault::{Keyring, VaultError};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use zeroize::Zeroizing;

mod audit;
mod backup;
mod config;
mod demo;
mod districts;
mod figures;
mod keys;
mod sheet;
mod tokens;
mod users;

/// nimo — 精神障害にも対応した地域包括ケアシステム（にも包括）のための自治体・保健所向け基盤
#[derive(Parser)]
#[command(name = "nimo", version, long_about = None, disable_help_subcommand = true)]
struct Cli {
    /// 設定ファイル（TOML）。省略時はカレントディレクトリの nimo.toml があれば読む。環境変数 NIMO_CONFIG
    #[arg(long, global = true, env = "NIMO_CONFIG", hide_env = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// Where the data lives, as given on the command line or in the environment.
#[derive(clap::Args, Clone)]
struct DbFlags {
    /// データベースの URL（postgres://… または sqlite://…）。省略時はデータディレクトリの SQLite。環境変数 NIMO_DATABASE_URL
    #[arg(long, env = "NIMO_DATABASE_URL", hide_env = true)]
    database_url: Option<String>,
    /// データディレクトリ（SQLite のファイルを置く場所）。既定: data、環境変数 NIMO_DATA_DIR、設定 data_dir
    #[arg(long, env = "NIMO_DATA_DIR", hide_env = true)]
    data_dir: Option<PathBuf>,
}

impl DbFlags {
    /// Fills what the flags and environment leave open from the configuration file.
    fn resolve(self, file: &config::FileConfig) -> DbArgs {
        DbArgs {
            database_url: self.database_url.or_else(|| file.database_url.clone()),
            data_dir: self
                .data_dir
                .or_else(|| file.data_dir.clone())
                .unwrap_or_else(|| PathBuf::from(config::DEFAULT_DATA_DIR)),
        }
    }
}

/// Where the data lives: an explicit URL, or an SQLite file in the data directory.
struct DbArgs {
    database_url: Option<String>,
    data_dir: PathBuf,
}

impl DbArgs {
    fn url(&self, file: &str) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join(file).display()),
        }
    }

    /// The SQLite file of this database, when it is one.
    fn sqlite_file(&self, file: &str) -> Option<PathBuf> {
        let url = self.url(file);
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
        Some(PathBuf::from(path.split('?').next().unwrap_or(path)))
    }

    async fn connect(&self) -> Result<Db> {
        let url = self.url("nimo.db");
        Db::connect(&url).await.with_context(|| format!("データベースに接続できません（{}）", nimo_store::redact(&url)))
    }
}

/// How the web app is reached, as given on the command line or in the environment (`serve`, `demo`).
#[derive(clap::Args, Clone)]
struct WebFlags {
    /// 受け付けるホスト名（カンマ区切り、HOST または HOST:PORT、* はすべて）。既定: ループバックで待ち受けるときは localhost, 127.0.0.1, [::1]、それ以外は制限なし。環境変数 NIMO_ALLOWED_HOSTS、設定 allowed_hosts
    #[arg(long, env = "NIMO_ALLOWED_HOSTS", hide_env = true, value_delimiter = ',', value_name = "HOSTS")]
    allowed_hosts: Option<Vec<String>>,
    /// 信頼するリバースプロキシの IP アドレス（カンマ区切り）。そこからの接続に限り X-Forwarded-For の利用者のアドレスを監査ログとログイン試行の制限に使う。既定: なし（接続元のアドレスを使う）。環境変数 NIMO_TRUSTED_PROXIES、設定 trusted_proxies
    #[arg(long, env = "NIMO_TRUSTED_PROXIES", hide_env = true, value_delimiter = ',', value_name = "ADDRESSES")]
    trusted_proxies: Option<Vec<String>>,
    /// HTTPS で公開している（TLS を終端するプロキシの後ろ）。全応答に HSTS を付ける。環境変数 NIMO_BEHIND_HTTPS=1、設定 behind_https
    #[arg(
        long,
        env = "NIMO_BEHIND_HTTPS",
        hide_env = true,
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        value_name = "BOOL",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    behind_https: Option<bool>,
    /// 空床の仮押さえの有効期限（分）。既定: 30、環境変数 NIMO_HOLD_MINUTES、設定 hold_minutes
    #[arg(long, env = "NIMO_HOLD_MINUTES", hide_env = true, value_name = "MINUTES")]
    hold_minutes: Option<i64>,
    /// 空床数の掲示を「情報が古い」とするまでの時間（分）。既定: 360、環境変数 NIMO_STALE_MINUTES、設定 stale_minutes
    #[arg(long, env = "NIMO_STALE_MINUTES", hide_env = true, value_name = "MINUTES")]
    stale_minutes: Option<i64>,
    /// 全ページのフッターからリンクする、動作中のバージョンのソースコードの URL（AGPL-3.0 第13条。改変して運用するときは改変後のソースの場所）。既定: nimo のリポジトリ、環境変数 NIMO_SOURCE_URL、設定 source_url
    #[arg(long, env = "NIMO_SOURCE_URL", hide_env = true, value_name = "URL")]
    source_url: Option<String>,
    /// Prometheus のメトリクス（GET /metrics）を Authorization: Bearer で読むためのトークンを1行で書いたファイル（16文字以上）。省略時は /metrics を公開しない。環境変数 NIMO_METRICS_TOKEN_FILE、設定 metrics_token_file
    #[arg(long, env = "NIMO_METRICS_TOKEN_FILE", hide_env = true, value_name = "FILE")]
    metrics_token_file: Option<PathBuf>,
}

/// What `serve` and `demo` share: where to listen, what to answer, where the data is.
#[derive(clap::Args)]
struct ServerArgs {
    /// 待ち受けるアドレス（HOST:PORT）。既定: 127.0.0.1:8080、環境変数 NIMO_ADDR、設定 addr
    #[arg(long, env = "NIMO_ADDR", hide_env = true)]
    addr: Option<String>,
    #[command(flatten)]
    web: WebFlags,
    #[command(flatten)]
    db: DbFlags,
    #[command(flatten)]
    keys: KeyFlags,
    #[command(flatten)]
    retention: RetentionFlags,
}

/// How long `serve` keeps audit rows and expired sessions.
#[derive(clap::Args)]
struct RetentionFlags {
    /// 監査ログの保存期間（日）。これより古い記録を毎日、署名付きのチェックポイントを残して削除する。0 は無期限。既定: 1830（5年以上。要確認: docs/retention.md）、環境変数 NIMO_AUDIT_RETENTION_DAYS、設定 audit_retention_days
    #[arg(long, env = "NIMO_AUDIT_RETENTION_DAYS", hide_env = true, value_name = "DAYS")]
    audit_retention_days: Option<u32>,
    /// 期限切れのセッションを残す時間（分）。1時間ごとに削除する。既定: 0、環境変数 NIMO_SESSION_RETENTION_MINUTES、設定 session_retention_minutes
    #[arg(long, env = "NIMO_SESSION_RETENTION_MINUTES", hide_env = true, value_name = "MINUTES")]
    session_retention_minutes: Option<u32>,
}

#[derive(clap::Args)]
pub(crate) struct KeyFlags {
    /// 個人情報を暗号化する鍵ファイル（nimo keys generate で作成）。環境変数 NIMO_KEY_FILE、設定 key_file（鍵ファイルの内容を環境変数 NIMO_KEYS で渡すこともできます）
    #[arg(long, env = "NIMO_KEY_FILE", hide_env = true, value_name = "FILE")]
    key_file: Option<PathBuf>,
}

impl KeyFlags {
    /// The configured keyring: the flag or `NIMO_KEY_FILE`, else the configuration file's
    /// `key_file`, or the TOML in `NIMO_KEYS`; `None` when nothing is configured.
    pub(crate) fn load(self, file: &config::FileConfig) -> Result<Option<Keyring>> {
        let path = self.key_file.or_else(|| file.key_file.clone());
        let text = std::env::var(nimo_vault::KEYS_VAR).ok().filter(|v| !v.is_empty()).map(Zeroizing::new);
        match Keyring::from_sources(path.as_deref(), text.as_ref().map(|t| t.as_str())) {
            Ok(keyring) => Ok(Some(keyring)),
            Err(VaultError::NoKeys) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The configured keyring, or the error that explains how to make one.
    pub(crate) fn require(self, file: &config::FileConfig) -> Result<Keyring> {
        Ok(self.load(file)?.ok_or(VaultError::NoKeys)?)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Web アプリを起動する
    Serve {
        #[command(flatten)]
        server: ServerArgs,
    },
    /// デモ用データベース（目黒区 令和4年度のシート）を新しく作って起動する
    Demo {
        #[command(flatten)]
        server: ServerArgs,
    },
    /// 権限の表（ルート・メソッド・必要な権限・許可される役割）を表示する
    Policy,
    /// データベースのマイグレーションを適用する
    Migrate {
        #[command(flatten)]
        db: DbFlags,
        /// 適用せずに、適用されるマイグレーションの一覧だけを表示する（データベースは変更しない）
        #[arg(long)]
        dry_run: bool,
    },
    /// 自治体情報シートの出力・取り込み
    Sheet {
        #[command(subcommand)]
        command: sheet::SheetCommand,
    },
    /// アカウントの作成・一覧・パスワードの再発行・無効化・ロック解除
    User {
        #[command(subcommand)]
        command: users::UserCommand,
    },
    /// 地区と担当の保健師（地区担当制）の一覧・追加・担当の登録と解除
    Districts {
        #[command(subcommand)]
        command: districts::DistrictCommand,
    },
    /// 監査ログの検証・出力・保存期間を過ぎた記録の削除
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// API トークン（病院のシステムなどが Authorization: Bearer で使う）の発行・一覧・失効
    Token {
        #[command(subcommand)]
        command: tokens::TokenCommand,
    },
    /// 架空の事例記録（23条通報・訪問・退院後支援計画）を作る（負荷試験・ベンチマーク用）
    Synth {
        /// 地方公共団体コード（6桁、例: 131105）
        #[arg(long)]
        municipality: String,
        /// 年度（西暦、例: 2021 = 令和3年度）
        #[arg(long)]
        fy: i32,
        /// 目黒区の1年分（23条通報40件）の何倍を作るか
        #[arg(long, default_value_t = 1)]
        scale: usize,
        #[command(flatten)]
        db: DbFlags,
        #[command(flatten)]
        keys: KeyFlags,
    },
    /// データベース全体のバックアップを、バックアップ用の鍵で暗号化してファイルに書く（稼働中でも一貫した内容。PostgreSQL は pg_dump を使う）
    Backup {
        #[command(flatten)]
        db: DbFlags,
        /// 書き出すファイル（既存のファイルは上書きしない）。--into とどちらか一方を指定する
        #[arg(long, value_name = "FILE", required_unless_present = "into", conflicts_with = "into")]
        to: Option<PathBuf>,
        /// 定期バックアップ: このフォルダに UTC の日時の名前（nimo-20261207T031500Z.backup）で書く（systemd のタイマーや cron から）
        #[arg(long, value_name = "DIR")]
        into: Option<PathBuf>,
        /// --into のフォルダに残す数。書き終えてから、この名前の形のバックアップのうち古いものを削除する（ほかのファイルは消さない）
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        keep: Option<u32>,
        /// バックアップ用の鍵ファイル（nimo keys generate で作る。個人情報の鍵とは別の鍵にする）。環境変数 NIMO_BACKUP_KEY_FILE
        #[arg(long, env = "NIMO_BACKUP_KEY_FILE", hide_env = true, value_name = "FILE")]
        backup_key: PathBuf,
    },
    /// バックアップを空のデータベースに戻す（鍵・チェックサム・戻し先が空であることを確かめてから書き、最新のスキーマにして監査ログを検証する）
    Restore {
        #[command(flatten)]
        db: DbFlags,
        /// 戻すバックアップのファイル
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// バックアップ用の鍵ファイル。環境変数 NIMO_BACKUP_KEY_FILE
        #[arg(long, env = "NIMO_BACKUP_KEY_FILE", hide_env = true, value_name = "FILE")]
        backup_key: PathBuf,
    },
    /// 個人情報を暗号化する鍵の管理（鍵ファイルの作成、鍵の追加）
    Keys {
        #[command(subcommand)]
        command: keys::KeysCommand,
    },
}

/// clap's own words in Japanese: headings, the help and version flags, and usage errors.
fn localized(command: clap::Command) -> clap::Command {
    let template = if command.get_subcommands().next().is_some() {
        "{about}\n\n使い方: {usage}\n\nコマンド:\n{subcommands}\n\nオプション:\n{options}"
    } else if command.get_positionals().next().is_some() {
        "{about}\n\n使い方: {usage}\n\n引数:\n{positionals}\n\nオプション:\n{options}"
    } else {
        "{about}\n\n使い方: {usage}\n\nオプション:\n{options}"
    };
    let mut command = command
        .help_template(template)
        .disable_help_flag(true)
        .arg(Arg::new("help").short('h').long("help").action(ArgAction::Help).help("このヘルプを表示する"));
    if command.get_version().is_some() {
        command = command.disable_version_flag(true).arg(
            Arg::new("version").short('V').long("version").action(ArgAction::Version).help("バージョンを表示する"),
        );
    }
    command.mut_subcommands(localized)
}

fn parse_arguments() -> Cli {
    let matches = localized(Cli::command()).try_get_matches().and_then(|m| Cli::from_arg_matches(&m));
    match matches {
        Ok(cli) => cli,
        Err(error)
            if matches!(error.kind(), clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion) =>
        {
            error.exit()
        }
        Err(error) => {
            // The detail stays as clap words it (it quotes the offending argument).
            eprintln!("エラー: コマンドの指定が正しくありません（使い方は nimo --help）\n{}", error.render());
            std::process::exit(2);
        }
    }
}

/// Logs to stderr, filtered by `NIMO_LOG` (default `info,sqlx=warn,tower_http=info`); one JSON
/// object per line when `NIMO_LOG_FORMAT=json` (for a log collector), else plain text. Each line
/// of a request carries its span: the request id, the method and the path.
fn init_logging() {
    let filter = || {
        tracing_subscriber::EnvFilter::try_from_env("NIMO_LOG")
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"))
    };
    let builder = tracing_subscriber::fmt().with_env_filter(filter()).with_writer(std::io::stderr);
    if std::env::var("NIMO_LOG_FORMAT").is_ok_and(|format| format.eq_ignore_ascii_case("json")) {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// mimalloc instead of glibc's malloc: glibc keeps each thread arena's freed password-hash
/// buffers (argon2id uses 19 MiB per hash) once its dynamic mmap threshold has risen past them,
/// so a process that hashed a few passwords on worker threads held three or four 58 MiB arenas
/// for ever; mimalloc gives large blocks back to the system soon after they are freed.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = parse_arguments();
    init_logging();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("エラー: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("エラー: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    let file = config::FileConfig::load(cli.config.as_deref())?;
    let addr =
        |flag: Option<String>| flag.or_else(|| file.addr.clone()).unwrap_or_else(|| config::DEFAULT_ADDR.to_string());
    match cli.command {
        Command::Serve { server: ServerArgs { addr: a, web, db, keys, retention } } => {
            let keyring = keys.require(&file)?;
            let db = db.resolve(&file).connect().await?.with_keyring(Arc::new(keyring));
            nimo_store::accounts::seal_plain_totp_secrets(&db).await?;
            // An empty database gets its first administrator, shown once here and never logged.
            let admin_event = nimo_store::audit::AuditEvent::cli("user_admin").with_detail("bootstrap");
            if let Some((login, password)) = nimo_store::accounts::bootstrap_admin(&db, admin_event).await? {
                eprintln!(
                    "最初の管理者アカウントを作成しました: ログイン名 {login} / 仮パスワード {password}\n\
                     （この表示は一度だけです。初回ログインでパスワードの変更と二要素認証の設定を求めます）"
                );
            }
            serve(&addr(a), web, retention, &file, db).await
        }
        Command::Policy => {
            print_policy();
            Ok(())
        }
        Command::Demo { server: ServerArgs { addr: a, web, db, keys, retention } } => {
            let db = db.resolve(&file);
            let keyring = match keys.load(&file)? {
                Some(keyring) => keyring,
                None => demo_keys(&db.data_dir)?,
            };
            let db = demo_database(&db).await?.with_keyring(Arc::new(keyring));
            let accounts = demo::create_accounts(&db).await?;
            demo::fill_cases(&db).await?;
            demo::print_accounts(&accounts);
            serve(&addr(a), web, retention, &file, db).await
        }
        Command::Migrate { db, dry_run: true } => {
            let url = db.resolve(&file).url("nimo.db");
            let pending = match Db::pending_migrations(&url).await {
                Err(nimo_store::StoreError::Missing(path)) => {
                    bail!("データベース {path} がありません（--data-dir か --database-url を確認してください）")
                }
                other => other.with_context(|| format!("データベースを読めません（{}）", nimo_store::redact(&url)))?,
            };
            if pending.is_empty() {
                println!("適用するマイグレーションはありません（最新です）");
            }
            for (version, description) in &pending {
                println!("{version:04} {description}");
            }
            eprintln!("{} 件のマイグレーションが適用されます（--dry-run のため何も変更していません）", pending.len());
            Ok(())
        }
        Command::Migrate { db, dry_run: false } => {
            db.resolve(&file).connect().await?;
            eprintln!("マイグレーションを適用しました");
            Ok(())
        }
        Command::Sheet { command } => sheet::run(command, &file).await,
        Command::User { command } => users::run(command, &file).await,
        Command::Districts { command } => districts::run(command, &file).await,
        Command::Audit { command } => audit::run(command, &file).await,
        Command::Keys { command } => keys::run(command, &file).await,
        Command::Backup { db, to, into, keep, backup_key } => {
            let args = db.resolve(&file);
            let db = connect_existing(&args).await?;
            match (to, into) {
                (Some(_), _) if keep.is_some() => bail!("--keep は --into と一緒に指定してください"),
                (Some(to), _) => backup::run_backup(&db, &args.url("nimo.db"), &backup_key, &to).await,
                (None, Some(dir)) => backup::run_scheduled(&db, &args.url("nimo.db"), &backup_key, &dir, keep).await,
                (None, None) => bail!("--to か --into のどちらかを指定してください"),
            }
        }
        Command::Restore { db, from, backup_key } => {
            let args = db.resolve(&file);
            backup::run_restore(&args.url("nimo.db"), args.sqlite_file("nimo.db").as_deref(), &from, &backup_key).await
        }
        Command::Token { command } => tokens::run(command, &file).await,
        Command::Synth { municipality, fy, scale, db, keys } => {
            let keyring = keys.require(&file)?;
            let db = db.resolve(&file).connect().await?.with_keyring(Arc::new(keyring));
            demo::synth(&db, &municipality, fy, scale).await
        }
    }
}

/// Serves the app on `addr`. The host allow-list and HTTPS come from the flags or environment,
/// else the configuration file; the allow-list's default depends on the address actually bound.
async fn serve(addr: &str, web: WebFlags, retention: RetentionFlags, file: &config::FileConfig, db: Db) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("{addr} で待ち受けできません"))?;
    let local = listener.local_addr()?;
    let allowed = config::allowed_hosts(web.allowed_hosts.or_else(|| file.allowed_hosts.clone()), local)?;
    let behind_https = web.behind_https.or(file.behind_https).unwrap_or(false);
    let trusted_proxies = config::trusted_proxies(web.trusted_proxies.or_else(|| file.trusted_proxies.clone()))?;
    if allowed.warn_any_host {
        tracing::warn!("listening on {local} for any host name: set allowed_hosts to the names users type");
        eprintln!(
            "警告: {local} はループバックではありません。allowed_hosts（--allowed-hosts）で受け付けるホスト名を指定してください"
        );
    }
    tracing::info!(allowed_hosts = ?allowed.hosts, behind_https, ?trusted_proxies, "host allow-list, HTTPS and proxies");
    let mut beds = nimo_web::BedSettings::default();
    if let Some(minutes) = web.hold_minutes.or(file.hold_minutes) {
        if !(1..=24 * 60).contains(&minutes) {
            bail!("hold_minutes（--hold-minutes）は1から1440までの分で指定してください");
        }
        beds.hold_ttl_seconds = minutes * 60;
    }
    if let Some(minutes) = web.stale_minutes.or(file.stale_minutes) {
        if !(1..=7 * 24 * 60).contains(&minutes) {
            bail!("stale_minutes（--stale-minutes）は1から10080までの分で指定してください");
        }
        beds.stale_after_seconds = minutes * 60;
    }
    let source_url = web.source_url.or_else(|| file.source_url.clone());
    let source_url = source_url.as_deref().unwrap_or(nimo_web::DEFAULT_SOURCE_URL);
    if !(source_url.starts_with("https://") || source_url.starts_with("http://")) {
        bail!("source_url（--source-url）は https:// または http:// で始まる URL で指定してください");
    }
    let retention = nimo_web::RetentionSettings {
        audit_days: config::audit_retention_days(retention.audit_retention_days, file)?,
        session_minutes: retention.session_retention_minutes.or(file.session_retention_minutes).unwrap_or(0),
        ..Default::default()
    };
    tracing::info!(
        audit_retention_days = retention.audit_days,
        session_retention_minutes = retention.session_minutes,
        "retention"
    );
    let metrics_token = config::metrics_token(web.metrics_token_file.or_else(|| file.metrics_token_file.clone()))?;
    tracing::info!(metrics = metrics_token.is_some(), "GET /metrics with a bearer token");
    let state = nimo_web::AppState::new(db)
        .with_metrics_token(metrics_token)
        .with_retention(retention)
        .with_allowed_hosts(allowed.hosts)
        .with_behind_https(behind_https)
        .with_trusted_proxies(trusted_proxies)
        .with_beds(beds)
        .with_source_url(source_url);
    let state = match config::smtp_settings(file)? {
        Some(smtp) => {
            tracing::info!(?smtp, "escalation mails of overdue legal clocks");
            state.with_smtp(smtp)
        }
        None => {
            tracing::info!("no SMTP settings: overdue legal clocks are marked on the pages, not mailed");
            state
        }
    };
    tracing::info!(backend = state.db.backend.name(), "nimo serving on http://{local}/");
    eprintln!("nimo を起動しました: http://{local}/ （終了は Ctrl+C）");
    nimo_web::serve(listener, state).await?;
    Ok(())
}

/// Prints the policy table: every route with the permission it needs and the roles that hold it.
fn print_policy() {
    use nimo_domain::access::Permission;
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "{:<7} {:<52} {:<13} 許可される役割", "メソッド", "ルート", "権限");
    for (method, path, permission) in nimo_web::policy::POLICY {
        let roles = if *permission == Permission::Public {
            "全員（ログイン不要）".to_string()
        } else {
            permission.roles().iter().map(|r| r.code()).collect::<Vec<_>>().join(", ")
        };
        let _ = writeln!(out, "{method:<7} {path:<52} {:<13} {roles}", permission.code());
    }
    let _ = writeln!(
        out,
        "\n表にないルートはすべて拒否します。範囲（自治体・地区・病院）とアカウントの状態（有効・停止・ロック・二要素認証未設定）も毎回確認します。"
    );
    // A closed pipe (`nimo policy | head`) is not an error worth a panic.
    let _ = std::io::Write::write_all(&mut std::io::stdout(), out.as_bytes());
}

/// A fresh demo database: for SQLite a new file `demo.db` in the data directory (the old one is
/// removed); an explicit database URL must name an empty database, which then gets the demo
/// sheets (a database that already holds sheets is refused, so that the demo never overwrites
/// real data).
async fn demo_database(args: &DbArgs) -> Result<Db> {
    if args.database_url.is_none() {
        let path = args.data_dir.join("demo.db");
        for suffix in ["", "-wal", "-shm"] {
            let file = PathBuf::from(format!("{}{suffix}", path.display()));
            if file.exists() {
                std::fs::remove_file(&file).with_context(|| format!("{} を削除できません", file.display()))?;
            }
        }
    }
    let url = args.url("demo.db");
    let db = Db::connect(&url)
        .await
        .with_context(|| format!("データベースに接続できません（{}）", nimo_store::redact(&url)))?;
    if !sheets::is_empty(&db).await? {
        bail!(
            "デモは空のデータベースでのみ起動できます。{} にはすでにシートがあります（上書きを防ぐため中止しました）。\n\
             --database-url を外すとデータディレクトリに新しいデモ用 SQLite を作ります",
            nimo_store::redact(&url)
        );
    }
    if nimo_store::accounts::count(&db).await? > 0 {
        bail!("デモは空のデータベースでのみ起動できます。{} にはすでにアカウントがあります", nimo_store::redact(&url));
    }
    let sheet = nimo_domain::demo::meguro_r4();
    let event = nimo_store::audit::AuditEvent::cli("import").with_detail("demo");
    sheets::save(&db, &sheet, sheets::SaveMode::Create, event).await?;
    eprintln!("デモデータを読み込みました: {} {}", sheet.municipality.name, sheet.fiscal_year);
    let (hospitals, wards) = demo::create_beds(&db).await?;
    eprintln!("空床検索のデモデータ: 架空の病院 {hospitals} か所・病棟 {wards} か所");
    let (events, actions) = demo::create_pdca(&db).await?;
    eprintln!("普及啓発 {events} 件・構築推進事業の取組 {actions} 件を登録しました");
    demo::create_directory(&db, &sheet).await?;
    Ok(db)
}

/// The demo's keys when none are configured: `demo.keys` in the data directory, made on first use.
/// (Real deployments keep the key file apart from the database; the demo's data is synthetic.)
fn demo_keys(data_dir: &std::path::Path) -> Result<Keyring> {
    let path = data_dir.join("demo.keys");
    if path.exists() {
        return Ok(Keyring::load_file(&path)?);
    }
    std::fs::create_dir_all(data_dir).with_context(|| format!("{} を作成できません", data_dir.display()))?;
    let keyring = Keyring::generate();
    keyring.write_new_file(&path)?;
    eprintln!(
        "デモ用の暗号鍵ファイル {} を作成しました（本番では鍵ファイルをデータベースと別の場所に置きます）",
        path.display()
    );
    Ok(keyring)
}

/// Connects for a command that only reads: a missing SQLite file is an error, not a new database.
async fn connect_existing(args: &DbArgs) -> Result<Db> {
    let url = args.url("nimo.db");
    match Db::connect_existing(&url).await {
        Ok(db) => Ok(db),
        Err(nimo_store::StoreError::Missing(path)) => {
            bail!("データベース {path} がありません（--data-dir か --database-url を確認してください）")
        }
        Err(e) => Err(e).with_context(|| format!("データベースに接続できません（{}）", nimo_store::redact(&url))),
    }
}
