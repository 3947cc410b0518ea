//! `nimo token`: API tokens for a hospital's own system or a user's script. A token acts as its
//! user (role, scope, account state); it is printed once on standard output and only its
//! SHA-256 is stored. Creation and revocation are audited (token id and user id only).

use crate::{DbFlags, config, connect_existing};
use anyhow::{Context, Result, bail};
use clap::Subcommand;
use nimo_store::accounts::{self, AccountError};
use nimo_store::audit::AuditEvent;
use nimo_store::beds;

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
        TokenCommand::Create { user, name, db } => {
            let db = connect_existing(&db.resolve(file)).await?;
            let user_id = user_id(&db, &user).await?;
            let token = match beds::create_token(&db, user_id, &name, now, AuditEvent::cli("token_create")).await {
                Ok(token) => token,
                Err(error) => match nimo_web::error::store_refusal(&error) {
                    Some(refusal) => bail!("トークンを発行できませんでした: {}", refusal.detail),
                    None => return Err(error).context("トークンを発行できませんでした"),
                },
            };
            eprintln!(
                "{user} のトークンを発行しました。次の行に一度だけ表示します（Authorization: Bearer に設定してください）:"
            );
            println!("{token}");
            Ok(())
        }
        TokenCommand::List { user, db } => {
            let db = connect_existing(&db.resolve(file)).await?;
            let user_id = user_id(&db, &user).await?;
            let tokens = beds::list_tokens(&db, user_id).await?;
            if tokens.is_empty() {
                eprintln!("{user} のトークンはありません");
            }
            for token in tokens {
                let state = if token.revoked { "失効" } else { "有効" };
                println!("{}\t{}\t{}\t{state}", token.id, token.name, token.created_at);
            }
            Ok(())
        }
        TokenCommand::Revoke { id, db } => {
            let db = connect_existing(&db.resolve(file)).await?;
            match beds::revoke_token(&db, id, AuditEvent::cli("token_revoke")).await {
                Ok(()) => {}
                Err(e) if e.is_not_found() => bail!("ID {id} のトークンはありません"),
                Err(e) => return Err(e.into()),
            }
            eprintln!("トークン {id} を失効させました");
            Ok(())
        }
    }
}
