//! `nimo districts`: a municipality's 地区 and the 保健師 in charge of each (地区担当制): list,
//! add, assign and unassign, and the 保健所 the municipality's bed holds name (`health-centre`).
//! Every change is written to the audit log with it (the 地区's id and
//! the account's id, no names).

use crate::{DbFlags, config, connect_existing};
use anyhow::{Context, Result, bail};
use clap::Subcommand;
use nimo_domain::MunicipalityCode;
use nimo_store::audit::AuditEvent;
use nimo_store::districts::{self, District, Duty};
use nimo_store::{Db, StoreError, accounts};

#[derive(Subcommand)]
pub enum DistrictCommand {
    /// 地区と担当の保健師の一覧
    List {
        /// 地方公共団体コード（例: 131105）
        #[arg(long, value_name = "CODE")]
        municipality: String,
        #[command(flatten)]
        db: DbFlags,
    },
    /// 地区を追加する（一覧の最後に加わり、23条通報の受理で選べるようになる）
    Add {
        /// 地方公共団体コード（例: 131105）
        #[arg(long, value_name = "CODE")]
        municipality: String,
        /// 地区名（32文字まで。例: 東部）
        #[arg(long)]
        name: String,
        #[command(flatten)]
        db: DbFlags,
    },
    /// 保健師（その自治体の staff アカウント）を地区の担当にする
    Assign {
        /// 地方公共団体コード（例: 131105）
        #[arg(long, value_name = "CODE")]
        municipality: String,
        /// 地区名
        #[arg(long)]
        district: String,
        /// 担当にするアカウントのログイン名
        #[arg(long)]
        login: String,
        /// main（主担当）または deputy（副担当）
        #[arg(long, default_value = "main", value_parser = parse_duty, value_name = "DUTY")]
        duty: Duty,
        /// 担当開始日（YYYY-MM-DD。省略時は今日）
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        #[command(flatten)]
        db: DbFlags,
    },
    /// 保健師を地区の担当から外す
    Unassign {
        /// 地方公共団体コード（例: 131105）
        #[arg(long, value_name = "CODE")]
        municipality: String,
        /// 地区名
        #[arg(long)]
        district: String,
        /// 外すアカウントのログイン名
        #[arg(long)]
        login: String,
        #[command(flatten)]
        db: DbFlags,
    },
    /// 保健所の名前と折り返しの電話番号を設定する（病床の仮押さえを受けた病院に依頼元として示す）
    HealthCentre {
        /// 地方公共団体コード（例: 131105）
        #[arg(long, value_name = "CODE")]
        municipality: String,
        /// 保健所の名前（64文字まで。例: 目黒区保健所）
        #[arg(long)]
        name: String,
        /// 折り返しの電話番号（保健所の代表・担当課の番号。例: 03-3715-1111）
        #[arg(long)]
        phone: String,
        #[command(flatten)]
        db: DbFlags,
    },
}

fn parse_duty(code: &str) -> Result<Duty, String> {
    Duty::parse(code).ok_or_else(|| format!("役割 {code} はありません（main または deputy）"))
}

fn municipality(code: &str) -> Result<String> {
    Ok(MunicipalityCode::parse(code).map_err(|e| anyhow::anyhow!("--municipality: {e}"))?.to_string())
}

async fn district(db: &Db, code: &str, name: &str) -> Result<District> {
    let listed = districts::list(db, code).await?;
    match listed.into_iter().find(|d| d.name == name.trim()) {
        Some(district) => Ok(district),
        None => bail!("自治体 {code} に地区「{}」はありません（nimo districts list で確かめてください）", name.trim()),
    }
}

async fn user_id(db: &Db, login: &str) -> Result<i64> {
    match accounts::find_by_login(db, login).await {
        Ok(user) => Ok(user.id),
        Err(accounts::AccountError::NotFound) => {
            bail!("ログイン名 {} のアカウントはありません", login.trim().to_lowercase())
        }
        Err(error) => Err(error.into()),
    }
}

pub async fn run(command: DistrictCommand, file: &config::FileConfig) -> Result<()> {
    match command {
        DistrictCommand::List { municipality: code, db } => {
            let code = municipality(&code)?;
            let db = connect_existing(&db.resolve(file)).await?;
            let listed = districts::list(&db, &code).await?;
            if listed.is_empty() {
                eprintln!("自治体 {code} の地区はまだありません（nimo districts add で追加します）");
            }
            for d in listed {
                let staff = d
                    .staff
                    .iter()
                    .map(|a| format!("{}（{}、{} から）", a.name, a.duty.label(), a.since))
                    .collect::<Vec<_>>()
                    .join("、");
                let state = if d.active { "" } else { "［受理の選択肢外］" };
                println!("{}\t{}{state}\t{}", d.id, d.name, if staff.is_empty() { "担当なし".into() } else { staff });
            }
            Ok(())
        }
        DistrictCommand::Add { municipality: code, name, db } => {
            let code = municipality(&code)?;
            let db = connect_existing(&db.resolve(file)).await?;
            match districts::add(&db, &code, &name, AuditEvent::cli("write")).await {
                Ok(id) => {
                    eprintln!("自治体 {code} に地区「{}」を追加しました（ID {id}）", name.trim());
                    Ok(())
                }
                Err(StoreError::DistrictNameTaken { .. }) => {
                    bail!("自治体 {code} には地区「{}」がすでにあります", name.trim())
                }
                Err(error @ StoreError::InvalidDistrictName) => match nimo_web::error::store_refusal(&error) {
                    Some(refusal) => bail!("{}", refusal.detail),
                    None => Err(error).context("地区を追加できませんでした"),
                },
                Err(error) => Err(error).context("地区を追加できませんでした"),
            }
        }
        DistrictCommand::Assign { municipality: code, district: name, login, duty, since, db } => {
            let code = municipality(&code)?;
            let db = connect_existing(&db.resolve(file)).await?;
            let d = district(&db, &code, &name).await?;
            let user = user_id(&db, &login).await?;
            let since = since.unwrap_or_else(|| time::OffsetDateTime::now_utc().date().to_string());
            match districts::assign(&db, &code, d.id, user, duty, &since, AuditEvent::cli("write")).await {
                Ok(()) => {
                    eprintln!("{login} を地区「{}」の{}にしました（{since} から）", d.name, duty.label());
                    Ok(())
                }
                Err(StoreError::InvalidDate(_)) => {
                    bail!("--since: 担当開始日を 2022-04-01 の形で指定してください")
                }
                Err(StoreError::NotMunicipalityStaff { .. }) => {
                    bail!("{login} は自治体 {code} の保健所・市区町村職員（staff）のアカウントではありません")
                }
                Err(error) => Err(error).context("担当を登録できませんでした"),
            }
        }
        DistrictCommand::Unassign { municipality: code, district: name, login, db } => {
            let code = municipality(&code)?;
            let db = connect_existing(&db.resolve(file)).await?;
            let d = district(&db, &code, &name).await?;
            let user = user_id(&db, &login).await?;
            match districts::unassign(&db, &code, d.id, user, AuditEvent::cli("write")).await {
                Ok(()) => {
                    eprintln!("{login} を地区「{}」の担当から外しました", d.name);
                    Ok(())
                }
                Err(StoreError::NotFound(_)) => bail!("{login} は地区「{}」の担当ではありません", d.name),
                Err(error) => Err(error).context("担当を外せませんでした"),
            }
        }
        DistrictCommand::HealthCentre { municipality: code, name, phone, db } => {
            let code = MunicipalityCode::parse(&code).map_err(|e| anyhow::anyhow!("--municipality: {e}"))?;
            let name =
                nimo_domain::municipality::health_centre_name(&name).map_err(|e| anyhow::anyhow!("--name: {e}"))?;
            let phone =
                nimo_domain::municipality::callback_phone(&phone).map_err(|e| anyhow::anyhow!("--phone: {e}"))?;
            let db = connect_existing(&db.resolve(file)).await?;
            let event = AuditEvent::cli("health_centre_set");
            match nimo_store::municipalities::set_health_centre(&db, &code, &name, &phone, event).await {
                Ok(()) => {
                    eprintln!("自治体 {code} の保健所を「{name}」（折り返し {phone}）にしました");
                    Ok(())
                }
                Err(StoreError::NotFound(_)) => bail!("自治体 {code} はありません"),
                Err(error) => Err(error).context("保健所の連絡先を設定できませんでした"),
            }
        }
    }
}
