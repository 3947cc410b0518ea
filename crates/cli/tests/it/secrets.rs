//! What the binary prints never holds a database password or the sheet's free texts, whether it
//! succeeds or fails.

use crate::harness::{Run, export_args, for_each_backend, nimo};
use nimo_store::Backend;

/// A made-up name and phone number standing in for personal data someone typed into a text.
const PERSONAL: [&str; 2] = ["山田花子", "03-1234-5678"];

/// The URL with a password in it, and that password. PostgreSQL's trust authentication ignores
/// an injected one; a password already in the URL (from `NIMO_TEST_POSTGRES_URL`) is kept.
fn with_password(url: &str) -> (String, String) {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    match rest.split_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((_, password)) => (url.to_string(), password.to_string()),
            None => (format!("{scheme}://{userinfo}:secretpw@{host}"), "secretpw".into()),
        },
        None => (format!("{scheme}://postgres:secretpw@{rest}"), "secretpw".into()),
    }
}

#[track_caller]
fn assert_silent_about(run: &Run, secrets: &[&str]) {
    let stdout = run.stdout_text();
    for secret in secrets {
        assert!(!run.stderr.contains(secret), "{secret} in stderr:\n{}", run.stderr);
        assert!(!stdout.contains(secret), "{secret} in stdout");
    }
}

#[test]
fn no_personal_data_or_passwords_in_output() {
    for_each_backend(|db| {
        // The sheet's texts go into the files, never into messages, even when the file is refused.
        let mut sheet = nimo_domain::demo::meguro_r4();
        sheet.basic.profile = format!("相談者 {}さん（電話 {}）から聞き取り", PERSONAL[0], PERSONAL[1]);
        let good = nimo_exchange::to_json(&sheet);
        let run = db.nimo(&["sheet", "import", &db.write("sheet.json", &good)]).succeeds();
        assert_silent_about(&run, &PERSONAL);
        let bad = String::from_utf8(good).unwrap().replacen("\"menu_code\": 6", "\"menu_code\": 15", 1);
        let run = db.nimo(&["sheet", "import", &db.write("bad.json", bad.as_bytes()), "--replace"]).fails();
        assert_silent_about(&run, &PERSONAL);
        let out = db.path("sheet.json");
        let mut args = export_args("json").to_vec();
        args.extend(["-o", out.to_str().unwrap()]);
        let run = db.nimo(&args).succeeds();
        assert_silent_about(&run, &PERSONAL);
        assert!(String::from_utf8(std::fs::read(&out).unwrap()).unwrap().contains(PERSONAL[0]), "the file has it");

        if db.backend != Backend::Postgres {
            return;
        }
        let (url, password) = with_password(&db.url);
        let secret = [password.as_str()];
        let export = |args: &[&str], log: &str| {
            let mut command = nimo(db.dir.path());
            command.args(args).args(["--database-url", &url]).env("NIMO_LOG", log);
            Run::of(&mut command)
        };
        let missing = ["sheet", "export", "--municipality", "131105", "--fy", "2023", "--format", "json"];
        for log in ["info", "debug"] {
            assert_silent_about(&export(&export_args("json"), log).succeeds(), &secret);
            let run = export(&missing, log).fails();
            assert!(run.stderr.contains("シートはありません"), "{}", run.stderr);
            assert_silent_about(&run, &secret);
        }

        // A database that does not exist: the message names the URL with the password hidden.
        let absent = format!("{url}_absent");
        let run = Run::of(nimo(db.dir.path()).args(missing).args(["--database-url", &absent])).fails();
        assert!(run.stderr.contains("データベースに接続できません") && run.stderr.contains(":***@"), "{}", run.stderr);
        assert_silent_about(&run, &secret);

        // From the environment: neither the help (which lists the variable) nor an error shows it.
        let run =
            Run::of(nimo(db.dir.path()).args(["sheet", "export", "--help"]).env("NIMO_DATABASE_URL", &url)).succeeds();
        assert!(run.stdout_text().contains("NIMO_DATABASE_URL"));
        assert_silent_about(&run, &secret);
        let run = Run::of(nimo(db.dir.path()).args(missing).env("NIMO_DATABASE_URL", &absent)).fails();
        assert_silent_about(&run, &secret);
    });
}
