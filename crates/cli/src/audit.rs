//! `nimo audit`: check the audit log's hash chain, export the log as CSV, and purge the rows past
//! their retention behind a signed checkpoint.

use crate::{DbFlags, KeyFlags, config, connect_existing};
use anyhow::{Context, Result, bail};
use clap::Subcommand;
use nimo_store::audit::{self, AuditFilter, BreakReason};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use time::{Date, OffsetDateTime, Time, UtcOffset};

/// Japan Standard Time, in which `--from` and `--to` dates are meant (no daylight saving).
const JST: UtcOffset = time::macros::offset!(+9);

#[derive(Subcommand)]
pub enum AuditCommand {
    /// 監査ログのハッシュの連鎖を検証し、改ざんされた最初の行を報告する（削除済みの範囲があれば、鍵ファイルでチェックポイントの署名を確かめ、そこから検証する）
    Verify {
        #[command(flatten)]
        db: DbFlags,
        #[command(flatten)]
        keys: KeyFlags,
    },
    /// 保存期間を過ぎた監査ログを古い順に削除し、署名付きのチェックポイントと削除の記録を残す
    Purge {
        /// 削除せず、削除される行数だけを表示する
        #[arg(long)]
        dry_run: bool,
        /// 監査ログの保存期間（日、365以上。0 は無期限）。既定: 1830（5年以上。要確認: docs/retention.md）、環境変数 NIMO_AUDIT_RETENTION_DAYS、設定 audit_retention_days
        #[arg(long, env = "NIMO_AUDIT_RETENTION_DAYS", hide_env = true, value_name = "DAYS")]
        audit_retention_days: Option<u32>,
        #[command(flatten)]
        db: DbFlags,
        #[command(flatten)]
        keys: KeyFlags,
    },
    /// 監査ログを CSV（UTF-8、BOM 付き）で出力する
    Export {
        /// この日（日本時間、例: 2026-04-01）以降の記録だけを出力する
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        from: Option<Date>,
        /// この日（日本時間、例: 2026-04-30）までの記録だけを出力する（その日を含む）
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        to: Option<Date>,
        /// 出力先ファイル（省略時は標準出力）
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        db: DbFlags,
    },
}

fn parse_date(text: &str) -> Result<Date, String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text, &format).map_err(|_| format!("{text} は日付ではありません（例: 2026-04-01）"))
}

/// The start of a day in Japan.
fn start_of_day(date: Date) -> OffsetDateTime {
    date.with_time(Time::MIDNIGHT).assume_offset(JST)
}

pub async fn run(command: AuditCommand, config: &config::FileConfig) -> Result<()> {
    match command {
        AuditCommand::Verify { db, keys } => {
            let mut db = connect_existing(&db.resolve(config)).await?;
            if let Some(keyring) = keys.load(config)? {
                db = db.with_keyring(Arc::new(keyring));
            }
            let report = match audit::verify(&db).await {
                Err(nimo_store::StoreError::NoKeys) => bail!(
                    "削除済みの範囲のチェックポイントの署名を確かめるには鍵ファイルが必要です（--key-file、環境変数 NIMO_KEY_FILE、設定 key_file）"
                ),
                other => other.context("監査ログを検証できませんでした")?,
            };
            let checkpoint_broken = matches!(
                report.first_broken,
                Some((_, BreakReason::CheckpointSignature | BreakReason::CheckpointOrder))
            );
            if let Some(checkpoint) = report.checkpoint.as_ref().filter(|_| !checkpoint_broken) {
                eprintln!(
                    "チェックポイント {}（行 {} までの {} 行を {} に削除、署名は正しい）から検証しました",
                    checkpoint.id,
                    checkpoint.last_id,
                    checkpoint.purged,
                    nimo_web::display::jst_second(checkpoint.at)
                );
            }
            match report.first_broken {
                None => {
                    eprintln!("監査ログ {} 行を検証しました。改ざんは見つかりません", report.rows);
                    eprintln!("最終行のハッシュ: {}", report.last_hash);
                    Ok(())
                }
                Some((id, reason)) => bail!(
                    "監査ログの行 {id} で改ざんを検出しました: {}（それより前の {} 行は正常です）",
                    reason_in_japanese(reason),
                    report.rows
                ),
            }
        }
        AuditCommand::Purge { dry_run, audit_retention_days, db, keys } => {
            let days = config::audit_retention_days(audit_retention_days, config)?;
            if days == 0 {
                println!("保存期間が無期限（0）のため、削除しません");
                return Ok(());
            }
            let cutoff = audit::cutoff(OffsetDateTime::now_utc(), days);
            let db = connect_existing(&db.resolve(config)).await?;
            if dry_run {
                let report = audit::purgeable(&db, cutoff).await.context("監査ログを読めませんでした")?;
                println!(
                    "削除対象（保存期間 {days} 日、{} より前）: {} 行{}。--dry-run のため削除していません",
                    nimo_web::display::jst_second(report.cutoff),
                    report.rows,
                    report.through.map(|id| format!("（ID {id} まで）")).unwrap_or_default()
                );
                return Ok(());
            }
            let db = db.with_keyring(Arc::new(keys.require(config)?));
            let report = audit::purge_older_than(&db, cutoff, &audit::AuditEvent::cli("audit_purge"))
                .await
                .context("監査ログを削除できませんでした（何も削除していません）")?;
            tracing::info!(
                rows = report.rows,
                through = report.through.unwrap_or(0),
                checkpoints = report.checkpoints,
                "audit log purge"
            );
            println!(
                "保存期間 {days} 日（{} より前）の監査ログ {} 行を削除しました{}",
                nimo_web::display::jst_second(report.cutoff),
                report.rows,
                report
                    .through
                    .map(|id| format!("（ID {id} まで、チェックポイント {} 件）", report.checkpoints))
                    .unwrap_or_default()
            );
            Ok(())
        }
        AuditCommand::Export { from, to, output, db } => {
            if let (Some(from), Some(to)) = (from, to)
                && from > to
            {
                bail!("--from {from} が --to {to} より後です");
            }
            let db = connect_existing(&db.resolve(config)).await?;
            let mut filter = AuditFilter {
                from: from.map(start_of_day),
                to: to.and_then(Date::next_day).map(start_of_day),
                oldest_first: true,
                limit: audit::BATCH,
                ..Default::default()
            };
            let mut out: Box<dyn Write> = match &output {
                Some(path) => Box::new(
                    std::fs::File::create(path).with_context(|| format!("{} に書き込めません", path.display()))?,
                ),
                None => Box::new(std::io::stdout().lock()),
            };
            let mut out = std::io::BufWriter::new(&mut out);
            // Page by id rather than loading everything: the log may hold millions of rows.
            out.write_all(&audit::csv_header())?;
            let mut count = 0;
            loop {
                let rows = audit::search(&db, &filter).await.context("監査ログを読めませんでした")?;
                let Some(last) = rows.last() else { break };
                filter.after_id = Some(last.id);
                count += rows.len();
                out.write_all(&audit::csv_rows(&rows))?;
            }
            out.flush()?;
            if let Some(path) = output {
                eprintln!("{} に監査ログ {count} 行を出力しました", path.display());
            }
            Ok(())
        }
    }
}

fn reason_in_japanese(reason: BreakReason) -> &'static str {
    match reason {
        BreakReason::Missing => "この行がありません（削除されています）",
        BreakReason::PrevHashMismatch => {
            "前の行のハッシュと一致しません（前の行が差し替えられたか、行が挿入されています）"
        }
        BreakReason::HashMismatch => "行の内容がハッシュと一致しません（行が書き換えられています）",
        BreakReason::HeadMismatch => {
            "最終行のハッシュが記録された連鎖の末尾と一致しません（末尾が書き換えられています）"
        }
        BreakReason::CheckpointSignature => {
            "この行までを削除したチェックポイントの署名が内容と一致しません（チェックポイントが書き換えられたか、鍵ファイルが違います）"
        }
        BreakReason::CheckpointOrder => {
            "この行までを削除したチェックポイントが、前のチェックポイントより先に進んでいません"
        }
    }
}
