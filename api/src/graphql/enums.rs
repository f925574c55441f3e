//! The GraphQL enums. The entities and services keep their own enums, free
//! of GraphQL; each one here mirrors one of them (`remote`), which derives the
//! conversions both ways, so a variant added there and not here fails to
//! compile.
use async_graphql::Enum;

/// What an account may do beyond using the app.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::Role")]
pub enum Role {
    /// A member of the community, with no staff powers.
    User,
    /// Works the moderation queue: claims and decides cases, reads the audit log.
    Moderator,
    /// Everything a moderator does, plus escalated cases, roles, privacy policies, campaigns, surveys and KPIs.
    Admin,
    /// Reads the campaign's KPIs; nothing of moderation.
    Analyst,
}

/// Who may comment on an account's content. Its author may always comment.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::CommentPolicy")]
pub enum CommentPolicy {
    /// Anyone signed in who can see the content.
    Everyone,
    /// Only accepted followers.
    Followers,
    /// Nobody but the author.
    Nobody,
}

/// The five content pillars; every tag belongs to one.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::Pillar")]
pub enum Pillar {
    /// Learning: study tips, languages, personal finance, health, science.
    Learn,
    /// Discovery: food, travel, news, DIY and crafts.
    Discover,
    /// Connection: family stories, community, Vietnamese culture.
    Connect,
    /// Laughter: comedy, dance, pets.
    Laugh,
    /// Kindness: volunteering, kind words, helping hands.
    Kindness,
}

/// Who a content item is meant for.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::Audience")]
pub enum Audience {
    /// Everyone, anonymous visitors and teens included.
    General,
    /// Adults only: shown to signed-in adults without restricted mode (and to its author).
    Mature,
}

/// Where a content item stands with moderation.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::ContentStatus")]
pub enum ContentStatus {
    /// Shown under the usual visibility rules.
    Published,
    /// Hidden automatically by reports until a moderator decides; only its author and moderators see it.
    HiddenPendingReview,
    /// Removed by a moderator; only its author and moderators see it.
    Removed,
}

/// What a report or a moderation case is about.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::ReportTargetType")]
pub enum ReportTargetType {
    /// A content item (a video).
    Content,
    /// An account.
    User,
    /// A comment.
    Comment,
}

/// Why something is reported. The most serious reason of a case counts most in its priority.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::ReportReason")]
pub enum ReportReason {
    /// Spam.
    Spam,
    /// A scam or fraud.
    ScamFraud,
    /// Pretending to be someone else.
    Impersonation,
    /// Bullying or harassment.
    BullyingHarassment,
    /// Hate speech.
    HateSpeech,
    /// Violence or dangerous acts.
    ViolenceDangerousActs,
    /// Self-harm. Reported content is hidden at once, pending review.
    SelfHarm,
    /// A risk to the safety of a minor. Reported content is hidden at once, pending review.
    MinorSafety,
    /// Nudity or sexual content.
    NuditySexual,
    /// Misinformation.
    Misinformation,
    /// A privacy violation.
    PrivacyViolation,
    /// An infringement of intellectual property.
    IntellectualProperty,
    /// Another reason; the report's `details` are then required.
    Other,
    /// A user who may be under 13 (USER targets only).
    UnderageUser,
}

/// What became of a report.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::ReportStatus")]
pub enum ReportStatus {
    /// Its case is not decided yet (an escalated case included).
    Open,
    /// Its case was decided with an action other than DISMISS.
    Actioned,
    /// Its case was dismissed: no breach found.
    Dismissed,
}

/// Where a moderation case is in the workflow.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::CaseStatus")]
pub enum CaseStatus {
    /// Waiting for a moderator; a case whose claim lapsed is open again.
    Open,
    /// Claimed by a moderator, for 10 minutes from the claim.
    InReview,
    /// Handed to the admins; only an admin can decide it.
    Escalated,
    /// Decided; see `resolution`.
    Resolved,
    /// The affected user appealed the decision; a different moderator must decide the appeal.
    Appealed,
}

/// A moderator's decision on a case.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::ModerationAction")]
pub enum ModerationAction {
    /// No breach: the reports are dismissed and automatically hidden content is restored. On an appeal,
    /// reverses the decision (content restored, suspension or ban lifted).
    Dismiss,
    /// Removes the reported content or comment from every read path; not for accounts.
    RemoveContent,
    /// Makes the reported content MATURE (published again if it was hidden); for content only.
    RestrictToAdults,
    /// Warns the responsible account; automatically hidden content is restored.
    WarnUser,
    /// Suspends the responsible account for `suspendDays` (1..=365) and removes the reported item.
    SuspendUser,
    /// Bans the responsible account and removes the reported item.
    BanUser,
    /// Leaves the case undecided, ESCALATED, for an admin.
    Escalate,
    /// For accounts only: locks the account and hides its content until an admin decides its age check
    /// (`decideAgeCheck`). Its owner answers with the token that signing in gives.
    RequireAgeCheck,
}

/// The state of a guardian–teen link.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::LinkStatus")]
pub enum LinkStatus {
    /// In force: the guardian has their powers over the teen.
    Active,
    /// Ended: unlinked, refused, the teen turned 18 or the guardian deleted their account.
    Revoked,
    /// Waiting for an existing guardian's approval; no powers until then.
    Pending,
}

/// Where a request for more screen time stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::TimeRequestStatus")]
pub enum TimeRequestStatus {
    /// Waiting for a guardian's answer.
    Pending,
    /// Granted; see `grantedMinutes`.
    Approved,
    /// Refused.
    Denied,
}

/// An age group, from the birth date today in the user's time zone; it changes by itself on birthdays.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::AgeBand")]
pub enum AgeBand {
    /// 13 to 15: teen controls apply, and the feed carries a late-night wind-down prompt.
    #[graphql(name = "TEEN_13_15")]
    Teen13To15,
    /// 16 or 17: teen controls apply.
    #[graphql(name = "TEEN_16_17")]
    Teen16To17,
    /// 18 or older: no teen controls.
    Adult,
}

/// Why an item is in the feed.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::service::feed::ReasonKind")]
pub enum FeedReasonKind {
    /// It has a tag the viewer's own activity (watching, liking, searching) showed they like; `tag` names it.
    TagAffinity,
    /// Its author is someone the viewer follows.
    FollowingAuthor,
    /// Among the most popular tenth of the candidates, with at least one like.
    Trending,
    /// It is entered in a campaign.
    Campaign,
    /// Something outside the viewer's learned tastes, to widen the feed; `tag` names the new tag, if any.
    Exploration,
    /// Published less than 3 days ago.
    Fresh,
}

/// Which wave of a campaign's survey; the KPIs compare POST with PRE.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::SurveyWave")]
pub enum SurveyWave {
    /// The first wave: the baseline.
    Pre,
    /// The second wave, compared with PRE.
    Post,
}

/// The group a survey respondent counts in.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::RespondentGroup")]
pub enum RespondentGroup {
    /// Uses the app: signed in with an account at least 7 days old, or said `usesApp: true`.
    User,
    /// Everyone else.
    NonUser,
}

/// How a survey question is answered.
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

/// What a survey question measures.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::KpiKey")]
pub enum KpiKey {
    /// Trust in the app (TRUST_9 items), measured by the Trust Index.
    Trust,
    /// Finding content relevant to oneself (AGREE_5).
    Relevance,
    /// Finding content useful for daily life (AGREE_5).
    Usefulness,
    /// Knowing that one can report in the app (YES_NO).
    AwareReporting,
    /// Knowing the privacy features: downloading one's data, choosing who sees one's videos (YES_NO).
    AwarePrivacy,
    /// Knowing that parents can link with their teen's account (YES_NO).
    AwareGuardian,
    /// Knowing that the app can limit daily screen time (YES_NO).
    AwareScreenTime,
}
