//! Who a request acts for: the session's signed-in account turned into a domain `Principal`, the
//! CSRF token of the session, and the `Ctx` extractor that hands both to handlers and templates.
//!
//! Sessions live in the database (tower-sessions over `nimo_store::sessions`). The cookie is
//! HttpOnly and SameSite=Strict, Secure (and named `__Host-nimo`) behind HTTPS; it expires after
//! [`IDLE_MINUTES`] without a request, and a sign-in lasts at most [`ABSOLUTE_HOURS`]. A session
//! also carries the account's security stamp: a password change, a reset, a second-factor change
//! or a disable rotates the stamp and so ends every session of that account. A session is
//! created only when a password is accepted ([`sign_in`]): an anonymous request writes no session
//! row, and the CSRF token of its forms comes from `crate::form_token` instead. A signed-in
//! request writes its session only when the last-seen time moved by [`LAST_SEEN_STEP_SECONDS`]
//! or more (or a value changed): polling pages and the API cost no write each.
//!
//! The client address kept here is the `origin` of every audit row the request writes. A failed
//! audit append always fails the request (see `crate::audit`): sign-ins, refusals and exports
//! fail closed (500, nothing granted or sent), and a change is rolled back with its row (500,
//! nothing changed).

use crate::AppState;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use nimo_domain::access::{AccountState, Principal};
use std::sync::Arc;
use tower_sessions::Session;

/// Minutes without a request after which a session ends.
pub const IDLE_MINUTES: i64 = 30;
/// Hours after sign-in after which a session ends whatever the activity.
pub const ABSOLUTE_HOURS: i64 = 12;
/// Seconds the session's recorded last-seen time may fall behind before a request writes it
/// again: within a minute of the last write a request writes nothing, so the idle limit counts
/// from a time at most this much before the last request (a session ends between
/// `IDLE_MINUTES` less a minute and `IDLE_MINUTES` after its last request, never later).
pub const LAST_SEEN_STEP_SECONDS: i64 = 60;

/// Session keys.
pub(crate) mod key {
    pub const USER: &str = "uid";
    pub const STAMP: &str = "stamp";
    pub const STAGE: &str = "stage";
    pub const SIGNED_IN_AT: &str = "signed_in_at";
    pub const LAST_SEEN: &str = "last_seen";
    pub const CSRF: &str = "csrf";
}

/// How far a sign-in has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Password accepted; the one-time code is next.
    SecondFactor,
    /// Password accepted; the role needs a second factor that is not enrolled yet.
    Enrol,
    /// Fully signed in.
    Full,
}

impl Stage {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Stage::SecondFactor => "second_factor",
            Stage::Enrol => "enrol",
            Stage::Full => "full",
        }
    }

    fn parse(code: &str) -> Option<Self> {
        [Stage::SecondFactor, Stage::Enrol, Stage::Full].into_iter().find(|s| s.code() == code)
    }
}

/// The signed-in account of a request, as far as it got.
#[derive(Debug, Clone)]
pub struct Account {
    /// The domain principal the policy decides on.
    pub principal: Principal,
    /// How far the sign-in has got.
    pub stage: Stage,
    /// The name shown in the header.
    pub display_name: String,
    /// The account must choose a new password before anything else.
    pub must_change_password: bool,
}

/// What a request knows about its session.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The account, if the session holds one that is still valid.
    pub account: Option<Account>,
    /// The session's CSRF token, for every form.
    pub csrf: String,
    /// The token of a session that ended with this request (idle, stamp changed): still accepted
    /// for this one request, so that a form of the signed-in page (logout, a new sign-in) is not
    /// refused as forged; pages rendered now show `csrf`.
    pub ended_csrf: Option<String>,
    /// The client's address, for throttling and the audit log.
    pub address: String,
    /// The API token the request authenticated with (`Authorization: Bearer`, only ever on
    /// `/api/v1`) instead of a session cookie: it then carries no cookie a browser could send on
    /// its own, so the CSRF check does not apply there, and the policy also checks its scopes.
    pub token: Option<ApiToken>,
}

/// The API token of a request.
#[derive(Debug, Clone)]
pub struct ApiToken {
    /// Its id.
    pub id: i64,
    /// What it may be used for.
    pub scopes: Vec<nimo_domain::api_scope::ApiScope>,
}

impl RequestContext {
    /// The principal the policy decides on: only a fully signed-in account counts as active.
    pub fn principal(&self) -> Option<Principal> {
        self.account.as_ref().map(|a| {
            let mut p = a.principal.clone();
            if a.stage != Stage::Full && p.state == AccountState::Active {
                p.state = AccountState::TwoFactorPending;
            }
            p
        })
    }
}

/// The request context as handlers take it.
#[derive(Debug, Clone)]
pub struct Ctx(pub Arc<RequestContext>);

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = crate::WebError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Arc<RequestContext>>()
            .cloned()
            .map(Ctx)
            .ok_or_else(|| crate::WebError::Internal("request context missing".into()))
    }
}

/// A fresh random token (two v4 UUIDs: 244 random bits).
pub(crate) fn random_token() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

/// Loads the session's account (ending the session if it is no longer valid) and the request's
/// CSRF token (the session's, or for an anonymous request the one of `crate::form_token`), then
/// runs the request with a [`RequestContext`].
pub async fn load(State(state): State<AppState>, session: Session, mut request: Request, next: Next) -> Response {
    // The health checks, the metrics and the stylesheet need no session: do not create one for
    // them. The metrics' `Authorization` is their own bearer token (`metrics.rs`), not an API
    // token: it is neither looked up nor audited here.
    let path = request.uri().path();
    if path == "/healthz" || path == "/readyz" || path == "/metrics" || path.starts_with("/assets/") {
        let context = RequestContext {
            account: None,
            csrf: String::new(),
            ended_csrf: None,
            address: String::new(),
            token: None,
        };
        request.extensions_mut().insert(Arc::new(context));
        return next.run(request).await;
    }
    let peer = request.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
    let forwarded = request.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
    let address = crate::client_address::client_address(peer, forwarded, &state.trusted_proxies);
    if let Some(authorization) = request.headers().get(axum::http::header::AUTHORIZATION) {
        // A token counts on the API only: on a page, a download or a form it is refused before
        // anything is looked up (a token never opens a page or skips a CSRF check there).
        if !crate::tokens::accepts_token(request.uri().path()) {
            return refuse_token(&state, address, "token_off_api").await;
        }
        let token = authorization.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).map(str::trim);
        return match token_account(&state, token).await {
            Ok((account, token)) => {
                let context = RequestContext {
                    account: Some(account),
                    csrf: String::new(),
                    ended_csrf: None,
                    address,
                    token: Some(token),
                };
                request.extensions_mut().insert(Arc::new(context));
                next.run(request).await
            }
            Err(SessionProblem::Ended(detail)) => refuse_token(&state, address, detail).await,
            // A database failure is not a wrong token: a 500 with a log line, not a 401.
            Err(SessionProblem::Failed(detail)) => {
                use axum::response::IntoResponse;
                crate::WebError::Internal(detail).into_response()
            }
        };
    }
    let mut ended_csrf = None;
    let account = match account_of(&state, &session).await {
        Ok(account) => account,
        Err(SessionProblem::Ended(reason)) => {
            // Expired, stamp changed, account gone: sign out. What is left is an anonymous
            // request, which keeps no session.
            tracing::debug!(reason, "session ended");
            ended_csrf = session.get::<String>(key::CSRF).await.ok().flatten();
            let _ = session.flush().await;
            None
        }
        Err(SessionProblem::Failed(detail)) => {
            // The database (or the session store on it) failed: that is not a reason to sign the
            // user out. Answer 500 with a log line and keep the session for the next request.
            use axum::response::IntoResponse;
            return crate::WebError::Internal(format!("loading the signed-in account: {detail}")).into_response();
        }
    };
    // A session exists only once a password was accepted; it holds the CSRF token of its forms.
    // An anonymous request writes no session: its token comes from a cookie of its own.
    let (csrf, set_cookie) = if account.is_some() {
        match session.get::<String>(key::CSRF).await.ok().flatten() {
            Some(token) => (token, None),
            None => {
                let token = random_token();
                if let Err(error) = session.insert(key::CSRF, &token).await {
                    tracing::error!(%error, "could not store the CSRF token");
                }
                (token, None)
            }
        }
    } else {
        let anonymous = crate::form_token::anonymous(&state.form_key, state.behind_https, request.headers());
        (anonymous.token, anonymous.set_cookie)
    };
    let context = Arc::new(RequestContext { account, csrf, ended_csrf, address, token: None });
    request.extensions_mut().insert(context);
    let mut response = next.run(request).await;
    if let Some(cookie) = set_cookie {
        response.headers_mut().append(axum::http::header::SET_COOKIE, cookie);
    }
    response
}

/// Why a session or an API token that named an account yields none.
#[derive(Debug)]
enum SessionProblem {
    /// The session is over (idle or absolute limit, security stamp changed, account gone, or a
    /// value missing from it): the user is signed out. For a token: refused (401), with this as
    /// its audit detail.
    Ended(&'static str),
    /// The session or the account could not be read (a database failure): a 500, never a
    /// sign-out.
    Failed(String),
}

impl From<tower_sessions::session::Error> for SessionProblem {
    fn from(error: tower_sessions::session::Error) -> Self {
        match error {
            // A value that no longer deserializes is a session of an older shape: it ends.
            tower_sessions::session::Error::SerdeJson(_) => SessionProblem::Ended("session_malformed"),
            other => SessionProblem::Failed(format!("session store: {other}")),
        }
    }
}

async fn account_of(state: &AppState, session: &Session) -> Result<Option<Account>, SessionProblem> {
    let Some(user_id) = session.get::<i64>(key::USER).await? else {
        return Ok(None);
    };
    let ended = SessionProblem::Ended;
    let stamp: Option<String> = session.get(key::STAMP).await?;
    let stage = session.get::<String>(key::STAGE).await?.and_then(|s| Stage::parse(&s)).ok_or(ended("stage"))?;
    let signed_in_at: i64 = session.get(key::SIGNED_IN_AT).await?.ok_or(ended("signed_in_at"))?;
    let last_seen: i64 = session.get(key::LAST_SEEN).await?.ok_or(ended("last_seen"))?;
    let now = state.clock.unix();
    // The store drops a session idle for IDLE_MINUTES too (its expiry moves with each save);
    // checking here as well keeps both limits in one place that tests can move the clock for.
    if now - signed_in_at > ABSOLUTE_HOURS * 3600 {
        return Err(ended("absolute_limit"));
    }
    if now - last_seen > IDLE_MINUTES * 60 {
        return Err(ended("idle_limit"));
    }
    // Writing the time saves the session (a database write, and a new cookie): once a minute
    // at most, not on every request.
    if now - last_seen >= LAST_SEEN_STEP_SECONDS {
        session.insert(key::LAST_SEEN, now).await?;
    }
    let user = match nimo_store::accounts::get(&state.db, user_id).await {
        Ok(user) => user,
        Err(nimo_store::accounts::AccountError::NotFound) => return Err(ended("account_gone")),
        Err(other) => return Err(SessionProblem::Failed(format!("account: {other:?}"))),
    };
    if stamp.as_deref() != Some(user.security_stamp.as_str()) {
        return Err(ended("security_stamp"));
    }
    Ok(Some(account_from(user, stage)))
}

/// The account of a user at a stage of sign-in, with its state now (disabled, second factor
/// missing or active). Failed sign-ins from elsewhere do not change it: they delay the next
/// sign-in, never the sessions already open.
fn account_from(user: nimo_store::accounts::User, stage: Stage) -> Account {
    let state_now = if user.disabled {
        AccountState::Disabled
    } else if user.role.requires_two_factor() && !user.totp_enabled {
        AccountState::TwoFactorPending
    } else {
        AccountState::Active
    };
    Account {
        principal: Principal { user_id: user.id, role: user.role, scope: user.scope.clone(), state: state_now },
        stage,
        display_name: user.display_name,
        must_change_password: user.must_change_password,
    }
}

/// The account an API token acts as, checked like a session: the user's role, scope and state
/// now (a disabled account, or one without its second factor, is refused by the policy
/// like its sessions), and the token with its scopes. An expired or revoked token is refused
/// (checked against `AppState.clock`). A token has no password to change, so
/// `must_change_password` does not redirect it. A refused token is `Ended` with its audit
/// detail; a database failure is `Failed`.
async fn token_account(state: &AppState, token: Option<&str>) -> Result<(Account, ApiToken), SessionProblem> {
    use nimo_store::tokens::Authenticated;
    let refused = SessionProblem::Ended;
    let token = token.ok_or(refused("token_malformed"))?;
    // Cached for a few seconds (nimo_store::tokens::TokenCache): a polling client costs no query
    // per request; a revocation or an account change in this process clears it at once.
    let (grant, user) = match nimo_store::tokens::authenticate_at(&state.db, token, state.clock.unix()).await {
        Ok(Authenticated::Valid(grant, user)) => (grant, user),
        Ok(Authenticated::Unknown) => return Err(refused("token_unknown")),
        Ok(Authenticated::Revoked) => return Err(refused("token_revoked")),
        Ok(Authenticated::Expired) => return Err(refused("token_expired")),
        Ok(Authenticated::UserMissing) => return Err(refused("token_user_missing")),
        Err(error) => return Err(SessionProblem::Failed(format!("token lookup: {error}"))),
    };
    let mut account = account_from(*user, Stage::Full);
    account.must_change_password = false;
    Ok((account, ApiToken { id: grant.id, scopes: grant.scopes }))
}

/// Answers a request whose token is not valid: 401 problem details, after an audit row (fail closed).
/// The token itself is never logged or recorded.
async fn refuse_token(state: &AppState, address: String, detail: &'static str) -> Response {
    use axum::response::IntoResponse;
    let event = nimo_store::audit::AuditEvent::new(
        nimo_store::audit::ACTOR_ANONYMOUS,
        if address.is_empty() { "unknown".to_string() } else { address },
        "token_failed",
        nimo_store::audit::Outcome::Denied,
    )
    .with_detail(detail);
    if let Err(error) = nimo_store::audit::append(&state.db, &event).await {
        tracing::error!(%error, detail, "audit row of a refused token not written");
        return crate::WebError::Internal("the audit log could not be written".into()).into_response();
    }
    let problem = crate::problem::Problem::new(
        axum::http::StatusCode::UNAUTHORIZED,
        "invalid-token",
        "API トークンが正しくないか、無効です",
    );
    ([(axum::http::header::WWW_AUTHENTICATE, "Bearer")], problem).into_response()
}

/// Signs an account in at a stage: a new session id (no fixation), the account's stamp, the time.
pub(crate) async fn sign_in(
    session: &Session,
    user: &nimo_store::accounts::User,
    stage: Stage,
    now: i64,
) -> Result<(), crate::WebError> {
    let fail = |e: tower_sessions::session::Error| crate::WebError::Internal(format!("session: {e}"));
    session.cycle_id().await.map_err(fail)?;
    session.insert(key::USER, user.id).await.map_err(fail)?;
    session.insert(key::STAMP, &user.security_stamp).await.map_err(fail)?;
    session.insert(key::STAGE, stage.code()).await.map_err(fail)?;
    session.insert(key::SIGNED_IN_AT, now).await.map_err(fail)?;
    session.insert(key::LAST_SEEN, now).await.map_err(fail)?;
    session.insert(key::CSRF, random_token()).await.map_err(fail)?;
    Ok(())
}
