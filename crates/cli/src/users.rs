//! `nimo user`: create accounts, list them, issue temporary passwords, disable, enable and unlock.
//!
//! Passwords go to standard output exactly once and nowhere else: never into messages on
//! standard error, never into the log. Every change is written to the audit log (account id and
//! action only), in the change's own transaction: no change without its row.

use crate::{DbFlags, config, connect_existing};
use anyhow::{Context, Result, bail};
use clap::Subcommand;
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};
use nimo_store::Db;
use nimo_store::accounts::{self, AccountError, NewUser, User};
use nimo_store::audit::AuditEvent;
use std::io::{IsTerminal, Read};

#[derive(Subcommand)]
pub enum UserCommand {
    /// アカウントを作る。パスワードは標準入力から読む（パイプで渡したとき）。端末から起動したとき・入力が空のときは自動生成して標準出力に一度だけ表示する。初回ログイン時に変更が必要
    Add {
        /// ログイン名（3〜64文字の半角英小文字・数字と . _ - @。大文字は小文字として保存）
        #[arg(long)]
        login: String,
        /// 表示名（例: 目黒 花子）
        #[arg(long)]
        name: String,
        /// 役割: admin（システム管理者）, staff（保健所・市区町村職員）, hospital（病院職員）, council（協議の場 構成員）
        #[arg(long, value_parser = parse_role, value_name = "ROLE")]
        role: Role,
        /// 担当する自治体の地方公共団体コード（staff と council に必要。例: 131105）
        #[arg(long, value_name = "CODE")]
        municipality: Option<String>,
        /// 担当する地区（staff の地区担当のみ。省略時は自治体全体）
        #[arg(long, value_name = "DISTRICT")]
        district: Option<String>,
        /// 所属する病院の ID（hospital に必要）
        #[arg(long, value_name = "ID")]
        hospital: Option<String>,
        #[command(flatten)]
        db: DbFlags,
    },
    /// アカウントの一覧（ID、ログイン名、表示名、役割、範囲、二段階認証、状態）
    List {
        #[command(flatten)]
        db: DbFlags,
    },
    /// 一時パスワードを発行して標準出力に一度だけ表示する（次回ログイン時に変更が必要。二段階認証の登録はそのまま。ログイン中のセッションは終わる）
    ResetPassword {
        /// 対象のログイン名
        #[arg(long)]
        login: String,
        #[command(flatten)]
        db: DbFlags,
    },
    /// アカウントを無効にする（ログイン中のセッションも終わる）
    Disable {
        /// 対象のログイン名
        #[arg(long)]
        login: String,
        #[command(flatten)]
        db: DbFlags,
    },
    /// 無効にしたアカウントを有効に戻す
    Enable {
        /// 対象のログイン名
        #[arg(long)]
        login: String,
        #[command(flatten)]
        db: DbFlags,
    },
    /// ログインの失敗回数を消去し、ログインの待ち時間を解除する
    Unlock {
        /// 対象のログイン名
        #[arg(long)]
        login: String,
        #[command(flatten)]
        db: DbFlags,
    },
}

fn parse_role(code: &str) -> Result<Role, String> {
    Role::parse(code).ok_or_else(|| format!("役割 {code} はありません（admin, staff, hospital, council のいずれか）"))
}

pub async fn run(command: UserCommand, file: &config::FileConfig) -> Result<()> {
    match command {
        UserCommand::Add { login, name, role, municipality, district, hospital, db } => {
            let municipality = municipality
                .map(|code| MunicipalityCode::parse(&code).map_err(|e| anyhow::anyhow!("--municipality: {e}")))
                .transpose()?;
            let scope = Scope { municipality, district, hospital };
            let (password, generated) = match password_from_stdin()? {
                Some(password) => (password, false),
                None => (accounts::temporary_password(&login), true),
            };
            let db = db.resolve(file).connect().await?;
            let new = NewUser {
                login: &login,
                display_name: &name,
                role,
                scope,
                password: &password,
                must_change_password: true,
            };
            let user = match accounts::create_user(&db, &new, event("create")).await {
                Ok(user) => user,
                Err(AccountError::LoginTaken) => bail!("ログイン名 {} はすでに使われています", login.to_lowercase()),
                Err(error) => match nimo_web::error::account_refusal(&error) {
                    Some(refusal) => bail!("アカウントを作成できませんでした: {}", refusal.detail),
                    None => return Err(error).context("アカウントを作成できませんでした"),
                },
            };
            eprintln!(
                "アカウントを作成しました: {}（{}、{}）",
                user.login,
                user.role.label(),
                scope_text(&user.scope).unwrap_or_else(|| "範囲なし".into())
            );
            let mut next = "初回ログイン時にパスワードの変更が必要です".to_string();
            if user.role.requires_two_factor() {
                next.push_str("。二段階認証（認証アプリ）の登録も必要です");
            }
            if generated {
                eprintln!("{next}。初期パスワードを次の行に一度だけ表示します（本人に安全な方法で伝えてください）:");
                println!("{password}");
            } else {
                eprintln!("{next}");
            }
            Ok(())
        }
        UserCommand::List { db } => {
            let db = connect_existing(&db.resolve(file)).await?;
            let users = accounts::list(&db).await?;
            if users.is_empty() {
                eprintln!("アカウントはまだありません（nimo user add で作成します）");
            } else {
                print!("{}", table(&users));
            }
            Ok(())
        }
        UserCommand::ResetPassword { login, db } => {
            let db = connect_existing(&db.resolve(file)).await?;
            let user = find(&db, &login).await?;
            let password = accounts::admin_reset_password(&db, user.id, event("reset_password")).await?;
            eprintln!(
                "{} の一時パスワードを発行しました。次回ログイン時に変更が必要です。次の行に一度だけ表示します（本人に安全な方法で伝えてください）:",
                user.login
            );
            println!("{password}");
            Ok(())
        }
        UserCommand::Disable { login, db } => {
            let db = connect_existing(&db.resolve(file)).await?;
            let user = find(&db, &login).await?;
            accounts::set_disabled(&db, user.id, true, event("disable")).await?;
            eprintln!("{} を無効にしました", user.login);
            Ok(())
        }
        UserCommand::Enable { login, db } => {
            let db = connect_existing(&db.resolve(file)).await?;
            let user = find(&db, &login).await?;
            accounts::set_disabled(&db, user.id, false, event("enable")).await?;
            eprintln!("{} を有効にしました", user.login);
            Ok(())
        }
        UserCommand::Unlock { login, db } => {
            let db = connect_existing(&db.resolve(file)).await?;
            let user = find(&db, &login).await?;
            accounts::unlock(&db, user.id, event("unlock")).await?;
            eprintln!("{} のログインの失敗回数を消去し、待ち時間を解除しました", user.login);
            Ok(())
        }
    }
}

/// The first line of standard input when it is piped and not empty (the trailing line break
/// removed, nothing else: spaces belong to the password).
fn password_from_stdin() -> Result<Option<String>> {
    let mut stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Ok(None);
    }
    let mut text = String::new();
    stdin.read_to_string(&mut text).context("標準入力からパスワードを読めません（UTF-8 で渡してください）")?;
    let line = text.split('\n').next().unwrap_or_default().trim_end_matches('\r');
    Ok((!line.is_empty()).then(|| line.to_string()))
}

async fn find(db: &Db, login: &str) -> Result<User> {
    match accounts::find_by_login(db, login).await {
        Ok(user) => Ok(user),
        Err(AccountError::NotFound) => bail!("ログイン名 {} のアカウントはありません", login.trim().to_lowercase()),
        Err(error) => Err(error.into()),
    }
}

/// The audit event of an account change: what was done (the store adds the account's id).
fn event(what: &str) -> AuditEvent {
    AuditEvent::cli("user_admin").with_detail(what)
}

fn scope_text(scope: &Scope) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(code) = &scope.municipality {
        parts.push(code.as_str().to_string());
    }
    if let Some(district) = &scope.district {
        parts.push(format!("地区 {district}"));
    }
    if let Some(hospital) = &scope.hospital {
        parts.push(format!("病院 {hospital}"));
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}

fn state_text(user: &User) -> String {
    let mut states = Vec::new();
    if user.disabled {
        states.push("無効".to_string());
    }
    if let Some(until) = user.throttled_until.filter(|_| user.is_throttled_at(time::OffsetDateTime::now_utc())) {
        states.push(format!("ログイン待ち（{} まで）", nimo_web::display::jst_second(until)));
    }
    if user.must_change_password {
        states.push("パスワード変更待ち".to_string());
    }
    if states.is_empty() { "有効".to_string() } else { states.join("・") }
}

/// The accounts as an aligned text table (full-width characters count as two columns).
fn table(users: &[User]) -> String {
    let header = ["ID", "ログイン名", "表示名", "役割", "範囲", "二段階認証", "状態"].map(str::to_string);
    let rows: Vec<[String; 7]> = users
        .iter()
        .map(|user| {
            [
                user.id.to_string(),
                user.login.clone(),
                user.display_name.clone(),
                user.role.code().to_string(),
                scope_text(&user.scope).unwrap_or_else(|| "-".into()),
                if user.totp_enabled { "on" } else { "off" }.to_string(),
                state_text(user),
            ]
        })
        .collect();
    let mut widths = header.clone().map(|cell| width(&cell));
    for row in &rows {
        for (column, cell) in row.iter().enumerate() {
            widths[column] = widths[column].max(width(cell));
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, column_width)| format!("{cell}{}", " ".repeat(column_width - width(cell))))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// Columns a text takes in a terminal: two for full-width characters (CJK, kana, full-width
/// forms), one for the rest. Half-width katakana is one.
fn width(text: &str) -> usize {
    text.chars().map(|c| if c.is_ascii() || ('\u{FF61}'..='\u{FF9F}').contains(&c) { 1 } else { 2 }).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_text_takes_two_columns() {
        assert_eq!(width("admin"), 5);
        assert_eq!(width("目黒 花子"), 9);
        assert_eq!(width("ｶﾅ"), 2);
    }
}
