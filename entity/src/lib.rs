//! SeaORM entities: one module per table. Enums are stored as strings so the
//! same schema works on SQLite and PostgreSQL.

pub mod age_check;
pub mod attempt;
pub mod author_taste;
pub mod campaign;
pub mod comment;
pub mod comment_block;
pub mod consent;
pub mod content;
pub mod content_tag;
pub mod enums;
pub mod family_link;
pub mod follow;
pub mod interaction;
pub mod like;
pub mod moderation_case;
pub mod moderation_event;
pub mod notification;
pub mod nudge;
pub mod pairing_attempt;
pub mod pairing_code;
pub mod privacy_policy;
pub mod refresh_token;
pub mod report;
pub mod session;
pub mod signup_lockout;
pub mod survey;
pub mod survey_answer;
pub mod survey_inbox;
pub mod survey_question;
pub mod survey_respondent;
pub mod survey_response;
pub mod tag;
pub mod tag_taste;
pub mod time_request;
pub mod user;
pub mod user_settings;
pub mod verification_request;
pub mod verified_name;

pub use enums::{
    AgeCheckStatus, Audience, CaseStatus, CommentPolicy, ContentStatus, FollowState, InteractionKind, KpiKey,
    LinkStatus, ModerationAction, NudgeOutcome, Pillar, QuestionKind, ReportReason, ReportStatus, ReportTargetType,
    RespondentGroup, Role, SurveyWave, TimeRequestStatus, VerificationKind, VerificationStatus,
};
