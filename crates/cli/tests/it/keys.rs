//! `nimo keys`: a new key file is private and never overwrites one, `add` rotates the active key,
//! and no key material is ever printed.

use crate::harness::{KEY_FILE, Run, TestDatabase, block_on, for_each_backend, nimo};
use nimo_store::audit::AuditEvent;
use nimo_vault::Keyring;
use std::path::Path;

/// Every base64 value of a key file: what must never appear in the output.
fn key_material(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|line| !line.starts_with('#') && !line.starts_with("active"))
        .filter_map(|line| line.split_once(" = \"").map(|(_, value)| value.trim_end_matches('"').to_string()))
        .collect()
}

#[track_caller]
fn assert_no_key_material(run: &Run, path: &Path) {
    for secret in key_material(path) {
        assert!(!run.stderr.contains(&secret) && !run.stdout_text().contains(&secret), "a key was printed");
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn generate_writes_a_private_key_file_and_refuses_to_overwrite_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.toml");
    let run = Run::of(nimo(dir.path()).args(["keys", "generate", "-o", path.to_str().unwrap()])).succeeds();
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("keys.toml") && run.stderr.contains("権限 600"), "{}", run.stderr);
    assert_no_key_material(&run, &path);
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);
    let keyring = Keyring::load_file(&path).unwrap();
    assert!(run.stderr.contains(keyring.active_key_id()), "{}", run.stderr);
    let before = std::fs::read(&path).unwrap();

    let run = Run::of(nimo(dir.path()).args(["keys", "generate", "--output", path.to_str().unwrap()])).fails();
    assert!(run.stderr.contains("すでにあります") && run.stderr.contains("上書きしません"), "{}", run.stderr);
    assert_eq!(std::fs::read(&path).unwrap(), before, "the existing key file is untouched");
    assert_no_key_material(&run, &path);
}

#[test]
fn add_makes_a_new_key_active_and_keeps_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.toml");
    let file = path.to_str().unwrap();
    Run::of(nimo(dir.path()).args(["keys", "generate", "-o", file, "--id", "k2026a"])).succeeds();
    let old = Keyring::load_file(&path).unwrap().seal_str("山田花子", b"person.name_kanji:1");

    let run = Run::of(nimo(dir.path()).args(["keys", "add", "-f", file, "--id", "k2026b"])).succeeds();
    assert!(run.stderr.contains("k2026b") && run.stderr.contains("k2026a"), "{}", run.stderr);
    assert_no_key_material(&run, &path);
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);
    let keyring = Keyring::load_file(&path).unwrap();
    assert_eq!(keyring.active_key_id(), "k2026b");
    assert_eq!(keyring.open_str(&old, b"person.name_kanji:1").unwrap(), "山田花子");
    assert!(keyring.needs_rotation(&old));

    // The file may also come from NIMO_KEY_FILE; an id already present is refused.
    let run = Run::of(nimo(dir.path()).args(["keys", "add", "--id", "k2026a"]).env("NIMO_KEY_FILE", file)).fails();
    assert!(run.stderr.contains("k2026a") && run.stderr.contains("すでにあります"), "{}", run.stderr);
    assert_eq!(Keyring::load_file(&path).unwrap().active_key_id(), "k2026b");
}

#[cfg(unix)]
#[test]
fn add_refuses_a_key_file_that_others_can_read() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.toml");
    let file = path.to_str().unwrap();
    Run::of(nimo(dir.path()).args(["keys", "generate", "-o", file])).succeeds();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let before = std::fs::read(&path).unwrap();
    let run = Run::of(nimo(dir.path()).args(["keys", "add", "-f", file])).fails();
    assert!(run.stderr.contains(file) && run.stderr.contains("chmod 600"), "{}", run.stderr);
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn keys_help_is_in_japanese() {
    let dir = tempfile::tempdir().unwrap();
    let help = Run::of(nimo(dir.path()).args(["keys", "--help"])).succeeds().stdout_text();
    assert!(help.contains("鍵ファイルを新しく作る") && help.contains("新しい鍵を追加"), "{help}");
    let help = Run::of(nimo(dir.path()).args(["keys", "generate", "--help"])).succeeds().stdout_text();
    assert!(help.contains("作成する鍵ファイル") && help.contains("上書きしない"), "{help}");
}

/// Connects to the test database with the keys now in its key file.
async fn keyed(database: &TestDatabase) -> nimo_store::Db {
    let keyring = Keyring::load_file(&database.path(KEY_FILE)).unwrap();
    nimo_store::Db::connect(&database.url).await.unwrap().with_keyring(std::sync::Arc::new(keyring))
}

#[test]
fn rotate_reseals_stored_secrets_under_the_new_key_and_sign_in_keeps_working() {
    for_each_backend(|database| {
        use nimo_domain::access::{Role, Scope};
        use nimo_store::accounts::{self, NewUser};
        use time::OffsetDateTime;
        let now = OffsetDateTime::now_utc();
        let (user, secret) = block_on(async {
            let db = keyed(database).await;
            let scope = Scope {
                municipality: Some(nimo_domain::MunicipalityCode::parse("131105").unwrap()),
                ..Scope::default()
            };
            let new = NewUser {
                login: "kato",
                display_name: "加藤",
                role: Role::Staff,
                scope,
                password: "kawa no nagare 2026",
                must_change_password: false,
            };
            let user =
                accounts::create_user(&db, &new, AuditEvent::cli("user_admin").with_detail("create")).await.unwrap().id;
            let secret =
                accounts::begin_totp_enrolment(&db, user, nimo_store::audit::AuditEvent::cli("totp_enrolment_started"))
                    .await
                    .unwrap()
                    .secret_base32;
            accounts::confirm_totp_enrolment_at(
                &db,
                user,
                &accounts::code_at(&secret, now).unwrap(),
                now,
                AuditEvent::cli("totp_enrolled"),
            )
            .await
            .unwrap();
            (user, secret)
        });
        let file = database.path(KEY_FILE);
        let old = Keyring::load_file(&file).unwrap().active_key_id().to_string();
        Run::of(nimo(database.dir.path()).args(["keys", "add", "-f", file.to_str().unwrap(), "--id", "k2099z"]))
            .succeeds();

        // A batch whose audit row cannot be written re-seals nothing.
        database.refuse_audit_appends(true);
        database.nimo(&["keys", "rotate"]).fails();
        database.refuse_audit_appends(false);

        let run = database.nimo(&["keys", "rotate"]).succeeds();
        let out = run.stdout_text();
        assert!(out.contains("app_user.totp_secret_sealed: 再暗号化 1 件、有効な鍵のまま 0 件"), "{out}");
        assert!(run.stderr.contains("すべての値が鍵 k2099z で暗号化されています"), "{}", run.stderr);
        assert_no_key_material(&run, &file);
        let rows = "SELECT COUNT(*) FROM audit_log WHERE actor = 'cli' AND action = 'keys_rotate'
                    AND record_type = 'column' AND record_id = 'app_user.totp_secret_sealed' AND detail = 'resealed:1'";
        assert_eq!(database.count(rows), 1, "{:?}: the batch's audit row", database.backend);
        let again = database.nimo(&["keys", "rotate"]).succeeds().stdout_text();
        assert!(again.contains("app_user.totp_secret_sealed: 再暗号化 0 件、有効な鍵のまま 1 件"), "{again}");

        // The old key can now be deleted from the file: sign-in opens the secret with the new one.
        let text = std::fs::read_to_string(&file).unwrap();
        let kept: String =
            text.lines().filter(|l| !l.starts_with(&format!("{old} ="))).map(|l| format!("{l}\n")).collect();
        assert_ne!(kept, text, "the old key was in the file");
        std::fs::write(&file, kept).unwrap();
        block_on(async {
            let db = keyed(database).await;
            let later = now + time::Duration::minutes(2);
            accounts::check_second_factor_at(&db, user, &accounts::code_at(&secret, later).unwrap(), later)
                .await
                .unwrap();
        });
    });
}

#[test]
fn serve_refuses_to_start_without_keys() {
    for_each_backend(|database| {
        let run = Run::of(database.command(&["serve", "--addr", "127.0.0.1:0"]).env_remove("NIMO_KEY_FILE")).fails();
        assert!(
            run.stderr.contains("暗号鍵が設定されていません") && run.stderr.contains("nimo keys generate"),
            "{}",
            run.stderr
        );
    });
}
