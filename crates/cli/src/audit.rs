//! `nimo audit`: check the audit log's hash chain and export the log as CSV.

use crate::{DbFlags, config, connect_existing};
use anyhow::{Context, Result, bail};
use clap::Subcommand;
use nimo_store::audit::{self, AuditFilter, BreakReason};
use std::io::Write;
use std::path::PathBuf;
use time::{Date, OffsetDateTime, Time, UtcOffset};

/// Japan Standard Time, in which `--from` and `--to` dates are meant (no daylight saving).
const JST: UtcOffset = time::macros::offset!(+9);

#[derive(Subcommand)]
pub enum AuditCommand {
    /// 監査ログのハッシュの連鎖を検証し、改ざんされた最初の行を報告する
    Verify {
        #[command(flatten)]
        db: DbFlags,
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
        AuditCommand::Verify { db } => {
            let db = connect_existing(&db.resolve(config)).await?;
            let report = audit::verify(&db).await.context("監査ログを検証できませんでした")?;
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
    }
}
