//! The GraphQL enums. The entities and services keep their own enums, free
//! of GraphQL; each one here mirrors one of them (`remote`), which derives the
//! conversions both ways, so a variant added there and not here fails to
//! compile.
use async_graphql::Enum;

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::Role")]
pub enum Role {
    User,
    Moderator,
    Admin,
    /// Reads the campaign's KPIs; nothing of moderation.
    Analyst,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::CommentPolicy")]
pub enum CommentPolicy {
    Everyone,
    Followers,
    Nobody,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::Pillar")]
pub enum Pillar {
    Learn,
    Discover,
    Connect,
    Laugh,
    Kindness,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::Audience")]
pub enum Audience {
    General,
    Mature,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::ContentStatus")]
pub enum ContentStatus {
    Published,
    HiddenPendingReview,
    Removed,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::ReportTargetType")]
pub enum ReportTargetType {
    Content,
    User,
    Comment,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::ReportReason")]
pub enum ReportReason {
    Spam,
    ScamFraud,
    Impersonation,
    BullyingHarassment,
    HateSpeech,
    ViolenceDangerousActs,
    SelfHarm,
    MinorSafety,
    NuditySexual,
    Misinformation,
    PrivacyViolation,
    IntellectualProperty,
    Other,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::ReportStatus")]
pub enum ReportStatus {
    Open,
    Actioned,
    Dismissed,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::CaseStatus")]
pub enum CaseStatus {
    Open,
    InReview,
    Escalated,
    Resolved,
    Appealed,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::ModerationAction")]
pub enum ModerationAction {
    Dismiss,
    RemoveContent,
    RestrictToAdults,
    WarnUser,
    SuspendUser,
    BanUser,
    Escalate,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::LinkStatus")]
pub enum LinkStatus {
    Active,
    Revoked,
    /// Waiting for an existing guardian's approval; no powers until then.
    Pending,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::TimeRequestStatus")]
pub enum TimeRequestStatus {
    Pending,
    Approved,
    Denied,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::AgeBand")]
pub enum AgeBand {
    #[graphql(name = "TEEN_13_15")]
    Teen13To15,
    #[graphql(name = "TEEN_16_17")]
    Teen16To17,
    Adult,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::service::feed::ReasonKind")]
pub enum FeedReasonKind {
    TagAffinity,
    FollowingAuthor,
    Trending,
    Campaign,
    Exploration,
    Fresh,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::SurveyWave")]
pub enum SurveyWave {
    Pre,
    Post,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::RespondentGroup")]
pub enum RespondentGroup {
    User,
    NonUser,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::QuestionKind")]
pub enum QuestionKind {
    /// 1..=9; 6–9 counts as trusting.
    #[graphql(name = "TRUST_9")]
    Trust9,
    /// 1..=5; 4–5 counts as agreeing.
    #[graphql(name = "AGREE_5")]
    Agree5,
    /// 0 or 1.
    YesNo,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::KpiKey")]
pub enum KpiKey {
    Trust,
    Relevance,
    Usefulness,
    AwareReporting,
    AwarePrivacy,
    AwareGuardian,
    AwareScreenTime,
}
