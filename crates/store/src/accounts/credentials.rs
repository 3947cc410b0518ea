//! The secrets of an account: argon2id hashes of passwords and recovery codes, and the random
//! values nimo makes (temporary passwords, recovery codes, security stamps), plus the one time
//! format the account tables use.
//!
//! Hashing takes tens of milliseconds of CPU on purpose, so it runs on Tokio's blocking pool and
//! never stalls the tasks that serve other requests.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngExt;
use std::sync::LazyLock;
use time::OffsetDateTime;

/// argon2id memory cost in KiB (OWASP Password Storage Cheat Sheet: m=19 MiB, t=2, p=1).
const MEMORY_KIB: u32 = 19 * 1024;
/// argon2id passes over memory.
const ITERATIONS: u32 = 2;
/// argon2id lanes.
const PARALLELISM: u32 = 1;

/// The argon2id parameters new hashes get, as (memory in KiB, iterations, parallelism). Stored
/// hashes carry their own parameters, so raising these later does not break old passwords.
pub fn argon2_parameters() -> (u32, u32, u32) {
    (MEMORY_KIB, ITERATIONS, PARALLELISM)
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A hash of a password nobody knows, verified against when a login does not exist so that an
/// unknown login costs the same time as a wrong password.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash_now(&random_password()));

fn hash_now(secret: &str) -> String {
    hasher().hash_password(secret.as_bytes()).expect("argon2id hashes any input with valid parameters").to_string()
}

fn verify_now(secret: &str, hash: &str) -> bool {
    match hasher().verify_password(secret.as_bytes(), hash) {
        Ok(()) => true,
        Err(argon2::password_hash::Error::PasswordInvalid) => false,
        Err(error) => {
            tracing::error!(%error, "a stored argon2 hash cannot be read");
            false
        }
    }
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => value,
        Err(error) => std::panic::resume_unwind(error.into_panic()),
    }
}

/// The argon2id PHC string of a password, in its NFKC form.
pub(super) async fn hash_password(password: &str) -> String {
    let password = nimo_domain::password::normalize(password);
    blocking(move || hash_now(&password)).await
}

/// Whether a password (in its NFKC form) matches a stored hash.
pub(super) async fn verify_password(password: &str, hash: &str) -> bool {
    let (password, hash) = (nimo_domain::password::normalize(password), hash.to_string());
    blocking(move || verify_now(&password, &hash)).await
}

/// Spends the time of one verification without a real hash (unknown login, account whose
/// attempts are used up).
pub(super) async fn verify_dummy(password: &str) {
    let password = password.to_string();
    blocking(move || verify_now(&password, &DUMMY_HASH)).await;
}

/// The hashes of several secrets (recovery codes), computed in one trip to the blocking pool.
pub(super) async fn hash_all(secrets: Vec<String>) -> Vec<String> {
    blocking(move || secrets.iter().map(|secret| hash_now(secret)).collect()).await
}

/// The index of the first of `hashes` that `secret` matches.
pub(super) async fn find_match(secret: String, hashes: Vec<String>) -> Option<usize> {
    blocking(move || hashes.iter().position(|hash| verify_now(&secret, hash))).await
}

/// Letters and digits that cannot be mistaken for one another when read aloud or typed from
/// paper (no 0/o, 1/l/i).
const PASSWORD_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A random temporary password: four groups of five from a 31-character alphabet (about 99
/// bits), 23 characters with the hyphens.
pub(super) fn random_password() -> String {
    let mut rng = rand::rng();
    let groups: Vec<String> = (0..4)
        .map(|_| (0..5).map(|_| char::from(PASSWORD_ALPHABET[rng.random_range(0..PASSWORD_ALPHABET.len())])).collect())
        .collect();
    groups.join("-")
}

/// Crockford's base32 alphabet: no I, L, O or U, so that what is read from paper is typed right.
const RECOVERY_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The number of characters of a recovery code, hyphen not counted (50 bits).
pub(super) const RECOVERY_CODE_CHARS: usize = 10;

/// A random recovery code as shown to the user: `XXXXX-XXXXX`.
pub(super) fn random_recovery_code() -> String {
    let mut rng = rand::rng();
    let code: String = (0..RECOVERY_CODE_CHARS)
        .map(|_| char::from(RECOVERY_ALPHABET[rng.random_range(0..RECOVERY_ALPHABET.len())]))
        .collect();
    format!("{}-{}", &code[..5], &code[5..])
}

/// A typed recovery code in the form that is hashed: NFKC, upper case, without hyphens and
/// spaces, with O read as 0 and I or L as 1 (Crockford). `None` when it cannot be a recovery code.
pub(super) fn canonical_recovery_code(input: &str) -> Option<String> {
    let code: String = nimo_domain::text::nfkc(input)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect();
    let valid = code.len() == RECOVERY_CODE_CHARS && code.bytes().all(|b| RECOVERY_ALPHABET.contains(&b));
    valid.then_some(code)
}

/// A new random security stamp (128 bits, hex).
pub(super) fn security_stamp() -> String {
    rand::random::<[u8; 16]>().iter().map(|b| format!("{b:02x}")).collect()
}

/// A time as the account tables store it: UTC, RFC 3339, always with six fractional digits, so
/// that stored times also compare correctly as text.
pub(super) fn timestamp(time: OffsetDateTime) -> String {
    crate::audit::timestamp(time)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_passwords_are_long_and_pass_the_policy() {
        let password = random_password();
        assert_eq!(password.chars().count(), 23);
        assert!(nimo_domain::password::check_password_policy(&password, "someone").is_ok());
        assert_ne!(password, random_password());
    }

    #[test]
    fn recovery_codes_are_read_forgivingly() {
        let code = random_recovery_code();
        let canonical = code.replace('-', "");
        assert_eq!(canonical_recovery_code(&code).as_deref(), Some(canonical.as_str()));
        assert_eq!(canonical_recovery_code(&code.to_lowercase()).as_deref(), Some(canonical.as_str()));
        assert_eq!(canonical_recovery_code("abcde ｆｇｈｊｋ").as_deref(), Some("ABCDEFGHJK"));
        assert_eq!(canonical_recovery_code("oIl23-45678").as_deref(), Some("0112345678"));
        assert_eq!(canonical_recovery_code("123456"), None);
        assert_eq!(canonical_recovery_code("UUUUU-UUUUU"), None);
    }

    /// Not a timing assertion: prints what one argon2id verification costs here (the dev profile
    /// builds argon2 with opt-level 3).
    #[test]
    fn one_verification_is_measured() {
        let hash = hash_now("kawa no nagare 2026");
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        let runs = 10;
        let started = std::time::Instant::now();
        for _ in 0..runs {
            assert!(verify_now("kawa no nagare 2026", &hash));
        }
        let (m, t, p) = argon2_parameters();
        eprintln!(
            "argon2id m={m} KiB, t={t}, p={p}: one verification takes {:.1} ms (mean of {runs})",
            started.elapsed().as_secs_f64() * 1000.0 / f64::from(runs)
        );
    }

    #[test]
    fn timestamps_have_one_width() {
        let t = time::macros::datetime!(2026-04-01 09:30:00 +09:00);
        assert_eq!(timestamp(t), "2026-04-01T00:30:00.000000Z");
        let parsed = OffsetDateTime::parse(&timestamp(t), &time::format_description::well_known::Rfc3339).unwrap();
        assert_eq!(parsed, t);
    }
}
