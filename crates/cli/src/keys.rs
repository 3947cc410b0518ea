//! `nimo keys`: the key file that encrypts personal data — create one, and add a key for rotation.
//! Key material is written to the file only, never printed or logged.

use anyhow::Result;
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
}

pub fn run(command: KeysCommand) -> Result<()> {
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
    }
}
