//! `nimo sheet figures`: the section-4 figures nimo derives from its case records for one sheet
//! and section 1's counts from the resource directory, beside the values entered on the sheet,
//! which of the two the sheet shows, and why.

use anyhow::{Result, bail};
use nimo_domain::{FiscalYear, MunicipalityCode};
use nimo_store::Db;
use nimo_store::cases::figures;

/// Prints one line per derivable figure, tab-separated, under a header line.
pub async fn print(db: &Db, code: &MunicipalityCode, fy: FiscalYear) -> Result<()> {
    let stored = match nimo_store::sheets::load(db, code, fy).await {
        Ok(s) => s,
        Err(e) if e.is_not_found() => bail!("{code} の{}のシートはありません", fy.wareki()),
        Err(e) => return Err(e.into()),
    };
    let records_fy = nimo_domain::cases::outcomes_fiscal_year(fy);
    println!(
        "{} {}のシート 第4節（{}の記録から集計: {} 〜 {}）と第1節（社会資源名簿から集計）",
        stored.sheet.municipality.name,
        fy.wareki(),
        records_fy.wareki(),
        records_fy.first_day(),
        records_fy.last_day()
    );
    println!("キー\t項目\t集計値\t入力値\tシートの値\t理由");
    for status in figures::statuses(db, &stored.sheet).await? {
        let shown = match (status.counted, &status.reason) {
            (_, Some(_)) => "入力値",
            (Some(_), None) => "集計値",
            (None, None) => "入力値（記録なし）",
        };
        let count = status.counted.map_or_else(|| "—".to_string(), |n| n.to_string());
        let entered = if status.entered.is_empty() { "—".to_string() } else { status.entered };
        println!(
            "{}\t{}\t{count}\t{entered}\t{shown}\t{}",
            status.key,
            status.label,
            status.reason.unwrap_or_default()
        );
    }
    Ok(())
}
