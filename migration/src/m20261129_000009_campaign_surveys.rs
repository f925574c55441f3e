//! Campaign surveys. Responses are stored apart from who gave them: the
//! respondent table, kept only to refuse a second response, has no link to
//! the response it allowed, so answers cannot be joined back to a person.
use crate::prelude::*;
use crate::schema::*;

use crate::{cascade, index};

pub struct Migration;

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Surveys {
    Table,
    Id,
    CampaignId,
    Wave,
    OpensAt,
    ClosesAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SurveyQuestions {
    Table,
    SurveyId,
    Position,
    Key,
    Kind,
    Measures,
    Text,
    TextVi,
}

#[derive(DeriveIden)]
enum SurveyResponses {
    Table,
    Id,
    SurveyId,
    RespondentGroup,
    SubmittedAt,
}

#[derive(DeriveIden)]
enum SurveyAnswers {
    Table,
    ResponseId,
    QuestionKey,
    Value,
}

#[derive(DeriveIden)]
enum SurveyRespondents {
    Table,
    CampaignId,
    Wave,
    KeyHash,
    UserId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Surveys::Table)
                    .col(uuid(Surveys::Id).primary_key())
                    .col(uuid(Surveys::CampaignId))
                    .col(string_len(Surveys::Wave, 8))
                    .col(timestamp_with_time_zone(Surveys::OpensAt))
                    .col(timestamp_with_time_zone(Surveys::ClosesAt))
                    .col(timestamp_with_time_zone(Surveys::CreatedAt))
                    .foreign_key(&mut cascade(Surveys::CampaignId, Campaigns::Table, Campaigns::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SurveyQuestions::Table)
                    .col(uuid(SurveyQuestions::SurveyId))
                    .col(integer(SurveyQuestions::Position))
                    .col(string_len(SurveyQuestions::Key, 40))
                    .col(string_len(SurveyQuestions::Kind, 16))
                    .col(string_len(SurveyQuestions::Measures, 24))
                    .col(text(SurveyQuestions::Text))
                    .col(text(SurveyQuestions::TextVi))
                    .primary_key(Index::create().col(SurveyQuestions::SurveyId).col(SurveyQuestions::Key))
                    .foreign_key(&mut cascade(SurveyQuestions::SurveyId, Surveys::Table, Surveys::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SurveyResponses::Table)
                    .col(uuid(SurveyResponses::Id).primary_key())
                    .col(uuid(SurveyResponses::SurveyId))
                    .col(string_len(SurveyResponses::RespondentGroup, 16))
                    .col(timestamp_with_time_zone(SurveyResponses::SubmittedAt))
                    .foreign_key(&mut cascade(SurveyResponses::SurveyId, Surveys::Table, Surveys::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SurveyAnswers::Table)
                    .col(uuid(SurveyAnswers::ResponseId))
                    .col(string_len(SurveyAnswers::QuestionKey, 40))
                    .col(integer(SurveyAnswers::Value))
                    .primary_key(Index::create().col(SurveyAnswers::ResponseId).col(SurveyAnswers::QuestionKey))
                    .foreign_key(&mut cascade(SurveyAnswers::ResponseId, SurveyResponses::Table, SurveyResponses::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SurveyRespondents::Table)
                    .col(uuid(SurveyRespondents::CampaignId))
                    .col(string_len(SurveyRespondents::Wave, 8))
                    .col(string_len(SurveyRespondents::KeyHash, 64))
                    .col(uuid_null(SurveyRespondents::UserId))
                    // Once per wave of a campaign, however many surveys it has.
                    .primary_key(
                        Index::create()
                            .col(SurveyRespondents::CampaignId)
                            .col(SurveyRespondents::Wave)
                            .col(SurveyRespondents::KeyHash),
                    )
                    .foreign_key(&mut cascade(SurveyRespondents::CampaignId, Campaigns::Table, Campaigns::Id))
                    // A purged account leaves its dedup row, anonymous.
                    .foreign_key(
                        ForeignKey::create()
                            .from_col(SurveyRespondents::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for statement in [
            index("idx_surveys_campaign", Surveys::Table, vec![Surveys::CampaignId.into_iden()], false),
            index(
                "idx_survey_responses_survey",
                SurveyResponses::Table,
                vec![SurveyResponses::SurveyId.into_iden()],
                false,
            ),
            index(
                "idx_survey_respondents_user",
                SurveyRespondents::Table,
                vec![
                    SurveyRespondents::CampaignId.into_iden(),
                    SurveyRespondents::Wave.into_iden(),
                    SurveyRespondents::UserId.into_iden(),
                ],
                true,
            ),
        ] {
            manager.create_index(statement).await?;
        }
        Ok(())
    }
}
