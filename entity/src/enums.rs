use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Role {
    #[sea_orm(string_value = "USER")]
    User,
    #[sea_orm(string_value = "MODERATOR")]
    Moderator,
    #[sea_orm(string_value = "ADMIN")]
    Admin,
    /// Reads the campaign's KPIs; nothing of moderation.
    #[sea_orm(string_value = "ANALYST")]
    Analyst,
}

impl Role {
    /// Moderators and admins work the moderation queue.
    pub fn moderates(self) -> bool {
        matches!(self, Role::Moderator | Role::Admin)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum CommentPolicy {
    #[sea_orm(string_value = "EVERYONE")]
    Everyone,
    #[sea_orm(string_value = "FOLLOWERS")]
    Followers,
    #[sea_orm(string_value = "NOBODY")]
    Nobody,
}

impl CommentPolicy {
    /// Higher is stricter; used to tell tightening from loosening.
    pub fn strictness(self) -> u8 {
        match self {
            CommentPolicy::Everyone => 0,
            CommentPolicy::Followers => 1,
            CommentPolicy::Nobody => 2,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Pillar {
    #[sea_orm(string_value = "LEARN")]
    Learn,
    #[sea_orm(string_value = "DISCOVER")]
    Discover,
    #[sea_orm(string_value = "CONNECT")]
    Connect,
    #[sea_orm(string_value = "LAUGH")]
    Laugh,
    #[sea_orm(string_value = "KINDNESS")]
    Kindness,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Audience {
    #[sea_orm(string_value = "GENERAL")]
    General,
    #[sea_orm(string_value = "MATURE")]
    Mature,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum ContentStatus {
    #[sea_orm(string_value = "PUBLISHED")]
    Published,
    #[sea_orm(string_value = "HIDDEN_PENDING_REVIEW")]
    HiddenPendingReview,
    #[sea_orm(string_value = "REMOVED")]
    Removed,
}

/// Everything the feed learns from. `Search` is recorded by searching, not
/// sent as an interaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum InteractionKind {
    #[sea_orm(string_value = "VIEW")]
    View,
    #[sea_orm(string_value = "LIKE")]
    Like,
    #[sea_orm(string_value = "UNLIKE")]
    Unlike,
    #[sea_orm(string_value = "SHARE")]
    Share,
    #[sea_orm(string_value = "SWIPE_AWAY")]
    SwipeAway,
    #[sea_orm(string_value = "NOT_INTERESTED")]
    NotInterested,
    #[sea_orm(string_value = "SEARCH")]
    Search,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum FollowState {
    #[sea_orm(string_value = "REQUESTED")]
    Requested,
    #[sea_orm(string_value = "ACCEPTED")]
    Accepted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ReportTargetType {
    #[sea_orm(string_value = "CONTENT")]
    Content,
    #[sea_orm(string_value = "USER")]
    User,
    #[sea_orm(string_value = "COMMENT")]
    Comment,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum ReportReason {
    #[sea_orm(string_value = "SPAM")]
    Spam,
    #[sea_orm(string_value = "SCAM_FRAUD")]
    ScamFraud,
    #[sea_orm(string_value = "IMPERSONATION")]
    Impersonation,
    #[sea_orm(string_value = "BULLYING_HARASSMENT")]
    BullyingHarassment,
    #[sea_orm(string_value = "HATE_SPEECH")]
    HateSpeech,
    #[sea_orm(string_value = "VIOLENCE_DANGEROUS_ACTS")]
    ViolenceDangerousActs,
    #[sea_orm(string_value = "SELF_HARM")]
    SelfHarm,
    #[sea_orm(string_value = "MINOR_SAFETY")]
    MinorSafety,
    #[sea_orm(string_value = "NUDITY_SEXUAL")]
    NuditySexual,
    #[sea_orm(string_value = "MISINFORMATION")]
    Misinformation,
    #[sea_orm(string_value = "PRIVACY_VIOLATION")]
    PrivacyViolation,
    #[sea_orm(string_value = "INTELLECTUAL_PROPERTY")]
    IntellectualProperty,
    #[sea_orm(string_value = "OTHER")]
    Other,
    #[sea_orm(string_value = "UNDERAGE_USER")]
    UnderageUser,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ReportStatus {
    #[sea_orm(string_value = "OPEN")]
    Open,
    #[sea_orm(string_value = "ACTIONED")]
    Actioned,
    #[sea_orm(string_value = "DISMISSED")]
    Dismissed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum CaseStatus {
    #[sea_orm(string_value = "OPEN")]
    Open,
    #[sea_orm(string_value = "IN_REVIEW")]
    InReview,
    #[sea_orm(string_value = "ESCALATED")]
    Escalated,
    #[sea_orm(string_value = "RESOLVED")]
    Resolved,
    #[sea_orm(string_value = "APPEALED")]
    Appealed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum ModerationAction {
    #[sea_orm(string_value = "DISMISS")]
    Dismiss,
    #[sea_orm(string_value = "REMOVE_CONTENT")]
    RemoveContent,
    #[sea_orm(string_value = "RESTRICT_TO_ADULTS")]
    RestrictToAdults,
    #[sea_orm(string_value = "WARN_USER")]
    WarnUser,
    #[sea_orm(string_value = "SUSPEND_USER")]
    SuspendUser,
    #[sea_orm(string_value = "BAN_USER")]
    BanUser,
    #[sea_orm(string_value = "ESCALATE")]
    Escalate,
    /// USER cases only: the account is locked until an admin confirms its age.
    #[sea_orm(string_value = "REQUIRE_AGE_CHECK")]
    RequireAgeCheck,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum LinkStatus {
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    #[sea_orm(string_value = "REVOKED")]
    Revoked,
    /// A second guardian the teen added, with no powers until an existing
    /// guardian approves them.
    #[sea_orm(string_value = "PENDING")]
    Pending,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum TimeRequestStatus {
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    #[sea_orm(string_value = "DENIED")]
    Denied,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
pub enum SurveyWave {
    #[sea_orm(string_value = "PRE")]
    Pre,
    #[sea_orm(string_value = "POST")]
    Post,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum RespondentGroup {
    #[sea_orm(string_value = "USER")]
    User,
    #[sea_orm(string_value = "NON_USER")]
    NonUser,
}

/// How a question is answered: 1..=9, 1..=5, or 0/1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum QuestionKind {
    #[sea_orm(string_value = "TRUST_9")]
    Trust9,
    #[sea_orm(string_value = "AGREE_5")]
    Agree5,
    #[sea_orm(string_value = "YES_NO")]
    YesNo,
}

/// What a question measures.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum KpiKey {
    #[sea_orm(string_value = "TRUST")]
    Trust,
    #[sea_orm(string_value = "RELEVANCE")]
    Relevance,
    #[sea_orm(string_value = "USEFULNESS")]
    Usefulness,
    #[sea_orm(string_value = "AWARE_REPORTING")]
    AwareReporting,
    #[sea_orm(string_value = "AWARE_PRIVACY")]
    AwarePrivacy,
    #[sea_orm(string_value = "AWARE_GUARDIAN")]
    AwareGuardian,
    #[sea_orm(string_value = "AWARE_SCREEN_TIME")]
    AwareScreenTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum VerificationKind {
    #[sea_orm(string_value = "CREATOR")]
    Creator,
    #[sea_orm(string_value = "ORGANISATION")]
    Organisation,
    #[sea_orm(string_value = "PUBLIC_FIGURE")]
    PublicFigure,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum VerificationStatus {
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    #[sea_orm(string_value = "DENIED")]
    Denied,
}

/// Where an age check stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum AgeCheckStatus {
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "CONFIRMED_ADULT")]
    ConfirmedAdult,
    #[sea_orm(string_value = "CONFIRMED_TEEN")]
    ConfirmedTeen,
    #[sea_orm(string_value = "UNDER_13")]
    Under13,
}

/// What someone did after a kindness nudge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum NudgeOutcome {
    /// Posted, within 10 minutes, a comment on the item that passes the check.
    #[sea_orm(string_value = "REWRITTEN")]
    Rewritten,
    /// Posted it as it was.
    #[sea_orm(string_value = "POSTED_ANYWAY")]
    PostedAnyway,
    /// Posted nothing on the item within 10 minutes.
    #[sea_orm(string_value = "WITHDRAWN")]
    Withdrawn,
}
