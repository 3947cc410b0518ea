//! Accounts on every backend: creation rules, password sign-in with address throttling (the
//! delays per login name are in `sign_in_delays`), TOTP with replay protection and skew, recovery codes, password change and reset,
//! and the first-administrator bootstrap.

use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};
use nimo_store::accounts::{self, AccountError, LoginError, NewUser, User};
use nimo_store::audit::AuditEvent;
use nimo_store::testing::{TestDb, backends};
use nimo_store::{Backend, Db};
use time::{Duration, OffsetDateTime};

pub(crate) const PASSWORD: &str = "kawa no nagare 2026";
pub(crate) const ADDRESS: &str = "192.0.2.10";

pub(crate) fn meguro() -> Scope {
    Scope { municipality: Some(MunicipalityCode::parse("131105").unwrap()), ..Scope::default() }
}

pub(crate) async fn staff(db: &Db, login: &str) -> User {
    let new = NewUser {
        login,
        display_name: "目黒 保健師",
        role: Role::Staff,
        scope: meguro(),
        password: PASSWORD,
        must_change_password: false,
    };
    accounts::create_user(db, &new, cli()).await.unwrap()
}

/// A time well inside one TOTP step (10 s into it), so that ±30 s moves exactly one step.
pub(crate) fn start() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    now - Duration::seconds(now.unix_timestamp().rem_euclid(30)) + Duration::seconds(10)
}

pub(crate) fn code_at(secret_base32: &str, time: OffsetDateTime) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret_base32).unwrap();
    let totp = totp_rs::Builder::new().with_secret(secret).build().unwrap();
    totp.generate(time.unix_timestamp() as u64).to_string()
}

/// Six digits that are not the code of any step within the skew of `time`.
pub(crate) fn wrong_code(secret_base32: &str, time: OffsetDateTime) -> String {
    let valid: Vec<String> = [-30, 0, 30].map(|s| code_at(secret_base32, time + Duration::seconds(s))).to_vec();
    ["123456", "654321", "000000"].into_iter().find(|c| !valid.iter().any(|v| v == c)).unwrap().to_string()
}

#[track_caller]
pub(crate) fn assert_bad_credentials(result: Result<impl std::fmt::Debug, LoginError>, backend: Backend, what: &str) {
    assert!(matches!(result, Err(LoginError::BadCredentials)), "{backend:?} {what}: {result:?}");
}

#[tokio::test]
async fn accounts_are_created_listed_and_read_back() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        assert_eq!(accounts::count(&t.db).await.unwrap(), 0);
        let user = staff(&t.db, "Tanaka.Hanako").await;
        assert_eq!(user.login, "tanaka.hanako", "{backend:?}: logins are stored lower-case");
        assert_eq!((user.role, user.scope.clone()), (Role::Staff, meguro()));
        assert!(!user.disabled && !user.totp_enabled && !user.must_change_password && user.throttled_until.is_none());
        assert_eq!(user.security_stamp.len(), 32);
        let hospital = accounts::create_user(
            &t.db,
            &NewUser {
                login: "nurse@hospital",
                display_name: "病院 看護師",
                role: Role::HospitalStaff,
                scope: Scope { hospital: Some("h1".into()), ..Scope::default() },
                password: PASSWORD,
                must_change_password: false,
            },
            cli(),
        )
        .await
        .unwrap();
        assert_eq!(accounts::get(&t.db, user.id).await.unwrap(), user);
        assert_eq!(accounts::find_by_login(&t.db, "TANAKA.hanako").await.unwrap(), user);
        assert_eq!(accounts::list(&t.db).await.unwrap(), vec![user, hospital]);
        assert_eq!(accounts::count(&t.db).await.unwrap(), 2);
        assert!(matches!(accounts::get(&t.db, 999).await, Err(AccountError::NotFound)));

        let hash: String = sqlx::query_scalar("SELECT password_hash FROM app_user WHERE login = 'tanaka.hanako'")
            .fetch_one(&t.db.pool)
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{backend:?}: {hash}");
        assert_eq!(accounts::argon2_parameters(), (19456, 2, 1));
    }
}

#[tokio::test]
async fn a_login_is_taken_whatever_its_case() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        staff(&t.db, "suzuki").await;
        let again = NewUser {
            login: "SUZUKI",
            display_name: "別人",
            role: Role::Staff,
            scope: meguro(),
            password: PASSWORD,
            must_change_password: false,
        };
        let result = accounts::create_user(&t.db, &again, cli()).await;
        assert!(matches!(result, Err(AccountError::LoginTaken)), "{backend:?}: {result:?}");
    }
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_login_look_the_same() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let user = staff(&t.db, "yamada").await;
        let wrong = accounts::check_password(&t.db, "yamada", "not the password", ADDRESS).await;
        let unknown = accounts::check_password(&t.db, "nobody", PASSWORD, ADDRESS).await;
        assert_bad_credentials(wrong, backend, "wrong password");
        assert_bad_credentials(unknown, backend, "unknown login");
        assert_eq!(accounts::check_password(&t.db, "YAMADA", PASSWORD, ADDRESS).await.unwrap().id, user.id);
        // Full-width input of the same password is the same password.
        let full_width: String = PASSWORD.chars().map(|c| if c == '2' { '２' } else { c }).collect();
        assert!(accounts::check_password(&t.db, "yamada", &full_width, ADDRESS).await.is_ok(), "{backend:?}");
    }
}

#[tokio::test]
async fn a_disabled_account_is_only_reported_to_its_password() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let user = staff(&t.db, "kimura").await;
        accounts::set_disabled(&t.db, user.id, true, cli()).await.unwrap();
        let disabled = accounts::get(&t.db, user.id).await.unwrap();
        assert!(disabled.disabled);
        assert_ne!(disabled.security_stamp, user.security_stamp, "{backend:?}: disabling ends sessions");
        assert_bad_credentials(
            accounts::check_password(&t.db, "kimura", "wrong password!", ADDRESS).await,
            backend,
            "",
        );
        let right = accounts::check_password(&t.db, "kimura", PASSWORD, ADDRESS).await;
        assert!(matches!(right, Err(LoginError::Disabled)), "{backend:?}: {right:?}");
        accounts::set_disabled(&t.db, user.id, false, cli()).await.unwrap();
        assert!(accounts::check_password(&t.db, "kimura", PASSWORD, ADDRESS).await.is_ok());
    }
}

#[tokio::test]
async fn an_address_with_twenty_failures_is_throttled_across_logins() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        staff(&t.db, "mori").await;
        let now = start();
        for i in 0..accounts::ADDRESS_FAILURES_PER_WINDOW {
            // Different (mostly unknown) logins, so that no account lock is involved.
            let login = format!("guess{i}");
            let result =
                accounts::check_password_at(&t.db, &login, PASSWORD, ADDRESS, now + Duration::seconds(i)).await;
            assert_bad_credentials(result, backend, &login);
        }
        let soon = now + Duration::minutes(1);
        let throttled = accounts::check_password_at(&t.db, "mori", PASSWORD, ADDRESS, soon).await;
        assert!(
            matches!(throttled, Err(LoginError::Throttled { cause: accounts::Throttle::Address, .. })),
            "{backend:?}: {throttled:?}"
        );
        // Another address is not affected, and the window ends.
        assert!(accounts::check_password_at(&t.db, "mori", PASSWORD, "192.0.2.99", soon).await.is_ok());
        let later = now + Duration::minutes(accounts::ADDRESS_WINDOW_MINUTES) + Duration::seconds(1);
        assert!(accounts::check_password_at(&t.db, "mori", PASSWORD, ADDRESS, later).await.is_ok(), "{backend:?}");
    }
}

#[tokio::test]
async fn totp_enrolment_replay_skew_and_recovery_codes() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let user = staff(&t.db, "nakamura").await;
        let now = start();
        let enrolment = begin_enrolment(&t.db, user.id).await;
        assert!(enrolment.otpauth_url.starts_with("otpauth://totp/nimo:nakamura?"), "{}", enrolment.otpauth_url);
        assert!(enrolment.otpauth_url.contains("issuer=nimo"));
        assert!(enrolment.qr_png.starts_with(b"\x89PNG"));
        assert!(!accounts::get(&t.db, user.id).await.unwrap().totp_enabled, "pending until confirmed");
        let secret = &enrolment.secret_base32;

        let wrong = accounts::confirm_totp_enrolment_at(&t.db, user.id, &wrong_code(secret, now), now, cli()).await;
        assert!(matches!(wrong, Err(AccountError::WrongCode)), "{backend:?}: {wrong:?}");
        let codes =
            accounts::confirm_totp_enrolment_at(&t.db, user.id, &code_at(secret, now), now, cli()).await.unwrap();
        assert_eq!(codes.len(), 10);
        let enrolled = accounts::get(&t.db, user.id).await.unwrap();
        assert!(enrolled.totp_enabled);
        assert_ne!(enrolled.security_stamp, user.security_stamp, "{backend:?}: a new factor ends sessions");

        let check = |code: String, at: OffsetDateTime| {
            let db = t.db.clone();
            async move { accounts::check_second_factor_at(&db, user.id, &code, at).await }
        };
        // The code that confirmed the enrolment is used up.
        assert_bad_credentials(check(code_at(secret, now), now).await, backend, "replayed code");
        // One step of skew either way is accepted; each accepted step can only be used once.
        let t1 = now + Duration::minutes(5);
        check(code_at(secret, t1 - Duration::seconds(30)), t1).await.unwrap();
        assert_bad_credentials(check(code_at(secret, t1 - Duration::seconds(30)), t1).await, backend, "replay");
        let t2 = now + Duration::minutes(10);
        check(code_at(secret, t2 + Duration::seconds(30)), t2).await.unwrap();
        // The current step is earlier than the one just used (+1): refused as a replay.
        assert_bad_credentials(check(code_at(secret, t2), t2).await, backend, "earlier step after a later one");
        let t3 = now + Duration::minutes(15);
        assert_bad_credentials(check(code_at(secret, t3 - Duration::seconds(60)), t3).await, backend, "-2 steps");
        assert_bad_credentials(check(code_at(secret, t3 + Duration::seconds(60)), t3).await, backend, "+2 steps");
        check(format!(" {} ", code_at(secret, t3)), t3).await.unwrap();

        // A recovery code works once, typed in any case and with or without its hyphen.
        let t4 = now + Duration::minutes(20);
        check(codes[3].to_lowercase(), t4).await.unwrap();
        assert_bad_credentials(check(codes[3].replace('-', ""), t4).await, backend, "used recovery code");
        check(codes[4].clone(), t4).await.unwrap();
        assert_bad_credentials(check("ZZZZZ-ZZZZZ".into(), t4).await, backend, "made-up recovery code");
    }
}

#[tokio::test]
async fn a_restarted_enrolment_keeps_the_enabled_factor_until_confirmed() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let user = staff(&t.db, "hayashi").await;
        let now = start();
        let first = begin_enrolment(&t.db, user.id).await.secret_base32;
        accounts::confirm_totp_enrolment_at(&t.db, user.id, &code_at(&first, now), now, cli()).await.unwrap();
        let second = begin_enrolment(&t.db, user.id).await.secret_base32;
        assert_ne!(first, second);
        let later = now + Duration::minutes(1);
        accounts::check_second_factor_at(&t.db, user.id, &code_at(&first, later), later).await.unwrap();
        assert!(accounts::get(&t.db, user.id).await.unwrap().totp_enabled, "{backend:?}");
    }
}

#[tokio::test]
async fn password_change_and_admin_reset_rotate_the_stamp_and_keep_the_second_factor() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let user = staff(&t.db, "shimizu").await;
        let now = start();
        let secret = begin_enrolment(&t.db, user.id).await.secret_base32;
        accounts::confirm_totp_enrolment_at(&t.db, user.id, &code_at(&secret, now), now, cli()).await.unwrap();
        let before = accounts::get(&t.db, user.id).await.unwrap();

        let wrong = accounts::change_password(&t.db, user.id, "not my password", "a whole new secret", cli()).await;
        assert!(matches!(&wrong, Err(AccountError::WrongCurrentPassword)), "{wrong:?}");
        let weak = accounts::change_password(&t.db, user.id, PASSWORD, "qwertyuiopas", cli()).await;
        assert!(
            matches!(&weak, Err(AccountError::WeakPassword(nimo_domain::password::PasswordError::Common))),
            "{weak:?}"
        );
        accounts::change_password(&t.db, user.id, PASSWORD, "a whole new secret", cli()).await.unwrap();
        let changed = accounts::get(&t.db, user.id).await.unwrap();
        assert_ne!(changed.security_stamp, before.security_stamp, "{backend:?}");
        assert_bad_credentials(accounts::check_password(&t.db, "shimizu", PASSWORD, ADDRESS).await, backend, "old");
        accounts::check_password(&t.db, "shimizu", "a whole new secret", ADDRESS).await.unwrap();

        let temporary = accounts::admin_reset_password(&t.db, user.id, cli()).await.unwrap();
        assert!(temporary.chars().count() >= 16, "{temporary}");
        let reset = accounts::get(&t.db, user.id).await.unwrap();
        assert_ne!(reset.security_stamp, changed.security_stamp, "{backend:?}: a reset ends sessions");
        assert!(reset.must_change_password && reset.totp_enabled, "{backend:?}: reset keeps the second factor");
        accounts::check_password(&t.db, "shimizu", &temporary, ADDRESS).await.unwrap();
        accounts::change_password(&t.db, user.id, &temporary, "my own fresh words", cli()).await.unwrap();
        assert!(!accounts::get(&t.db, user.id).await.unwrap().must_change_password);
        assert!(matches!(accounts::admin_reset_password(&t.db, 999, cli()).await, Err(AccountError::NotFound)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_bootstraps_create_exactly_one_admin() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let db = t.db.clone();
                tokio::spawn(async move { accounts::bootstrap_admin(&db, cli().with_detail("bootstrap")).await })
            })
            .collect();
        let mut created = Vec::new();
        for task in tasks {
            if let Some(credentials) = task.await.unwrap().unwrap() {
                created.push(credentials);
            }
        }
        assert_eq!(created.len(), 1, "{backend:?}");
        assert_eq!(accounts::count(&t.db).await.unwrap(), 1);
        let (login, password) = &created[0];
        assert_eq!(login, "admin");
        assert!(password.chars().count() >= 16);
        let admin = accounts::check_password(&t.db, login, password, ADDRESS).await.unwrap();
        assert_eq!(admin.role, Role::SystemAdmin);
        assert!(admin.must_change_password);
        assert!(
            accounts::bootstrap_admin(&t.db, cli().with_detail("bootstrap")).await.unwrap().is_none(),
            "{backend:?}: only on an empty database"
        );
    }
}

/// Not a timing assertion: prints what one sign-in's password check costs on this machine.
#[tokio::test]
async fn one_password_verification_takes_measurable_time() {
    let t = TestDb::new(Backend::Sqlite).await.unwrap();
    staff(&t.db, "timing").await;
    accounts::check_password(&t.db, "timing", PASSWORD, ADDRESS).await.unwrap();
    let runs = 5;
    let started = std::time::Instant::now();
    for _ in 0..runs {
        accounts::check_password(&t.db, "timing", PASSWORD, ADDRESS).await.unwrap();
    }
    let (m, t_cost, p) = accounts::argon2_parameters();
    eprintln!(
        "argon2id m={m} KiB, t={t_cost}, p={p}: one password sign-in takes {:.1} ms (mean of {runs})",
        started.elapsed().as_secs_f64() * 1000.0 / f64::from(runs)
    );
}

/// The audit event of an account change made by `nimo` (the store adds the account).
pub(crate) fn cli() -> AuditEvent {
    AuditEvent::cli("user_admin")
}

/// Starts a second-factor enrolment as the account pages do (with its audit row).
pub(crate) async fn begin_enrolment(db: &Db, user: i64) -> accounts::TotpEnrolment {
    accounts::begin_totp_enrolment(db, user, AuditEvent::cli("totp_enrolment_started")).await.unwrap()
}
