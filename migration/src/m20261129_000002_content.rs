//! Content, its tags, comments, follows, likes and interactions, with an
//! index for every lookup the feed and browse queries make.
use crate::prelude::*;
use crate::schema::*;

use crate::{cascade, index};

pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Tags {
    Table,
    Slug,
}

#[derive(DeriveIden)]
enum Contents {
    Table,
    Id,
    AuthorId,
    CampaignId,
    Title,
    Caption,
    Language,
    MediaUrl,
    DurationSeconds,
    Audience,
    Status,
    SearchText,
    ViewCount,
    LikeCount,
    CommentCount,
    ShareCount,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum ContentTags {
    Table,
    ContentId,
    TagSlug,
}

#[derive(DeriveIden)]
enum Comments {
    Table,
    Id,
    ContentId,
    AuthorId,
    Body,
    BodyFolded,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Follows {
    Table,
    FollowerId,
    FolloweeId,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Likes {
    Table,
    UserId,
    ContentId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Interactions {
    Table,
    Id,
    UserId,
    ContentId,
    Kind,
    WatchedMs,
    Query,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Contents::Table)
                    .col(uuid(Contents::Id).primary_key())
                    .col(uuid(Contents::AuthorId))
                    .col(uuid_null(Contents::CampaignId))
                    .col(string_len(Contents::Title, 480))
                    .col(text(Contents::Caption))
                    .col(string_len(Contents::Language, 8))
                    .col(string_len(Contents::MediaUrl, 2048))
                    .col(integer(Contents::DurationSeconds))
                    .col(string_len(Contents::Audience, 16))
                    .col(string_len(Contents::Status, 24))
                    .col(text(Contents::SearchText))
                    .col(integer(Contents::ViewCount).default(0))
                    .col(integer(Contents::LikeCount).default(0))
                    .col(integer(Contents::CommentCount).default(0))
                    .col(integer(Contents::ShareCount).default(0))
                    .col(timestamp_with_time_zone(Contents::CreatedAt))
                    .col(timestamp_with_time_zone(Contents::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Contents::DeletedAt))
                    .foreign_key(&mut cascade(Contents::AuthorId, Users::Table, Users::Id))
                    .foreign_key(
                        ForeignKey::create().from_col(Contents::CampaignId).to(Campaigns::Table, Campaigns::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for statement in [
            // Browsing newest first, and the feed's "fresh" candidates.
            index(
                "idx_contents_created",
                Contents::Table,
                vec![Contents::CreatedAt.into_iden(), Contents::Id.into_iden()],
                false,
            ),
            index(
                "idx_contents_author_created",
                Contents::Table,
                vec![Contents::AuthorId.into_iden(), Contents::CreatedAt.into_iden()],
                false,
            ),
            index(
                "idx_contents_campaign_created",
                Contents::Table,
                vec![Contents::CampaignId.into_iden(), Contents::CreatedAt.into_iden()],
                false,
            ),
            // The feed's "trending" candidates.
            index("idx_contents_likes", Contents::Table, vec![Contents::LikeCount.into_iden()], false),
        ] {
            manager.create_index(statement).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(ContentTags::Table)
                    .col(uuid(ContentTags::ContentId))
                    .col(string_len(ContentTags::TagSlug, 48))
                    .primary_key(Index::create().col(ContentTags::ContentId).col(ContentTags::TagSlug))
                    .foreign_key(&mut cascade(ContentTags::ContentId, Contents::Table, Contents::Id))
                    .foreign_key(ForeignKey::create().from_col(ContentTags::TagSlug).to(Tags::Table, Tags::Slug))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_content_tags_tag",
                ContentTags::Table,
                vec![ContentTags::TagSlug.into_iden(), ContentTags::ContentId.into_iden()],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Comments::Table)
                    .col(uuid(Comments::Id).primary_key())
                    .col(uuid(Comments::ContentId))
                    .col(uuid(Comments::AuthorId))
                    .col(string_len(Comments::Body, 2000))
                    .col(string_len(Comments::BodyFolded, 2000))
                    .col(timestamp_with_time_zone(Comments::CreatedAt))
                    .foreign_key(&mut cascade(Comments::ContentId, Contents::Table, Contents::Id))
                    .foreign_key(&mut cascade(Comments::AuthorId, Users::Table, Users::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_comments_content_created",
                Comments::Table,
                vec![Comments::ContentId.into_iden(), Comments::CreatedAt.into_iden()],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Follows::Table)
                    .col(uuid(Follows::FollowerId))
                    .col(uuid(Follows::FolloweeId))
                    .col(string_len(Follows::Status, 16))
                    .col(timestamp_with_time_zone(Follows::CreatedAt))
                    .col(timestamp_with_time_zone(Follows::UpdatedAt))
                    .primary_key(Index::create().col(Follows::FollowerId).col(Follows::FolloweeId))
                    .foreign_key(&mut cascade(Follows::FollowerId, Users::Table, Users::Id))
                    .foreign_key(&mut cascade(Follows::FolloweeId, Users::Table, Users::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_follows_followee",
                Follows::Table,
                vec![Follows::FolloweeId.into_iden(), Follows::Status.into_iden()],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Likes::Table)
                    .col(uuid(Likes::UserId))
                    .col(uuid(Likes::ContentId))
                    .col(timestamp_with_time_zone(Likes::CreatedAt))
                    .primary_key(Index::create().col(Likes::UserId).col(Likes::ContentId))
                    .foreign_key(&mut cascade(Likes::UserId, Users::Table, Users::Id))
                    .foreign_key(&mut cascade(Likes::ContentId, Contents::Table, Contents::Id))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Interactions::Table)
                    .col(uuid(Interactions::Id).primary_key())
                    .col(uuid(Interactions::UserId))
                    .col(uuid_null(Interactions::ContentId))
                    .col(string_len(Interactions::Kind, 16))
                    .col(integer_null(Interactions::WatchedMs))
                    .col(string_len_null(Interactions::Query, 400))
                    .col(timestamp_with_time_zone(Interactions::CreatedAt))
                    .foreign_key(&mut cascade(Interactions::UserId, Users::Table, Users::Id))
                    .foreign_key(&mut cascade(Interactions::ContentId, Contents::Table, Contents::Id))
                    .to_owned(),
            )
            .await?;
        for statement in [
            // A viewer's recent signals, and today's screen time.
            index(
                "idx_interactions_user_created",
                Interactions::Table,
                vec![Interactions::UserId.into_iden(), Interactions::CreatedAt.into_iden()],
                false,
            ),
            // "Has this viewer seen / dismissed this item?"
            index(
                "idx_interactions_user_content",
                Interactions::Table,
                vec![
                    Interactions::UserId.into_iden(),
                    Interactions::ContentId.into_iden(),
                    Interactions::Kind.into_iden(),
                ],
                false,
            ),
            index("idx_interactions_content", Interactions::Table, vec![Interactions::ContentId.into_iden()], false),
        ] {
            manager.create_index(statement).await?;
        }
        Ok(())
    }
}
