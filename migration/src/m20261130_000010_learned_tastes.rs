//! The feed's learned weights per viewer, tag and author, kept as signals
//! are recorded, learned afresh here from the interactions already on record.
use crate::prelude::*;
use crate::schema::*;

use crate::cascade;

pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Tags {
    Table,
    Slug,
}

#[derive(DeriveIden)]
enum TagTastes {
    Table,
    UserId,
    TagSlug,
    Fading,
    Lasting,
    Against,
    Searched,
}

#[derive(DeriveIden)]
enum AuthorTastes {
    Table,
    UserId,
    AuthorId,
    Fading,
    Lasting,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TagTastes::Table)
                    .col(uuid(TagTastes::UserId))
                    .col(string_len(TagTastes::TagSlug, 48))
                    .col(double(TagTastes::Fading))
                    .col(double(TagTastes::Lasting))
                    .col(double(TagTastes::Against))
                    .col(boolean(TagTastes::Searched))
                    .primary_key(Index::create().col(TagTastes::UserId).col(TagTastes::TagSlug))
                    .foreign_key(&mut cascade(TagTastes::UserId, Users::Table, Users::Id))
                    .foreign_key(&mut cascade(TagTastes::TagSlug, Tags::Table, Tags::Slug))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuthorTastes::Table)
                    .col(uuid(AuthorTastes::UserId))
                    .col(uuid(AuthorTastes::AuthorId))
                    .col(double(AuthorTastes::Fading))
                    .col(double(AuthorTastes::Lasting))
                    .primary_key(Index::create().col(AuthorTastes::UserId).col(AuthorTastes::AuthorId))
                    .foreign_key(&mut cascade(AuthorTastes::UserId, Users::Table, Users::Id))
                    .foreign_key(&mut cascade(AuthorTastes::AuthorId, Users::Table, Users::Id))
                    .to_owned(),
            )
            .await
        // The weights of interactions already on record are learned by a
        // start-up job (`feed::tastes::learn_what_is_missing`): a migration
        // only changes the schema, so it means the same whatever the feed
        // later learns.
    }
}
