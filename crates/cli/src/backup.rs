//! `nimo backup` and `nimo restore`: a consistent copy of the whole database (SQLite's
//! `VACUUM INTO`; PostgreSQL's `pg_dump -Fc`), sealed with AES-256-GCM under a backup key that is
//! not the data key (a key file of its own, made by `nimo keys generate`), behind a manifest that
//! the seal authenticates (backend, schema version, time, size, SHA-256 of the copy). A restore
//! checks the file, the key, the checksum and that the target is empty before it writes
//! anything; then it migrates the copy to this build and verifies the audit chain.
//!
//! The file: `nimo-backup 1\n`, the manifest as one JSON line, then the sealed copy. It restores
//! on the backend it came from (PostgreSQL through `pg_restore`).

use anyhow::{Context, Result, bail};
use nimo_store::{Backend, Db};
use nimo_vault::Keyring;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::Command;

const MAGIC: &str = "nimo-backup 1";

/// What a backup says about itself; sealed as the copy's associated data.
#[derive(Debug, serde::Serialize, serde::Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub backend: String,
    pub schema_version: i64,
    pub created_at: String,
    pub bytes: u64,
    pub sha256: String,
    pub key_id: String,
}

fn aad(manifest_line: &str) -> Vec<u8> {
    let mut aad = b"nimo-backup\0".to_vec();
    aad.extend_from_slice(manifest_line.as_bytes());
    aad
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn run(command: &mut Command, what: &str) -> Result<()> {
    let output = command
        .output()
        .with_context(|| format!("{what} を起動できません（PostgreSQL のクライアントを入れてください）"))?;
    if !output.status.success() {
        bail!("{what} が失敗しました: {}", String::from_utf8_lossy(&output.stderr).trim());
    }
    Ok(())
}

/// Writes a sealed backup of `db` (at `url`) to `to`, which must not exist; returns its manifest.
pub async fn backup(db: &Db, url: &str, key: &Keyring, to: &Path) -> Result<Manifest> {
    if to.exists() {
        bail!("{} はすでにあります（上書きしません）", to.display());
    }
    let work = working_dir(to.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")))?;
    let copy = work.join("copy");
    match db.backend {
        Backend::Sqlite => nimo_store::backup::snapshot_sqlite(db, &copy).await?,
        Backend::Postgres => {
            run(Command::new("pg_dump").args(["-Fc", "--no-owner", "-f"]).arg(&copy).arg(url), "pg_dump")?
        }
    }
    let plain = std::fs::read(&copy).with_context(|| format!("{} を読めません", copy.display()))?;
    let _ = std::fs::remove_dir_all(&work);
    let manifest = Manifest {
        backend: db.backend.name().to_string(),
        schema_version: nimo_store::backup::schema_version(db).await?,
        created_at: time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        bytes: plain.len() as u64,
        sha256: hex(&Sha256::digest(&plain)),
        key_id: key.active_key_id().to_string(),
    };
    let line = serde_json::to_string(&manifest)?;
    let sealed = key.seal(&plain, &aad(&line));
    let body = format!("{MAGIC}\n{line}\n{sealed}\n");
    let partial = to.with_extension("partial");
    std::fs::write(&partial, body).with_context(|| format!("{} に書けません", partial.display()))?;
    std::fs::rename(&partial, to).with_context(|| format!("{} に書けません", to.display()))?;
    Ok(manifest)
}

/// A working folder of this process under `parent` (beside the backup file, so that the copy
/// stays on the same disk; or the system's temporary folder).
fn working_dir(parent: &Path) -> Result<std::path::PathBuf> {
    let dir = parent.join(format!(".nimo-backup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("{} を作れません", dir.display()))?;
    Ok(dir)
}

/// Reads and checks a backup file: the format, the seal (key and manifest), the checksum.
/// Nothing is written.
pub fn open(from: &Path, key: &Keyring) -> Result<(Manifest, Vec<u8>)> {
    let text = std::fs::read_to_string(from).with_context(|| format!("{} を読めません", from.display()))?;
    let mut parts = text.splitn(3, '\n');
    if parts.next() != Some(MAGIC) {
        bail!("{} は nimo のバックアップではありません", from.display());
    }
    let line = parts.next().unwrap_or_default();
    let manifest: Manifest =
        serde_json::from_str(line).with_context(|| format!("{}: 目録（1行目の次）を読めません", from.display()))?;
    let sealed = parts.next().unwrap_or_default().trim_end();
    let plain = key.open(sealed, &aad(line)).map_err(|_| {
        anyhow::anyhow!(
            "{}: 復号できません（バックアップ用の鍵が違うか、ファイルが壊れているか書き換えられています。鍵 {}）",
            from.display(),
            manifest.key_id
        )
    })?;
    if plain.len() as u64 != manifest.bytes || hex(&Sha256::digest(&plain)) != manifest.sha256 {
        bail!("{}: 大きさかチェックサムが目録と合いません", from.display());
    }
    Ok((manifest, plain))
}

/// Restores a checked backup into the empty database at `url` (SQLite: a file that does not
/// exist yet), then connects, which applies this build's migrations to an older copy.
pub async fn restore(manifest: &Manifest, plain: &[u8], url: &str, sqlite_path: Option<&Path>) -> Result<Db> {
    let backend = Backend::of_url(url)?;
    if backend.name() != manifest.backend {
        bail!("バックアップは {} のものです。{} には戻せません", manifest.backend, backend.name());
    }
    match (backend, sqlite_path) {
        (Backend::Sqlite, Some(path)) => {
            if path.exists() {
                bail!("{} はすでにあります（空のデータベースにだけ戻します）", path.display());
            }
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(path, plain).with_context(|| format!("{} に書けません", path.display()))?;
        }
        (Backend::Sqlite, None) => bail!("SQLite のファイルの場所がわかりません"),
        (Backend::Postgres, _) => {
            if !nimo_store::backup::postgres_is_empty(url).await? {
                bail!("戻し先のデータベースは空ではありません（空のデータベースにだけ戻します）");
            }
            let work = working_dir(&std::env::temp_dir())?;
            let dump = work.join("copy");
            std::fs::write(&dump, plain)?;
            let result = run(
                Command::new("pg_restore").args(["--no-owner", "--exit-on-error", "-d"]).arg(url).arg(&dump),
                "pg_restore",
            );
            let _ = std::fs::remove_dir_all(&work);
            result?;
        }
    }
    Ok(Db::connect(url).await?)
}

/// `nimo backup`: writes the backup and says what it wrote.
pub async fn run_backup(db: &Db, url: &str, backup_key: &Path, to: &Path) -> Result<()> {
    let key = Keyring::load_file(backup_key)?;
    let started = std::time::Instant::now();
    let manifest = backup(db, url, &key, to).await?;
    eprintln!(
        "バックアップを書きました: {}（{}、スキーマ {:04}、{} バイト、SHA-256 {}、{:.1} 秒）",
        to.display(),
        manifest.backend,
        manifest.schema_version,
        manifest.bytes,
        manifest.sha256,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The name of a scheduled backup taken at `at`: `nimo-20261207T031500Z.backup` (UTC), so that
/// names sort in time order.
pub fn scheduled_name(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "nimo-{:04}{:02}{:02}T{:02}{:02}{:02}Z.backup",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// Whether a file name is one [`scheduled_name`] makes (the only files retention deletes).
fn is_scheduled_name(name: &str) -> bool {
    let Some(stamp) = name.strip_prefix("nimo-").and_then(|rest| rest.strip_suffix("Z.backup")) else {
        return false;
    };
    let bytes = stamp.as_bytes();
    bytes.len() == 15 && bytes[8] == b'T' && bytes.iter().enumerate().all(|(i, b)| i == 8 || b.is_ascii_digit())
}

/// Deletes the oldest scheduled backups in `dir` beyond the newest `keep`; other files are left
/// alone. Returns the deleted files, oldest first.
pub fn prune(dir: &Path, keep: usize) -> Result<Vec<std::path::PathBuf>> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .with_context(|| format!("{} を読めません", dir.display()))?
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| is_scheduled_name(name))
        .collect();
    names.sort();
    let excess = names.len().saturating_sub(keep);
    let mut deleted = Vec::new();
    for name in names.into_iter().take(excess) {
        let path = dir.join(name);
        std::fs::remove_file(&path).with_context(|| format!("古いバックアップ {} を削除できません", path.display()))?;
        deleted.push(path);
    }
    Ok(deleted)
}

/// `nimo backup --into DIR [--keep N]`: a backup under a UTC-timestamped name in `dir` (made if
/// missing); only after it is written, the oldest scheduled backups beyond `keep` are deleted.
pub async fn run_scheduled(db: &Db, url: &str, backup_key: &Path, dir: &Path, keep: Option<u32>) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("{} を作れません", dir.display()))?;
    let to = dir.join(scheduled_name(time::OffsetDateTime::now_utc()));
    run_backup(db, url, backup_key, &to).await?;
    if let Some(keep) = keep {
        for deleted in prune(dir, keep as usize)? {
            eprintln!("保存数（{keep}）を超えた古いバックアップを削除しました: {}", deleted.display());
        }
    }
    Ok(())
}

/// `nimo restore`: checks the file, restores it, verifies the audit chain and says what it did.
pub async fn run_restore(url: &str, sqlite_file: Option<&Path>, from: &Path, backup_key: &Path) -> Result<()> {
    let key = Keyring::load_file(backup_key)?;
    let started = std::time::Instant::now();
    let (manifest, plain) = open(from, &key)?;
    let db = restore(&manifest, &plain, url, sqlite_file).await?;
    let report = nimo_store::audit::verify(&db).await?;
    if let Some((id, reason)) = report.first_broken {
        bail!("戻しましたが、監査ログの検証に失敗しました（記録 {id}: {reason:?}）");
    }
    eprintln!(
        "戻しました: {}（{}、作成 {}、スキーマ {:04} → 最新、監査ログ {} 件を検証、{:.1} 秒）",
        from.display(),
        manifest.backend,
        manifest.created_at,
        manifest.schema_version,
        report.rows,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{is_scheduled_name, scheduled_name};

    #[test]
    fn scheduled_names_are_utc_timestamps_and_only_they_match() {
        let at = time::macros::datetime!(2026-12-07 12:15:30 +09:00);
        assert_eq!(scheduled_name(at), "nimo-20261207T031530Z.backup");
        assert!(is_scheduled_name(&scheduled_name(at)));
        for other in [
            "nimo-2026-12-07.backup",
            "nimo-20261207T031530Z.backup.partial",
            "nimo-20261207T031530Z.partial",
            "nimo-20261207X031530Z.backup",
            "mine-20261207T031530Z.backup",
            "nimo-20261207T03153aZ.backup",
        ] {
            assert!(!is_scheduled_name(other), "{other}");
        }
    }
}
