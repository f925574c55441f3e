//! Errors on their way out of the API. The services' `AppError` knows
//! nothing of GraphQL; `ApiError` carries it to async-graphql and always sets
//! `extensions.code` (and the extensions each code promises).
use async_graphql::ErrorExtensions;
pub use service::error::{AppError, AppResult as ServiceResult, AppealPass, FieldErrors};

/// An `AppError` leaving a resolver.
#[derive(Debug, Clone)]
pub struct ApiError(pub AppError);

/// What resolvers return: `?` turns any service error into an `ApiError`.
pub type AppResult<T> = Result<T, ApiError>;

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        ApiError(err)
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        ApiError(err.into())
    }
}

impl From<validator::ValidationErrors> for ApiError {
    fn from(errors: validator::ValidationErrors) -> Self {
        ApiError(errors.into())
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        err.extend()
    }
}

impl ErrorExtensions for ApiError {
    fn extend(&self) -> async_graphql::Error {
        let ApiError(err) = self;
        if let AppError::Internal(detail) = err {
            tracing::error!(%detail, "internal error");
        }
        async_graphql::Error::new(err.message()).extend_with(|_, ext| {
            ext.set("code", err.code());
            match err {
                AppError::BadUserInput { fields, .. } => {
                    ext.set("fields", async_graphql::to_value(fields).unwrap_or_default());
                }
                AppError::RateLimited { retry_after_seconds, .. } => {
                    ext.set("retryAfterSeconds", *retry_after_seconds);
                }
                AppError::AccountSuspended { until, appeal } => {
                    ext.set("until", until.map(|t| t.to_rfc3339()));
                    if let Some(appeal) = appeal {
                        ext.set("caseId", appeal.case_id.map(|id| id.to_string()));
                        ext.set("appealToken", appeal.token.as_str());
                    }
                }
                AppError::AgeCheckRequired { pass: Some(pass) } => {
                    ext.set("ageCheckToken", pass.token.as_str());
                    ext.set("caseId", pass.case_id.map(|id| id.to_string()));
                    ext.set("submittedAt", pass.submitted_at.map(|t| t.to_rfc3339()));
                }
                AppError::KindnessNudge { words, suggestion } => {
                    ext.set("words", async_graphql::to_value(words).unwrap_or_default());
                    ext.set("suggestion", suggestion.as_str());
                }
                AppError::ScreenTimeLimitReached { used_minutes, limit_minutes, resets_at } => {
                    ext.set("usedMinutes", *used_minutes);
                    ext.set("limitMinutes", *limit_minutes);
                    ext.set("resetsAt", resets_at.to_rfc3339());
                }
                AppError::TimeAway { ends_at } => {
                    ext.set("endsAt", ends_at.to_rfc3339());
                }
                AppError::ConsentRequired(version) => {
                    ext.set("currentVersion", *version);
                }
                _ => {}
            }
        })
    }
}
