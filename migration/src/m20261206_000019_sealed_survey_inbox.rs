//! Survey responses wait here, sealed, until enough of them to the same
//! survey can be written together in shuffled order: nothing in the
//! database then ties a response to who gave it (API revision 3).
use crate::prelude::*;
use crate::schema::*;

use crate::cascade;

pub struct Migration;

#[derive(DeriveIden)]
enum SurveyInbox {
    Table,
    Id,
    SurveyId,
    Sealed,
}

#[derive(DeriveIden)]
enum Surveys {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SurveyInbox::Table)
                    .col(uuid(SurveyInbox::Id).primary_key())
                    .col(uuid(SurveyInbox::SurveyId))
                    .col(blob(SurveyInbox::Sealed))
                    .foreign_key(&mut cascade(SurveyInbox::SurveyId, Surveys::Table, Surveys::Id))
                    .to_owned(),
            )
            .await
    }
}
