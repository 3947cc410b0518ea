//! The store's errors, in its own words: what happened (not found, a stale revision, no bed left,
//! a value it refuses …) and never how to tell a person. The Japanese a user reads is written
//! once, in web's `error.rs`, for pages, problem details and the CLI alike; a unit test below
//! keeps every `Display` here ASCII.

use nimo_domain::FiscalYear;
use nimo_domain::beds::{AdmissionRefusal, AdmissionType, FreeBedsError, HoldState};

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// Someone else changed the record since it was read (optimistic concurrency: the revision
    /// the form was made from is no longer the stored one).
    #[error("{0} changed since it was read")]
    StaleRevision(Record),
    /// A sheet of this municipality and fiscal year already exists (a new sheet, a copy, an
    /// import without replace).
    #[error("sheet {municipality} {} already exists", fiscal_year.year())]
    SheetExists {
        /// The municipality's code.
        municipality: String,
        /// The sheet's fiscal year.
        fiscal_year: FiscalYear,
    },
    /// The municipality already has a 地区 of this name.
    #[error("a district of municipality {municipality} already has this name")]
    DistrictNameTaken {
        /// The municipality's code.
        municipality: String,
    },
    /// Every bed of the ward is posted away to holds and admissions.
    #[error("no bed left on ward {ward}")]
    NoBedLeft {
        /// The ward's id.
        ward: String,
    },
    /// The ward does not take the hold's 入院形態 (not on its list, or 応急入院 in a hospital
    /// without the 応急入院指定); nothing was held.
    #[error("ward {ward} does not accept {}: {}", admission.code(), refusal.code())]
    AdmissionNotAccepted {
        /// The ward's id.
        ward: String,
        /// The 入院形態 of the hold.
        admission: AdmissionType,
        /// Why not.
        refusal: AdmissionRefusal,
    },
    /// The hold is no longer waiting for an answer (expired, answered or withdrawn).
    #[error("hold {hold} is {}", state.code())]
    HoldNotWaiting {
        /// The hold's id.
        hold: i64,
        /// What it is now.
        state: HoldState,
    },
    /// A posting of free beds was refused; nothing of the batch was saved.
    #[error("posting {row}: {refusal}")]
    Posting {
        /// Which posting of the batch, from 1 (a single posting is row 1).
        row: usize,
        /// Why.
        refusal: PostingRefusal,
    },
    /// Records of a directory write were refused (each with its position, field and why); nothing
    /// was written.
    #[error("{} directory record(s) refused", .0.len())]
    Directory(Vec<crate::directory::Refusal>),
    /// A date not written `YYYY-MM-DD`; the field as the store's input names it.
    #[error("invalid date in {0}")]
    InvalidDate(&'static str),
    /// A code not on its list (a profession, a consent, a sex); the field as the store's input
    /// names it.
    #[error("unknown code in {0}")]
    UnknownCode(&'static str),
    /// A text of the 協議の場's records (a body, member, meeting or action item) that is empty
    /// where required, too long, or holds characters its field does not allow; the field as
    /// the store's input names it.
    #[error("invalid text in {0}")]
    InvalidText(&'static str),
    /// A 地区 name that is empty, too long or holds control characters.
    #[error("invalid district name")]
    InvalidDistrictName,
    /// An API token name that is empty or longer than 100 characters.
    #[error("invalid token name")]
    InvalidTokenName,
    /// An API token was asked for without any scope.
    #[error("a token needs at least one scope")]
    NoTokenScope,
    /// An API token was asked for with a scope its user's role cannot use.
    #[error("the role cannot use the token scope {0}")]
    TokenScopeNotAllowed(nimo_domain::api_scope::ApiScope),
    /// An API token lifetime outside 1 day to [`nimo_domain::api_scope::MAX_TOKEN_DAYS`].
    #[error("invalid token lifetime")]
    InvalidTokenExpiry,
    /// An override of a derived figure came without its reason.
    #[error("an override needs a reason")]
    MissingReason,
    /// The person cannot be tied to the case: another municipality's, or merged into another.
    #[error("person {person} cannot be tied to this case")]
    PersonNotLinkable {
        /// The person's id.
        person: i64,
    },
    /// The two person records cannot be merged: the same record, different municipalities, or
    /// one of them already merged.
    #[error("person {gone} cannot be merged into person {keep}")]
    NotMergeable {
        /// The record that stays.
        keep: i64,
        /// The record that was to go.
        gone: i64,
    },
    /// The account cannot be put in charge of a 地区: not an enabled staff account of the
    /// municipality (or no such account).
    #[error("user {user} is not enabled staff of the municipality")]
    NotMunicipalityStaff {
        /// The account's id.
        user: i64,
    },
    /// A hospital or ward id that is not a short code.
    #[error("invalid {kind} id")]
    InvalidId {
        /// `hospital` or `ward`.
        kind: &'static str,
    },
    /// An audit field that is not a short code (a programming error: audit rows hold codes only).
    #[error("audit {0} must be a short code")]
    NotAShortCode(&'static str),
    /// The synthetic data generator could not build its year (a programming error).
    #[error("synthetic data: {0}")]
    Synthetic(String),
    /// A stored row could not be turned back into a domain value.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// An SQLite database file that a read-only command needs does not exist.
    #[error("database file {0} does not exist")]
    Missing(String),
    /// A file-system operation failed (creating the data directory).
    #[error("cannot create {path}")]
    Io {
        /// The folder that could not be created.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The database URL is not one nimo can use.
    #[error("unsupported database url: {0}")]
    Url(String),
    /// Personal data was to be sealed or opened, but no keys were configured.
    #[error("no encryption keys are configured (NIMO_KEY_FILE or NIMO_KEYS)")]
    NoKeys,
    /// A sealed value did not open (wrong key, wrong place, or tampered), or keys are unusable.
    #[error("sealed value: {0}")]
    Vault(#[from] nimo_vault::VaultError),
    /// A migration failed.
    #[error("migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Any other database failure.
    #[error("database error")]
    Database(#[from] sqlx::Error),
}

/// The kind of record a [`StoreError::StaleRevision`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Record {
    /// A 自治体情報シート.
    #[error("sheet")]
    Sheet,
    /// A 23条通報 case.
    #[error("case")]
    Case,
    /// A 退院後支援計画.
    #[error("plan")]
    Plan,
    /// A person record.
    #[error("person")]
    Person,
    /// A 市町村長同意.
    #[error("mayor_consent")]
    Consent,
    /// An admission (入院).
    #[error("admission")]
    Admission,
    /// A 普及啓発 event.
    #[error("awareness_event")]
    Event,
    /// A 構築推進事業 action.
    #[error("pdca_action")]
    Action,
    /// A legal clock's deadline (moved by somebody else since the page was read, or stopped).
    #[error("clock")]
    ClockMove,
    /// A meeting of the 協議の場 or another body.
    #[error("meeting")]
    Meeting,
    /// An action item of a meeting.
    #[error("action_item")]
    ActionItem,
    /// An organisation of the resource directory.
    #[error("directory_org")]
    Directory,
}

/// Why one posting of free beds was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostingRefusal {
    /// The count is outside the allowed range.
    #[error("{0}")]
    FreeBeds(FreeBedsError),
    /// No ward has this id.
    #[error("ward {0} is not registered")]
    UnknownWard(String),
    /// The ward belongs to another hospital (an import by hospital staff).
    #[error("ward {0} belongs to another hospital")]
    NotOwnWard(String),
    /// The count is below the ward's active holds: the hospital answers them first.
    #[error("{free} free beds on ward {ward} are fewer than its {active} active holds")]
    BelowActiveHolds {
        /// The ward's id.
        ward: String,
        /// The count that was posted.
        free: i64,
        /// The holds waiting for an answer.
        active: i64,
    },
    /// Free 保護室 below 0 or above the ward's rooms.
    #[error("{free} free seclusion rooms on ward {ward} are outside 0 to its {rooms} rooms")]
    SeclusionFree {
        /// The ward's id.
        ward: String,
        /// The count that was posted.
        free: i64,
        /// The ward's rooms.
        rooms: i64,
    },
    /// A ward's 保護室 outside 0 to `nimo_domain::beds::MAX_SECLUSION_ROOMS`.
    #[error("{rooms} seclusion rooms on ward {ward} are outside the allowed range")]
    SeclusionRooms {
        /// The ward's id.
        ward: String,
        /// The count given.
        rooms: i64,
    },
}

impl StoreError {
    /// Whether the error is "not found".
    pub fn is_not_found(&self) -> bool {
        matches!(self, StoreError::NotFound(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One of each variant that says what happened; the Japanese a user reads is web's.
    #[test]
    fn no_store_error_speaks_japanese() {
        let errors = [
            StoreError::NotFound("case 7".into()),
            StoreError::StaleRevision(Record::Sheet),
            StoreError::StaleRevision(Record::Case),
            StoreError::StaleRevision(Record::Plan),
            StoreError::StaleRevision(Record::Person),
            StoreError::StaleRevision(Record::Event),
            StoreError::StaleRevision(Record::Action),
            StoreError::SheetExists { municipality: "131105".into(), fiscal_year: FiscalYear::new(2022).unwrap() },
            StoreError::DistrictNameTaken { municipality: "131105".into() },
            StoreError::NoBedLeft { ward: "w-1".into() },
            StoreError::HoldNotWaiting { hold: 3, state: HoldState::Expired },
            StoreError::AdmissionNotAccepted {
                ward: "w-1".into(),
                admission: AdmissionType::Okyu,
                refusal: AdmissionRefusal::NotOkyuDesignated,
            },
            StoreError::Posting { row: 2, refusal: PostingRefusal::FreeBeds(FreeBedsError) },
            StoreError::Posting { row: 1, refusal: PostingRefusal::UnknownWard("w-x".into()) },
            StoreError::Posting { row: 1, refusal: PostingRefusal::NotOwnWard("w-x".into()) },
            StoreError::Posting {
                row: 1,
                refusal: PostingRefusal::BelowActiveHolds { ward: "w-1".into(), free: 0, active: 2 },
            },
            StoreError::InvalidDate("since"),
            StoreError::UnknownCode("sex"),
            StoreError::InvalidDistrictName,
            StoreError::InvalidTokenName,
            StoreError::NoTokenScope,
            StoreError::TokenScopeNotAllowed(nimo_domain::api_scope::ApiScope::BedsWrite),
            StoreError::InvalidTokenExpiry,
            StoreError::MissingReason,
            StoreError::PersonNotLinkable { person: 4 },
            StoreError::NotMergeable { keep: 1, gone: 2 },
            StoreError::NotMunicipalityStaff { user: 9 },
            StoreError::InvalidId { kind: "ward" },
            StoreError::NotAShortCode("detail"),
            StoreError::Synthetic("no followed cases".into()),
            StoreError::Corrupt("ward.sex".into()),
            StoreError::Missing("/tmp/nimo.db".into()),
            StoreError::Url("mysql://".into()),
            StoreError::NoKeys,
            StoreError::Database(sqlx::Error::RowNotFound),
        ];
        for error in errors {
            let text = error.to_string();
            assert!(text.is_ascii(), "{error:?} says {text}");
        }
    }
}
