//! Escalation by e-mail: the background task of `nimo serve` that finds the legal clocks that
//! became overdue and mails each one once to its municipality's escalation addresses (set on the
//! 保健所 page), through the SMTP server of the settings. Without settings nothing is sent (the
//! board still marks what is overdue). A mail names the record (受付番号 or `入院 #12`), the rule,
//! its article, the deadline in Japan time and a link; never a person's name or other personal
//! data. `clock_notice` (store `escalation`) keeps one row per clock and deadline, claimed before
//! the mail leaves, so that no clock is mailed twice; log lines carry counts and ids only.

use crate::AppState;
use crate::clock_view::{ClockEntry, entries_in};
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use nimo_domain::clocks::ClockState;
use nimo_store::audit::AuditEvent;
use nimo_store::escalation::{self, Outcome};
use std::fmt;
use std::time::Duration;
use time::OffsetDateTime;

/// Where and how escalation mails are sent.
#[derive(Clone)]
pub struct SmtpSettings {
    /// The SMTP server's host name.
    pub host: String,
    /// Its port (25, 587 with STARTTLS …).
    pub port: u16,
    /// The sender address.
    pub from: String,
    /// User name and password, when the server asks for them.
    pub credentials: Option<(String, String)>,
    /// Whether to require STARTTLS (rustls; the system's root certificates).
    pub starttls: bool,
    /// The address users open nimo at (`https://nimo.example.jp`), for the link in the mail.
    pub public_url: String,
    /// How often the task looks for overdue clocks.
    pub every: Duration,
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The password never reaches a log.
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("from", &self.from)
            .field("user", &self.credentials.as_ref().map(|(user, _)| user))
            .field("starttls", &self.starttls)
            .field("public_url", &self.public_url)
            .field("every", &self.every)
            .finish()
    }
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    /// Mails the server accepted.
    pub sent: usize,
    /// Mails it refused (not tried again).
    pub failed: usize,
}

/// Whether an address is one a mail can be sent to (as the 保健所 page checks what is typed).
pub fn valid_address(text: &str) -> bool {
    text.parse::<lettre::Address>().is_ok()
}

/// The key of an overdue clock: its record's path, rule, instance and deadline (a moved
/// deadline is a new transition). No personal data.
fn key(entry: &ClockEntry, deadline: OffsetDateTime) -> String {
    format!("{}|{}|{}|{}", entry.link, entry.clock.rule.id, entry.clock.instance, deadline.unix_timestamp())
}

/// The mail of one overdue clock: subject and body (plain text, UTF-8).
fn mail_text(entry: &ClockEntry, public_url: &str) -> (String, String) {
    let rule = entry.clock.rule;
    let subject = format!("【nimo】法定期限超過: {} {}", entry.label, rule.label);
    let unverified = match rule.verification {
        nimo_domain::clocks::Verification::Confirmed => String::new(),
        nimo_domain::clocks::Verification::Unconfirmed(_) => "\n※この期限は根拠の原文で確認中です（要確認）。".into(),
    };
    let body = format!(
        "法定期限を過ぎました。\n\n記録: {}\n期限: {}\n根拠: {}\n期限日時（日本時間）: {}{unverified}\n\n{}{}\n\n\
         このメールには個人を特定する情報を載せていません。内容は nimo で確認してください。\n",
        entry.label,
        rule.label,
        rule.article_label(),
        entry.clock.deadline_text(),
        public_url.trim_end_matches('/'),
        entry.link,
    );
    (subject, body)
}

fn transport(settings: &SmtpSettings) -> Result<AsyncSmtpTransport<Tokio1Executor>, lettre::transport::smtp::Error> {
    let builder = if settings.starttls {
        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)?
    } else {
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
    };
    let builder = builder.port(settings.port).timeout(Some(Duration::from_secs(30)));
    let builder = match &settings.credentials {
        Some((user, password)) => builder.credentials(Credentials::new(user.clone(), password.clone())),
        None => builder,
    };
    Ok(builder.build())
}

async fn send(settings: &SmtpSettings, to: &[String], subject: String, body: String) -> Result<(), String> {
    let from: Mailbox = settings.from.parse().map_err(|_| "invalid from address".to_string())?;
    let mut message = Message::builder().from(from).subject(subject).header(ContentType::TEXT_PLAIN);
    for address in to {
        message = message.to(address.parse().map_err(|_| "invalid recipient address".to_string())?);
    }
    let message = message
        .body(Body::new_with_encoding(body, ContentTransferEncoding::Base64).map_err(|_| "body".to_string())?)
        .map_err(|e| format!("message: {e}"))?;
    let mailer = transport(settings).map_err(|e| format!("smtp: {e}"))?;
    mailer.send(message).await.map(|_| ()).map_err(|e| format!("smtp: {e}"))
}

/// One round at `now`: every overdue clock of every municipality with escalation addresses that
/// was not mailed before is claimed, mailed and finished. Nothing without SMTP settings.
pub async fn escalate_at(state: &AppState, now: OffsetDateTime) -> Result<Round, crate::WebError> {
    let mut round = Round::default();
    let Some(settings) = state.smtp.as_deref() else { return Ok(round) };
    for (code, recipients) in escalation::all_recipients(&state.db).await? {
        let entries = entries_in(state, code.as_str(), None, now).await?;
        for entry in entries.iter().filter(|e| e.clock.state_at(now) == ClockState::Overdue) {
            let Some(deadline) = entry.clock.deadline else { continue };
            let audit = AuditEvent::system("escalation");
            let claimed =
                escalation::claim(&state.db, &key(entry, deadline), &code, deadline, recipients.len(), now, audit)
                    .await?;
            let Some(id) = claimed else { continue };
            let (subject, body) = mail_text(entry, &settings.public_url);
            let outcome = match send(settings, &recipients, subject, body).await {
                Ok(()) => Outcome::Sent,
                Err(error) => {
                    tracing::warn!(notice = id, %error, "escalation mail failed");
                    Outcome::Failed
                }
            };
            escalation::finish(&state.db, id, outcome, state.clock.now(), AuditEvent::system("escalation")).await?;
            match outcome {
                Outcome::Sent => round.sent += 1,
                Outcome::Failed => round.failed += 1,
            }
        }
    }
    if round != Round::default() {
        tracing::info!(sent = round.sent, failed = round.failed, "overdue clocks escalated");
    }
    Ok(round)
}

/// Starts the escalation task when SMTP is configured (a task that does nothing otherwise).
pub fn spawn_escalation(state: &AppState) -> tokio::task::JoinHandle<()> {
    let state = state.clone();
    tokio::spawn(async move {
        let Some(every) = state.smtp.as_ref().map(|s| s.every.max(Duration::from_secs(1))) else { return };
        let mut ticker = tokio::time::interval(every);
        loop {
            ticker.tick().await;
            if let Err(error) = escalate_at(&state, state.clock.now()).await {
                tracing::error!(%error, "escalation round failed");
            }
        }
    })
}
