//! Reports on one target gather into one case.
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{CaseStatus, ModerationAction, ReportTargetType};

/// The target as it was when first reported, so deleting it erases no evidence.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Snapshot {
    pub title: Option<String>,
    pub caption: Option<String>,
    pub body: Option<String>,
    pub author_handle: Option<String>,
    pub author_display_name: Option<String>,
}

/// The queue's tiers: every case of tier 1 comes before any of tier 2, and
/// so on; age and reporters order a tier, never lift a case out of it.
pub const LOWEST_TIER: i32 = 3;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "moderation_cases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub target_type: ReportTargetType,
    pub target_id: Uuid,
    /// `target_id` while the case is undecided, null after: a unique index on
    /// it keeps one undecided case per target.
    pub active_target_id: Option<Uuid>,
    /// Who answers for the target: the content's or comment's author, or the user.
    pub target_user_id: Option<Uuid>,
    #[sea_orm(column_type = "Json")]
    pub snapshot: Snapshot,
    pub status: CaseStatus,
    /// Severity plus distinct reporters; age is added when read.
    pub priority_base: i32,
    /// 1 (a child's safety, self-harm) to 3: the queue's first key.
    pub tier: i32,
    /// `(3 − tier) × 10¹¹ + priority_base × 3600 − opened_at` in seconds:
    /// ordering by it puts every higher tier first, then higher priority,
    /// then older cases, without recomputing as cases age.
    pub queue_rank: i64,
    pub report_count: i32,
    /// `|REASON|REASON|`, so a reason filter is a portable LIKE.
    pub reasons: String,
    pub assignee_id: Option<Uuid>,
    pub claimed_until: Option<DateTimeUtc>,
    pub version: i32,
    pub resolution: Option<ModerationAction>,
    pub resolved_by: Option<Uuid>,
    pub auto_hidden: bool,
    pub appealed_at: Option<DateTimeUtc>,
    pub opened_at: DateTimeUtc,
    pub last_reported_at: DateTimeUtc,
    pub resolved_at: Option<DateTimeUtc>,
    /// The end of the suspension this case decided, for SUSPEND_USER.
    pub suspended_until: Option<DateTimeUtc>,
    /// The affected user's own words when appealing.
    #[sea_orm(column_type = "Text", nullable)]
    pub appeal_message: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
