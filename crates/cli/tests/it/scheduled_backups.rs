//! `nimo backup --into DIR --keep N`, as a systemd timer runs it: each run writes a backup under
//! a UTC-timestamped name and then deletes the oldest of nimo's own backups beyond N; the ones
//! kept each restore (the newest with the latest change), a file nimo did not name is never
//! touched, and a backup that fails deletes nothing.

use crate::harness::{Run, TestDatabase, for_each_backend, nimo};
use std::path::Path;

/// The backup files nimo named in `dir`, oldest first.
fn scheduled(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("nimo-") && n.ends_with("Z.backup"))
        .collect();
    names.sort();
    names
}

fn everything(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| (e.file_name().into_string().unwrap(), std::fs::read(e.path()).unwrap()))
        .collect();
    files.sort();
    files
}

fn logins(db: &TestDatabase, login: &str) -> i64 {
    db.count(&format!("SELECT COUNT(*) FROM app_user WHERE login = '{login}'"))
}

#[test]
fn three_runs_keeping_two_leave_the_two_newest_which_restore_and_nothing_else_is_deleted() {
    for_each_backend(|db| {
        db.import_demo();
        let key = db.path("backup.keys");
        Run::of(nimo(db.dir.path()).args(["keys", "generate", "-o"]).arg(&key)).succeeds();
        let key = key.to_str().unwrap().to_string();
        let dir = db.path("backups");
        std::fs::create_dir_all(&dir).unwrap();
        // Files nimo did not name, one of them a backup of the operator's own naming.
        std::fs::write(dir.join("README.txt"), "operator's notes").unwrap();
        std::fs::write(dir.join("nimo-2020-01-01.backup"), "kept by hand").unwrap();
        let foreign: Vec<_> = everything(&dir);
        let dir_text = dir.to_str().unwrap().to_string();

        let mut newest = Vec::new();
        for run in 0..3 {
            if run > 0 {
                // Names have one-second resolution; a timer runs hours apart.
                pause(std::time::Duration::from_millis(1100));
            }
            let login = format!("user{run}");
            db.nimo(&[
                "user",
                "add",
                "--login",
                &login,
                "--name",
                "利用者",
                "--role",
                "staff",
                "--municipality",
                "131105",
            ])
            .succeeds();
            let out = db.nimo(&["backup", "--into", &dir_text, "--keep", "2", "--backup-key", &key]).succeeds();
            assert!(out.stderr.contains("バックアップを書きました"), "{}", out.stderr);
            assert_eq!(out.stderr.contains("古いバックアップを削除しました"), run == 2, "{}", out.stderr);
            newest.push(scheduled(&dir).last().unwrap().clone());
        }
        assert_eq!(scheduled(&dir), newest[1..].to_vec(), "{:?}: the two newest are kept", db.backend);
        for (name, bytes) in &foreign {
            assert_eq!(&std::fs::read(dir.join(name)).unwrap(), bytes, "{name} untouched");
        }
        assert!(everything(&dir).iter().all(|(name, _)| !name.contains("partial") && !name.starts_with(".nimo")));

        // Each kept backup restores into an empty database, with the users of its moment.
        for (index, name) in newest[1..].iter().enumerate() {
            let target = TestDatabase::new(db.backend);
            let file = dir.join(name);
            target.nimo(&["restore", "--from", file.to_str().unwrap(), "--backup-key", &key]).succeeds();
            let run = index + 1;
            assert_eq!(logins(&target, &format!("user{run}")), 1, "{:?}: {name}", db.backend);
            assert_eq!(logins(&target, "user2"), i64::from(run == 2), "{:?}: {name}", db.backend);
        }

        // A backup that fails (its key file is not one) deletes nothing, even keeping one.
        let before = everything(&dir);
        let wrong = db.write("not-a-key.keys", b"not a key file");
        db.nimo(&["backup", "--into", &dir_text, "--keep", "1", "--backup-key", &wrong]).fails();
        let missing = db.path("absent").join("nimo.db");
        Run::of(
            nimo(db.dir.path())
                .args(["backup", "--into", &dir_text, "--keep", "1", "--backup-key", &key, "--database-url"])
                .arg(format!("sqlite://{}", missing.display())),
        )
        .fails();
        assert_eq!(everything(&dir), before, "{:?}: a failed backup deletes nothing", db.backend);
        // --keep needs --into, and at least 1.
        db.nimo(&["backup", "--to", "x.backup", "--keep", "2", "--backup-key", &key]).fails();
        let zero = db.nimo(&["backup", "--into", &dir_text, "--keep", "0", "--backup-key", &key]);
        assert_eq!(zero.status.code(), Some(2), "a usage error: {}", zero.stderr);
        assert_eq!(everything(&dir), before);
    });
}

/// Waits on the test's own small runtime (the test is a plain thread).
fn pause(duration: std::time::Duration) {
    crate::harness::block_on(async { tokio::time::sleep(duration).await });
}
