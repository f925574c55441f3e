//! Nudges and their outcomes. A nudge waits for what its writer does on the
//! same item within 10 minutes: a comment that passes the check
//! (`REWRITTEN`), the same comment posted anyway (`POSTED_ANYWAY`), or
//! nothing (`WITHDRAWN`, settled by the maintenance loop).
use chrono::{DateTime, Duration, Utc};
use entity::{NudgeOutcome, nudge};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::Harm;
use crate::error::AppResult;

/// How long a nudge waits for its writer's next comment on the item.
pub const REWRITE_WINDOW: Duration = Duration::minutes(10);

/// Remembers a nudge shown: one per writer and item while it waits, so
/// the same comment tried again and again counts once in the figures.
pub(crate) async fn record(
    db: &impl ConnectionTrait,
    user: Uuid,
    content: Uuid,
    words: &[String],
    now: DateTime<Utc>,
) -> AppResult<()> {
    let waiting = nudge::Entity::find()
        .filter(nudge::Column::UserId.eq(user))
        .filter(nudge::Column::ContentId.eq(content))
        .filter(nudge::Column::Outcome.is_null())
        .filter(nudge::Column::CreatedAt.gt(now - REWRITE_WINDOW))
        .one(db)
        .await?;
    if waiting.is_some() {
        return Ok(());
    }
    let words: String = words.join(", ").chars().take(500).collect();
    nudge::Entity::insert(nudge::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user),
        content_id: Set(content),
        words: Set(words),
        outcome: Set(None),
        created_at: Set(now),
        settled_at: Set(None),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// A comment was posted on `content`: the writer's nudges on it still
/// waiting are settled by it.
pub(crate) async fn settle_by_comment(
    db: &impl ConnectionTrait,
    user: Uuid,
    content: Uuid,
    posted_anyway: bool,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let outcome = if posted_anyway { NudgeOutcome::PostedAnyway } else { NudgeOutcome::Rewritten };
    nudge::Entity::update_many()
        .col_expr(nudge::Column::Outcome, Expr::value(outcome))
        .col_expr(nudge::Column::SettledAt, Expr::value(now))
        .filter(nudge::Column::UserId.eq(user))
        .filter(nudge::Column::ContentId.eq(content))
        .filter(nudge::Column::Outcome.is_null())
        .filter(nudge::Column::CreatedAt.gt(now - REWRITE_WINDOW))
        .exec(db)
        .await?;
    Ok(())
}

/// Nudges nothing followed within 10 minutes were withdrawn; the
/// maintenance loop calls this. Returns how many it settled.
pub async fn settle_withdrawn(db: &impl ConnectionTrait, now: DateTime<Utc>) -> AppResult<u64> {
    let cutoff = now - REWRITE_WINDOW;
    let settled = nudge::Entity::update_many()
        .col_expr(nudge::Column::Outcome, Expr::value(NudgeOutcome::Withdrawn))
        .col_expr(nudge::Column::SettledAt, Expr::value(now))
        .filter(nudge::Column::Outcome.is_null())
        .filter(nudge::Column::CreatedAt.lte(cutoff))
        .exec(db)
        .await?;
    Ok(settled.rows_affected)
}

/// A warm suggestion in the writer's language, for the harm found.
pub fn suggestion(harm: Harm, vietnamese: bool) -> String {
    let (vi, en) = match harm {
        Harm::Insult => (
            "Lời nói có thể làm người khác buồn lâu hơn bạn nghĩ. Bạn thử nói điều mình chưa thích một cách nhẹ nhàng hơn nhé, ví dụ: “Mình nghĩ video sẽ hay hơn nếu…”",
            "Words can stay with someone longer than you think. Could you say what you didn't like more gently? For example: “I think this would be better if…”",
        ),
        Harm::BodyShaming => (
            "Ai cũng có những điều mình tự ti về ngoại hình. Hãy nói về nội dung video thay vì vẻ ngoài của người làm nhé.",
            "Everyone has something they feel unsure about in how they look. Could you talk about the video rather than the person's looks?",
        ),
        Harm::Slur => (
            "Từ này xúc phạm cả một nhóm người. Bạn có thể nói điều mình nghĩ mà không dùng nó không?",
            "That word hurts a whole group of people. Could you say what you think without it?",
        ),
        Harm::Threat => (
            "Câu này nghe như một lời đe dọa hoặc mong người khác gặp điều xấu. Nếu bạn đang bực, hãy nghỉ một chút rồi viết lại nhé.",
            "This reads like a threat, or wishing someone harm. If you're upset, take a moment and write it again.",
        ),
    };
    if vietnamese { vi.to_owned() } else { en.to_owned() }
}
