//! `nimo user` as an administrator runs it: a new account's password is printed once on
//! standard output and nowhere else (not in messages, not in a debug log), the account can sign
//! in with it, `list` shows it, and `reset-password` issues a new one the same way.

use crate::harness::{Run, TestDatabase, block_on, for_each_backend};
use nimo_store::Db;
use nimo_store::accounts::{self, LoginError, User};
use std::io::Write;
use std::process::Stdio;

const ADD_TANAKA: [&str; 11] = [
    "user",
    "add",
    "--login",
    "Tanaka",
    "--name",
    "目黒 花子",
    "--role",
    "staff",
    "--municipality",
    "131105",
    "--district",
];

/// Runs `nimo ARGS` with a debug log and the given standard input.
fn run_with_input(db: &TestDatabase, args: &[&str], input: &str) -> Run {
    let mut child = db
        .command(args)
        .env("NIMO_LOG", "debug")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nimo starts");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
    let output = child.wait_with_output().expect("nimo runs");
    Run { status: output.status, stdout: output.stdout, stderr: String::from_utf8(output.stderr).expect("UTF-8") }
}

/// Signs in through the store, as the web login would.
fn sign_in(db: &TestDatabase, login: &str, password: &str) -> Result<User, LoginError> {
    block_on(async {
        let store = Db::connect(&db.url).await.expect("connect");
        let result = accounts::check_password(&store, login, password, "127.0.0.1").await;
        store.close().await;
        result
    })
}

#[track_caller]
fn printed_password(run: &Run) -> String {
    let stdout = run.stdout_text();
    let password = stdout.trim_end_matches('\n');
    assert_eq!(password.lines().count(), 1, "one line on stdout: {stdout:?}");
    assert!(password.chars().count() >= 16, "{password}");
    assert!(!run.stderr.contains(password), "the password is in the messages or log:\n{}", run.stderr);
    password.to_string()
}

#[test]
fn user_add_prints_a_generated_password_once_and_list_shows_the_account() {
    for_each_backend(|db| {
        let mut args = ADD_TANAKA.to_vec();
        args.push("東部");
        let run = run_with_input(db, &args, "").succeeds();
        let password = printed_password(&run);
        assert!(run.stderr.contains("アカウントを作成しました: tanaka"), "{}", run.stderr);
        assert!(run.stderr.contains("account created"), "the debug log was on:\n{}", run.stderr);
        let user = sign_in(db, "tanaka", &password).unwrap();
        assert!(user.must_change_password, "an administrator's password must be changed at first sign-in");

        let list = db.nimo(&["user", "list"]).succeeds();
        let table = list.stdout_text();
        let row = table.lines().find(|line| line.contains("tanaka")).unwrap_or_else(|| panic!("{table}"));
        for cell in ["目黒 花子", "staff", "131105 地区 東部", "off", "パスワード変更待ち"] {
            assert!(row.contains(cell), "{cell} missing in {row}");
        }
        assert!(!table.contains(&password));

        let reset = run_with_input(db, &["user", "reset-password", "--login", "TANAKA"], "").succeeds();
        let temporary = printed_password(&reset);
        assert_ne!(temporary, password);
        assert!(matches!(sign_in(db, "tanaka", &password), Err(LoginError::BadCredentials)));
        assert!(sign_in(db, "tanaka", &temporary).unwrap().must_change_password);
    });
}

#[test]
fn a_piped_password_is_used_and_never_printed() {
    for_each_backend(|db| {
        let secret = "river bank sunset walk";
        let args =
            ["user", "add", "--login", "nurse1", "--name", "病院 看護師", "--role", "hospital", "--hospital", "h1"];
        let run = run_with_input(db, &args, &format!("{secret}\n")).succeeds();
        assert!(run.stdout.is_empty(), "nothing on stdout: {}", run.stdout_text());
        assert!(!run.stderr.contains(secret), "{}", run.stderr);
        assert_eq!(sign_in(db, "nurse1", secret).unwrap().scope.hospital.as_deref(), Some("h1"));
        // A password that breaks the policy is refused, and nothing is created.
        let args =
            ["user", "add", "--login", "nurse2", "--name", "病院 看護師", "--role", "hospital", "--hospital", "h1"];
        let run = run_with_input(db, &args, "password1234\n").fails();
        assert!(run.stderr.contains("よく使われる"), "{}", run.stderr);
        assert!(!run.stderr.contains("password1234"), "{}", run.stderr);
    });
}

#[test]
fn bad_accounts_are_refused_without_printing_a_password() {
    for_each_backend(|db| {
        let run = db.nimo(&["user", "add", "--login", "sato", "--name", "佐藤", "--role", "staff"]).fails();
        assert!(run.stderr.contains("自治体"), "{}", run.stderr);
        db.nimo(&["user", "add", "--login", "sato", "--name", "佐藤", "--role", "council", "--municipality", "131105"])
            .succeeds();
        let again =
            ["user", "add", "--login", "SATO", "--name", "佐藤", "--role", "council", "--municipality", "131105"];
        let run = db.nimo(&again).fails();
        assert!(run.stderr.contains("すでに使われています"), "{}", run.stderr);
        let run = db.nimo(&["user", "add", "--login", "x1", "--name", "X", "--role", "boss"]);
        assert_eq!(run.status.code(), Some(2), "{}", run.stderr);
        assert!(run.stderr.contains("役割 boss はありません"), "{}", run.stderr);
    });
}

#[test]
fn disable_enable_and_unlock_take_effect() {
    for_each_backend(|db| {
        let secret = "river bank sunset walk";
        let args =
            ["user", "add", "--login", "kato", "--name", "加藤", "--role", "council", "--municipality", "131105"];
        run_with_input(db, &args, secret).succeeds();
        db.nimo(&["user", "disable", "--login", "kato"]).succeeds();
        assert!(matches!(sign_in(db, "kato", secret), Err(LoginError::Disabled)));
        assert!(db.nimo(&["user", "list"]).succeeds().stdout_text().contains("無効"));
        db.nimo(&["user", "enable", "--login", "kato"]).succeeds();
        for _ in 0..accounts::DELAY_AFTER_FAILURES {
            let _ = sign_in(db, "kato", "not the password");
        }
        assert!(matches!(sign_in(db, "kato", secret), Err(LoginError::Throttled { .. })));
        assert!(db.nimo(&["user", "list"]).succeeds().stdout_text().contains("ログイン待ち"));
        db.nimo(&["user", "unlock", "--login", "kato"]).succeeds();
        sign_in(db, "kato", secret).unwrap();
        let run = db.nimo(&["user", "unlock", "--login", "nobody"]).fails();
        assert!(run.stderr.contains("nobody のアカウントはありません"), "{}", run.stderr);
    });
}
