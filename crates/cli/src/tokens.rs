//! `nimo token`: API tokens for a hospital's own system or a user's script. A token acts as its
//! user (role, scope, account state) on `/api/v1` only, narrowed to its scopes, until it expires;
//! it is printed once on standard output and only its SHA-256 is stored. The operator on the
//! server makes tokens here without a second factor (the UI needs one). Creation and revocation
//! are audited (token id and user id only).

use crate::{DbFlags, config, connect_existing};
use anyhow::{Context, Result, bail};
use clap::Subcommand;
use nimo_domain::api_scope::ApiScope;
use nimo_store::accounts::{self, AccountError};
use nimo_store::audit::AuditEvent;
use nimo_store::tokens::{self, NewToken};

#[derive(Subcommand)]
pub enum TokenCommand {
    /// トークンを発行して標準出力に一度だけ表示する（利用者の役割・範囲・状態のまま API を使える）
    Create {
        /// トークンで操作する利用者のログイン名
        #[arg(long)]
        user: String,
        /// 用途（例: 病院の病床管理システム）
        #[arg(long, default_value = "API")]
        name: String,
        /// 使える操作（繰り返し指定可: sheets:read, beds:read, beds:write, holds:write, holds:answer, council:read）。
        /// 省略時は利用者の役割で使えるすべて
        #[arg(long = "scope", value_name = "SCOPE")]
        scopes: Vec<String>,
        /// 有効期間（日、1〜365）
        #[arg(long, default_value_t = nimo_domain::api_scope::DEFAULT_TOKEN_DAYS)]
        expires_days: i64,
        #[command(flatten)]
        db: DbFlags,
    },
    /// 利用者のトークンの一覧（トークンそのものは表示しない）
    List {
        /// 利用者のログイン名
        #[arg(long)]
        user: String,
        #[command(flatten)]
        db: DbFlags,
    },
    /// トークンを失効させる
    Revoke {
        /// トークンの ID（nimo token list で確認）
        #[arg(long)]
        id: i64,
        #[command(flatten)]
        db: DbFlags,
    },
}

async fn user_id(db: &nimo_store::Db, login: &str) -> Result<i64> {
    match accounts::find_by_login(db, login).await {
        Ok(user) => Ok(user.id),
        Err(AccountError::NotFound) => bail!("ログイン名 {login} のアカウントはありません"),
        Err(error) => Err(error).context("アカウントを確認できませんでした"),
    }
}

pub async fn run(command: TokenCommand, file: &config::FileConfig) -> Result<()> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    match command {
        TokenCommand::Create { user, name, scopes, expires_days, db } => {
            let mut chosen = Vec::new();
            for code in &scopes {
                match ApiScope::parse(code) {
                    Some(scope) => chosen.push(scope),
                    None => bail!(
                        "--scope {code} はありません（使えるもの: {}）",
                        ApiScope::ALL.map(ApiScope::code).join(", ")
                    ),
                }
            }
            let db = connect_existing(&db.resolve(file)).await?;
            let user_id = user_id(&db, &user).await?;
            let scopes = (!chosen.is_empty()).then_some(chosen);
            let new = NewToken { user_id, name: &name, scopes, days: Some(expires_days) };
            let token = match tokens::create(&db, &new, now, AuditEvent::cli("token_create")).await {
                Ok(token) => token,
                Err(error) => match nimo_web::error::store_refusal(&error) {
                    Some(refusal) => bail!("トークンを発行できませんでした: {}", refusal.detail),
                    None => return Err(error).context("トークンを発行できませんでした"),
                },
            };
            eprintln!(
                "{user} のトークン（ID {}、スコープ {}、有効期限 {}）を発行しました。次の行に一度だけ表示します（Authorization: Bearer に設定してください）:",
                token.id,
                ApiScope::join(&token.scopes),
                when(token.expires_at)
            );
            println!("{}", token.secret);
            Ok(())
        }
        TokenCommand::List { user, db } => {
            let db = connect_existing(&db.resolve(file)).await?;
            let user_id = user_id(&db, &user).await?;
            let list = tokens::list_tokens(&db, user_id).await?;
            if list.is_empty() {
                eprintln!("{user} のトークンはありません");
            } else {
                eprintln!("ID\t名前\tスコープ\t発行\t有効期限\t最終利用\t状態");
            }
            for token in list {
                let state = if token.revoked {
                    "失効"
                } else if now >= token.expires_at {
                    "期限切れ"
                } else {
                    "有効"
                };
                let used = token.last_used_at.map_or_else(|| "-".to_string(), when);
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{used}\t{state}",
                    token.id,
                    token.name,
                    ApiScope::join(&token.scopes),
                    when(token.created_at),
                    when(token.expires_at)
                );
            }
            Ok(())
        }
        TokenCommand::Revoke { id, db } => {
            let db = connect_existing(&db.resolve(file)).await?;
            match tokens::revoke_token(&db, id, AuditEvent::cli("token_revoke")).await {
                Ok(()) => {}
                Err(e) if e.is_not_found() => bail!("ID {id} のトークンはありません"),
                Err(e) => return Err(e.into()),
            }
            eprintln!("トークン {id} を失効させました");
            Ok(())
        }
    }
}

/// A Unix time as RFC 3339 in UTC (`2026-05-01T09:30:00Z`).
fn when(at: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| at.to_string())
}
