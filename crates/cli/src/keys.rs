//! `nimo keys`: the key file that encrypts personal data — create one, and add a key for rotation.
//! Key material is written to the file only, never printed or logged.

use crate::{DbFlags, KeyFlags, config, connect_existing};
use anyhow::{Result, bail};
use clap::Subcommand;
use nimo_vault::Keyring;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum KeysCommand {
    /// 個人情報を暗号化する鍵ファイルを新しく作る（権限 600、既存のファイルは上書きしない）
    Generate {
        /// 作成する鍵ファイル
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
        /// 鍵 ID（英数字・-・_ の 1〜32 文字）。省略時は k<西暦>a（例: k2026a）
        #[arg(long)]
        id: Option<String>,
    },
    /// 鍵ファイルに新しい鍵を追加して有効にする（古い鍵は復号のために残す）
    Add {
        /// 鍵ファイル。環境変数 NIMO_KEY_FILE
        #[arg(short, long, env = "NIMO_KEY_FILE", hide_env = true, value_name = "FILE")]
        file: PathBuf,
        /// 新しい鍵の ID。省略時は k<西暦><次の英字>（例: k2026b）
        #[arg(long)]
        id: Option<String>,
    },
    /// 保存済みの個人情報を有効な鍵で暗号化し直す（稼働中に実行できます。古い鍵の値がなくなれば、その鍵は削除できます）
    Rotate {
        #[command(flatten)]
        keys: KeyFlags,
        #[command(flatten)]
        db: DbFlags,
    },
}

pub async fn run(command: KeysCommand, file: &config::FileConfig) -> Result<()> {
    match command {
        KeysCommand::Generate { output, id } => {
            let keyring = match id {
                Some(id) => Keyring::generate_with_id(&id)?,
                None => Keyring::generate(),
            };
            keyring.write_new_file(&output)?;
            eprintln!(
                "鍵ファイル {} を作成しました（鍵 {}、権限 600）。\n\
                 環境変数 NIMO_KEY_FILE にこのパスを設定して使います。\n\
                 控えをデータベースとそのバックアップとは別の安全な場所に保管してください（鍵を失うと暗号化した個人情報は復号できません）",
                output.display(),
                keyring.active_key_id()
            );
            Ok(())
        }
        KeysCommand::Add { file, id } => {
            let mut keyring = Keyring::load_file(&file)?;
            let previous: Vec<String> = keyring.key_ids().map(str::to_string).collect();
            let added = match id {
                Some(id) => {
                    keyring.add_key_with_id(&id)?;
                    id
                }
                None => keyring.add_key(),
            };
            keyring.replace_file(&file)?;
            eprintln!(
                "鍵 {added} を追加して有効にしました（{}）。以前の鍵（{}）は復号のために残しています。\n\
                 nimo を再起動すると、新しく保存する値から鍵 {added} で暗号化します",
                file.display(),
                previous.join(", ")
            );
            Ok(())
        }
        KeysCommand::Rotate { keys, db } => {
            let keyring = keys.require(file)?;
            let active = keyring.active_key_id().to_string();
            let db = connect_existing(&db.resolve(file)).await?.with_keyring(std::sync::Arc::new(keyring));
            let report = nimo_store::sealed::rotate(&db, nimo_store::audit::AuditEvent::cli("keys_rotate")).await?;
            let (mut failed, mut raced) = (0, 0);
            for column in &report {
                println!(
                    "{}: 再暗号化 {} 件、有効な鍵のまま {} 件、同時更新のため次回 {} 件、復号できない値 {} 件{}",
                    column.column,
                    column.resealed,
                    column.current,
                    column.raced,
                    column.failed.len(),
                    if column.failed.is_empty() {
                        String::new()
                    } else {
                        format!("（id: {}）", column.failed.iter().map(i64::to_string).collect::<Vec<_>>().join(", "))
                    }
                );
                failed += column.failed.len();
                raced += column.raced;
            }
            if failed > 0 {
                bail!("{failed} 件の値を復号できませんでした。鍵ファイルにその値の鍵が残っているか確認してください");
            }
            if raced > 0 {
                eprintln!("{raced} 件は実行中に更新されたため、もう一度 nimo keys rotate を実行してください");
            } else {
                eprintln!("すべての値が鍵 {active} で暗号化されています");
            }
            Ok(())
        }
    }
}
