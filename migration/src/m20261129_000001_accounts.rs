//! Accounts, sessions, consent and the campaign's reference data.
use crate::prelude::*;
use crate::schema::*;

pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Handle,
    DisplayName,
    Email,
    PasswordHash,
    BirthDate,
    Role,
    Timezone,
    Locale,
    Verified,
    SuspendedUntil,
    BannedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum UserSettings {
    Table,
    UserId,
    PrivateAccount,
    PersonalizedFeed,
    CommentPolicy,
    RestrictedMode,
    DailyLimitMinutes,
    SearchEnabled,
    TimeAway,
    BlockedKeywords,
    LockedByGuardian,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    SessionId,
    TokenHash,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PrivacyPolicies {
    Table,
    Version,
    PublishedAt,
    Summary,
    SummaryVi,
    Body,
    BodyVi,
}

#[derive(DeriveIden)]
enum Consents {
    Table,
    Id,
    UserId,
    Version,
    AcceptedAt,
}

#[derive(DeriveIden)]
enum SignupLockouts {
    Table,
    EmailHash,
    LockedUntil,
}

#[derive(DeriveIden)]
enum Tags {
    Table,
    Slug,
    Label,
    LabelVi,
    Pillar,
}

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    Id,
    Slug,
    Name,
    Hashtag,
    Tagline,
    StartsAt,
    EndsAt,
}

fn cascade_to(from: impl IntoIden, table: impl IntoIden, to: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create().from_col(from).to(table, to).on_delete(ForeignKeyAction::Cascade).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(uuid(Users::Id).primary_key())
                    .col(string_len_uniq(Users::Handle, 24))
                    .col(string_len(Users::DisplayName, 200))
                    .col(string_len_uniq(Users::Email, 320))
                    .col(string(Users::PasswordHash))
                    .col(date(Users::BirthDate))
                    .col(string_len(Users::Role, 16))
                    .col(string_len(Users::Timezone, 64))
                    .col(string_len(Users::Locale, 8))
                    .col(boolean(Users::Verified).default(false))
                    .col(timestamp_with_time_zone_null(Users::SuspendedUntil))
                    .col(timestamp_with_time_zone_null(Users::BannedAt))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(UserSettings::Table)
                    .col(uuid(UserSettings::UserId).primary_key())
                    .col(boolean(UserSettings::PrivateAccount))
                    .col(boolean(UserSettings::PersonalizedFeed))
                    .col(string_len(UserSettings::CommentPolicy, 16))
                    .col(boolean(UserSettings::RestrictedMode))
                    .col(integer_null(UserSettings::DailyLimitMinutes))
                    .col(boolean(UserSettings::SearchEnabled))
                    .col(json(UserSettings::TimeAway))
                    .col(json(UserSettings::BlockedKeywords))
                    .col(boolean(UserSettings::LockedByGuardian))
                    .col(timestamp_with_time_zone(UserSettings::UpdatedAt))
                    .foreign_key(&mut cascade_to(UserSettings::UserId, Users::Table, Users::Id))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(uuid(Sessions::Id).primary_key())
                    .col(uuid(Sessions::UserId))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone_null(Sessions::RevokedAt))
                    .foreign_key(&mut cascade_to(Sessions::UserId, Users::Table, Users::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_sessions_user").table(Sessions::Table).col(Sessions::UserId).to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RefreshTokens::Table)
                    .col(uuid(RefreshTokens::Id).primary_key())
                    .col(uuid(RefreshTokens::SessionId))
                    .col(string_len_uniq(RefreshTokens::TokenHash, 64))
                    .col(timestamp_with_time_zone(RefreshTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(RefreshTokens::UsedAt))
                    .col(timestamp_with_time_zone(RefreshTokens::CreatedAt))
                    .foreign_key(&mut cascade_to(RefreshTokens::SessionId, Sessions::Table, Sessions::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_refresh_tokens_session")
                    .table(RefreshTokens::Table)
                    .col(RefreshTokens::SessionId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PrivacyPolicies::Table)
                    .col(integer(PrivacyPolicies::Version).primary_key())
                    .col(timestamp_with_time_zone(PrivacyPolicies::PublishedAt))
                    .col(string_len(PrivacyPolicies::Summary, 2000))
                    .col(string_len(PrivacyPolicies::SummaryVi, 2000))
                    .col(text(PrivacyPolicies::Body))
                    .col(text(PrivacyPolicies::BodyVi))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Consents::Table)
                    .col(uuid(Consents::Id).primary_key())
                    .col(uuid(Consents::UserId))
                    .col(integer(Consents::Version))
                    .col(timestamp_with_time_zone(Consents::AcceptedAt))
                    .foreign_key(&mut cascade_to(Consents::UserId, Users::Table, Users::Id))
                    .foreign_key(
                        ForeignKey::create()
                            .from_col(Consents::Version)
                            .to(PrivacyPolicies::Table, PrivacyPolicies::Version),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_consents_user_version")
                    .table(Consents::Table)
                    .col(Consents::UserId)
                    .col(Consents::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SignupLockouts::Table)
                    .col(string_len(SignupLockouts::EmailHash, 64).primary_key())
                    .col(timestamp_with_time_zone(SignupLockouts::LockedUntil))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Tags::Table)
                    .col(string_len(Tags::Slug, 48).primary_key())
                    .col(string_len(Tags::Label, 80))
                    .col(string_len(Tags::LabelVi, 80))
                    .col(string_len(Tags::Pillar, 16))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Campaigns::Table)
                    .col(uuid(Campaigns::Id).primary_key())
                    .col(string_len_uniq(Campaigns::Slug, 64))
                    .col(string_len(Campaigns::Name, 120))
                    .col(string_len(Campaigns::Hashtag, 64))
                    .col(string_len(Campaigns::Tagline, 200))
                    .col(timestamp_with_time_zone(Campaigns::StartsAt))
                    .col(timestamp_with_time_zone(Campaigns::EndsAt))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
