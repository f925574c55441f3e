//! The one error type of the services. The GraphQL layer turns each into an
//! error whose `extensions.code` is `AppError::code`.
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{DbErr, SqlErr};
use validator::{ValidationErrors, ValidationErrorsKind};

pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// Deliberately not `Display`: async-graphql converts any `Display` type into
/// an error without extensions, so the API converts this type only through
/// its own error, which always sets `extensions.code`.
#[derive(Debug, Clone)]
pub enum AppError {
    Unauthenticated(String),
    Forbidden(String),
    NotFound(String),
    BadUserInput {
        message: String,
        fields: FieldErrors,
    },
    Conflict(String),
    /// A unique key was taken by a concurrent write; worth one more try.
    Duplicate,
    RateLimited {
        message: String,
        retry_after_seconds: i64,
    },
    AgeRestricted(String),
    AccountSuspended {
        until: Option<DateTime<Utc>>,
        /// Given only to the account's owner, after the right password: the
        /// decision to appeal, and a token that can read and appeal it.
        appeal: Option<Box<AppealPass>>,
    },
    /// A moderator asked this account to confirm its age; it stays locked
    /// until an admin decides.
    AgeCheckRequired {
        /// Given only to the account's owner, after the right password.
        pass: Option<Box<AgeCheckPass>>,
    },
    /// The comment reads as unkind: nothing was posted; the same call with
    /// `postAnyway` posts it.
    KindnessNudge {
        words: Vec<String>,
        suggestion: String,
    },
    /// The current policy version the user has yet to accept.
    ConsentRequired(i32),
    ScreenTimeLimitReached {
        used_minutes: i32,
        limit_minutes: i32,
        resets_at: DateTime<Utc>,
    },
    TimeAway {
        ends_at: DateTime<Utc>,
    },
    QueryTooComplex(String),
    /// The detail is logged, never shown to the caller.
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

#[derive(Debug, Clone)]
pub struct AppealPass {
    pub case_id: Option<uuid::Uuid>,
    pub token: String,
}

/// What the owner of an account locked for an age check gets for the right
/// password: a token that opens the check, their decisions and the appeal.
#[derive(Debug, Clone)]
pub struct AgeCheckPass {
    pub token: String,
    /// The decision that asked for the check.
    pub case_id: Option<uuid::Uuid>,
    /// When they answered it, if they have: then it waits for an admin.
    pub submitted_at: Option<DateTime<Utc>>,
}

impl AppError {
    pub fn suspended(until: Option<DateTime<Utc>>) -> Self {
        AppError::AccountSuspended { until, appeal: None }
    }
}

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated(_) => "UNAUTHENTICATED",
            AppError::Forbidden(_) => "FORBIDDEN",
            AppError::NotFound(_) => "NOT_FOUND",
            AppError::BadUserInput { .. } => "BAD_USER_INPUT",
            AppError::Conflict(_) | AppError::Duplicate => "CONFLICT",
            AppError::RateLimited { .. } => "RATE_LIMITED",
            AppError::AgeRestricted(_) => "AGE_RESTRICTED",
            AppError::AccountSuspended { .. } => "ACCOUNT_SUSPENDED",
            AppError::AgeCheckRequired { .. } => "AGE_CHECK_REQUIRED",
            AppError::KindnessNudge { .. } => "KINDNESS_NUDGE",
            AppError::ConsentRequired(_) => "CONSENT_REQUIRED",
            AppError::ScreenTimeLimitReached { .. } => "SCREEN_TIME_LIMIT_REACHED",
            AppError::TimeAway { .. } => "TIME_AWAY",
            AppError::QueryTooComplex(_) => "QUERY_TOO_COMPLEX",
            AppError::Internal(_) => "INTERNAL",
        }
    }

    /// What the caller is told. `Internal` hides its detail.
    pub fn message(&self) -> String {
        match self {
            AppError::Unauthenticated(m)
            | AppError::Forbidden(m)
            | AppError::NotFound(m)
            | AppError::Conflict(m)
            | AppError::AgeRestricted(m)
            | AppError::QueryTooComplex(m) => m.clone(),
            AppError::BadUserInput { message, .. } | AppError::RateLimited { message, .. } => message.clone(),
            AppError::AccountSuspended { until: Some(until), .. } => {
                format!("This account is suspended until {}", until.to_rfc3339())
            }
            AppError::AccountSuspended { until: None, .. } => "This account has been banned".into(),
            AppError::AgeCheckRequired { .. } => "This account is paused until we can confirm its owner's age".into(),
            AppError::KindnessNudge { suggestion, .. } => suggestion.clone(),
            AppError::Duplicate => "That already exists".into(),
            AppError::ScreenTimeLimitReached { limit_minutes, .. } => {
                format!("Today's screen time of {limit_minutes} minutes is used up; it resets at midnight")
            }
            AppError::TimeAway { .. } => "It's time away from the screen now".into(),
            AppError::ConsentRequired(version) => {
                format!("Please read and accept version {version} of the privacy policy first")
            }
            AppError::Internal(_) => "Something went wrong on our side. Please try again.".into(),
        }
    }

    /// The full story, for operators' logs and command-line output.
    pub fn detail(&self) -> String {
        match self {
            AppError::Internal(detail) => detail.clone(),
            other => format!("{}: {}", other.code(), other.message()),
        }
    }

    /// A single bad input field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        AppError::BadUserInput {
            message: format!("Invalid input: {field} {message}"),
            fields: BTreeMap::from([(field.to_owned(), vec![message])]),
        }
    }

    /// `field` refused by a validator's check, with its message.
    pub fn invalid(field: &str, error: &validator::ValidationError) -> Self {
        Self::field(field, describe(error))
    }

    pub fn unauthenticated() -> Self {
        AppError::Unauthenticated("Please sign in to do this".into())
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        AppError::Internal(detail.to_string())
    }
}

/// Field problems gathered while checking an input, reported together.
#[derive(Debug, Default)]
pub struct InputProblems(FieldErrors);

impl InputProblems {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.entry(field.to_owned()).or_default().push(message.into());
    }

    /// BAD_USER_INPUT naming every field at fault, or Ok when there is none.
    pub fn into_result(self) -> AppResult<()> {
        if self.0.is_empty() {
            return Ok(());
        }
        let names: Vec<&str> = self.0.keys().map(String::as_str).collect();
        Err(AppError::BadUserInput { message: format!("Invalid input: {}", names.join(", ")), fields: self.0 })
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        if let Some(SqlErr::UniqueConstraintViolation(_)) = err.sql_err() {
            return AppError::Duplicate;
        }
        AppError::Internal(err.to_string())
    }
}

impl From<ValidationErrors> for AppError {
    fn from(errors: ValidationErrors) -> Self {
        let mut fields = FieldErrors::new();
        collect_field_errors("", &errors, &mut fields);
        let names: Vec<&str> = fields.keys().map(String::as_str).collect();
        AppError::BadUserInput { message: format!("Invalid input: {}", names.join(", ")), fields }
    }
}

fn collect_field_errors(prefix: &str, errors: &ValidationErrors, out: &mut FieldErrors) {
    for (field, kind) in errors.errors() {
        let name = format!("{prefix}{}", to_camel_case(field));
        match kind {
            ValidationErrorsKind::Field(list) => {
                let messages = list.iter().map(describe).collect();
                out.insert(name, messages);
            }
            ValidationErrorsKind::Struct(inner) => collect_field_errors(&format!("{name}."), inner, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    collect_field_errors(&format!("{name}.{index}."), inner, out);
                }
            }
        }
    }
}

/// A person-readable message for one validator error.
pub fn describe(error: &validator::ValidationError) -> String {
    if let Some(message) = &error.message {
        return message.to_string();
    }
    let param = |name: &str| error.params.get(name).map(|v| v.to_string());
    match error.code.as_ref() {
        "length" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must be {min} to {max} characters long"),
            (Some(min), None) => format!("must be at least {min} characters long"),
            (None, Some(max)) => format!("must be at most {max} characters long"),
            (None, None) => "has the wrong length".into(),
        },
        "range" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max}"),
            (Some(min), None) => format!("must be at least {min}"),
            (None, Some(max)) => format!("must be at most {max}"),
            (None, None) => "is out of range".into(),
        },
        "email" => "must be a valid email address".into(),
        "url" => "must be a valid URL".into(),
        other => format!("is invalid ({other})"),
    }
}

fn to_camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for ch in snake.chars() {
        if ch == '_' {
            upper = true;
        } else if upper {
            out.extend(ch.to_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_field_names_become_graphql_names() {
        assert_eq!(to_camel_case("display_name"), "displayName");
        assert_eq!(to_camel_case("accepted_policy_version"), "acceptedPolicyVersion");
        assert_eq!(to_camel_case("email"), "email");
    }

    #[test]
    fn internal_errors_hide_their_detail() {
        let err = AppError::internal("SELECT * FROM users at /srv/app.rs");
        assert!(!err.message().contains("SELECT"));
        assert_eq!(err.code(), "INTERNAL");
    }
}
