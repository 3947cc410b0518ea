//! `nimo sheet`: export a sheet (PDF, JSON, CSV, XLSX, with the derived section-4 figures as the
//! web shows them), import one (all or nothing), and list the derivable section-4 figures.

use crate::{DbFlags, config, connect_existing, figures};
use anyhow::{Context, Result, bail};
use clap::{Subcommand, ValueEnum};
use nimo_domain::{FiscalYear, MunicipalityCode};
use nimo_store::{menu, sheets};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum SheetCommand {
    /// シートを PDF・JSON・CSV・XLSX で出力する
    Export {
        /// 地方公共団体コード（6桁、例: 131105）
        #[arg(long)]
        municipality: String,
        /// 年度（西暦、例: 2022 = 令和4年度）
        #[arg(long)]
        fy: i32,
        /// 出力形式: pdf, json, csv, xlsx のいずれか
        #[arg(long, value_enum, hide_possible_values = true)]
        format: Format,
        /// 出力先ファイル（省略時は標準出力）
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        db: DbFlags,
    },
    /// 第4節の数値のうち事例記録から集計するもの（集計値・入力値・シートに載る値・入力値を使う理由）を表示する
    Figures {
        /// 地方公共団体コード（6桁、例: 131105）
        #[arg(long)]
        municipality: String,
        /// 年度（西暦、例: 2022 = 令和4年度）
        #[arg(long)]
        fy: i32,
        #[command(flatten)]
        db: DbFlags,
    },
    /// JSON または XLSX のシートを取り込む（誤りがあれば何も変更しない）
    Import {
        /// 取り込むファイル（.json または .xlsx）
        file: PathBuf,
        /// 同じ自治体・年度の既存のシートを置き換える
        #[arg(long)]
        replace: bool,
        #[command(flatten)]
        db: DbFlags,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Pdf,
    Json,
    Csv,
    Xlsx,
}

/// The `--municipality` and `--fy` of a sheet command, checked.
fn sheet_target(municipality: &str, fy: i32) -> Result<(MunicipalityCode, FiscalYear)> {
    let code = MunicipalityCode::parse(municipality).map_err(|e| anyhow::anyhow!("--municipality: {e}"))?;
    let fy = FiscalYear::new(fy).with_context(|| format!("--fy: 年度 {fy} は範囲外です（1989〜2100）"))?;
    Ok((code, fy))
}

pub async fn run(command: SheetCommand, config: &config::FileConfig) -> Result<()> {
    match command {
        SheetCommand::Export { municipality, fy, format, output, db } => {
            let (code, fy) = sheet_target(&municipality, fy)?;
            let db = connect_existing(&db.resolve(config)).await?;
            let mut sheet = match sheets::load(&db, &code, fy).await {
                Ok(s) => s.sheet,
                Err(e) if e.is_not_found() => bail!("{code} の{}のシートはありません", fy.wareki()),
                Err(e) => return Err(e.into()),
            };
            // As on the web: section-4 figures nimo records itself are derived from the records.
            nimo_store::cases::figures::apply(&db, &mut sheet).await?;
            // Section 6's rows name the meetings and events that fulfilled them.
            nimo_store::schedule::apply(&db, &mut sheet).await?;
            let bytes = match format {
                Format::Json => nimo_exchange::to_json(&sheet),
                Format::Csv => nimo_exchange::to_csv(&sheet),
                Format::Xlsx => nimo_exchange::to_xlsx(&sheet)?,
                Format::Pdf => {
                    let fonts = nimo_report::Fonts::discover()?;
                    let menu = menu::for_fiscal_year(&db, fy).await?;
                    nimo_report::render_pdf(&sheet, &menu, &fonts)?
                }
            };
            match output {
                Some(path) => {
                    std::fs::write(&path, &bytes).with_context(|| format!("{} に書き込めません", path.display()))?;
                    eprintln!("{} に出力しました（{} バイト）", path.display(), bytes.len());
                }
                None => {
                    use std::io::Write;
                    std::io::stdout().write_all(&bytes)?;
                }
            }
            Ok(())
        }
        SheetCommand::Figures { municipality, fy, db } => {
            let (code, fy) = sheet_target(&municipality, fy)?;
            let db = connect_existing(&db.resolve(config)).await?;
            figures::print(&db, &code, fy).await
        }
        SheetCommand::Import { file, replace, db } => {
            let bytes = std::fs::read(&file).with_context(|| format!("{} を読めません", file.display()))?;
            let db = db.resolve(config).connect().await?;
            let name = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            let event = nimo_store::audit::AuditEvent::cli("import");
            match nimo_web::import::import_sheet(&db, &bytes, &name, replace, event).await {
                Ok(sheet) => {
                    eprintln!(
                        "取り込みました: {} {}（{}）",
                        sheet.municipality.name, sheet.fiscal_year, sheet.municipality.code
                    );
                    Ok(())
                }
                Err(failure) => bail!("{} を取り込めませんでした。何も変更していません。\n{failure}", file.display()),
            }
        }
    }
}
