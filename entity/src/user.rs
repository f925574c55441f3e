use sea_orm::entity::prelude::*;

use crate::{Role, VerificationKind};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Lower-case; unique.
    #[sea_orm(unique)]
    pub handle: String,
    pub display_name: String,
    /// Lower-case; unique.
    #[sea_orm(unique)]
    pub email: String,
    pub password_hash: String,
    pub birth_date: Date,
    pub role: Role,
    pub timezone: String,
    pub locale: String,
    pub verified: bool,
    /// What the badge says the account is; None unless `verified`.
    pub verified_kind: Option<VerificationKind>,
    /// 0..=160 characters.
    pub bio: Option<String>,
    /// The last handle change (at most one per 30 days).
    pub handle_changed_at: Option<DateTimeUtc>,
    /// `text::skeleton` of the handle and of the display name: look-alikes
    /// share them. None until the server fills them in at start (accounts
    /// made before they were kept).
    pub handle_skeleton: Option<String>,
    pub name_skeleton: Option<String>,
    pub suspended_until: Option<DateTimeUtc>,
    pub banned_at: Option<DateTimeUtc>,
    /// Set by a `REQUIRE_AGE_CHECK` decision: the account is locked, and its
    /// content hidden, until an admin decides its age check.
    pub age_check_required_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Set by `deleteAccount`; the account is purged 30 days later unless
    /// its owner signs in again.
    pub deleted_at: Option<DateTimeUtc>,
}

/// What others may be shown of an account, and its standing (locked or
/// gone). Content listings, the feed and the profile loader read this and
/// never the email, the password hash or the birth date: a public `User`
/// cannot show what it does not hold, and a page's authors read half the
/// columns.
#[derive(Clone, Debug, PartialEq, Eq, DerivePartialModel)]
#[sea_orm(entity = "Entity")]
pub struct Profile {
    pub id: Uuid,
    pub handle: String,
    pub display_name: String,
    pub verified: bool,
    pub verified_kind: Option<VerificationKind>,
    pub bio: Option<String>,
    pub suspended_until: Option<DateTimeUtc>,
    pub banned_at: Option<DateTimeUtc>,
    pub age_check_required_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
}

impl Profile {
    /// The columns a profile is read from, in its fields' order.
    pub const COLUMNS: [Column; 11] = [
        Column::Id,
        Column::Handle,
        Column::DisplayName,
        Column::Verified,
        Column::VerifiedKind,
        Column::Bio,
        Column::SuspendedUntil,
        Column::BannedAt,
        Column::AgeCheckRequiredAt,
        Column::CreatedAt,
        Column::DeletedAt,
    ];
}

impl From<&Model> for Profile {
    fn from(account: &Model) -> Self {
        Self {
            id: account.id,
            handle: account.handle.clone(),
            display_name: account.display_name.clone(),
            verified: account.verified,
            verified_kind: account.verified_kind,
            bio: account.bio.clone(),
            suspended_until: account.suspended_until,
            banned_at: account.banned_at,
            age_check_required_at: account.age_check_required_at,
            created_at: account.created_at,
            deleted_at: account.deleted_at,
        }
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_one = "super::user_settings::Entity")]
    Settings,
    #[sea_orm(has_many = "super::session::Entity")]
    Sessions,
    #[sea_orm(has_many = "super::consent::Entity")]
    Consents,
}

impl Related<super::user_settings::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Settings.def()
    }
}

impl Related<super::session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Sessions.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

#[cfg(test)]
mod tests {
    use sea_orm::{DbBackend, PartialModelTrait, QuerySelect, QueryTrait};

    use super::*;

    /// The listings join an author's `Profile::COLUMNS` and read them in the
    /// fields' order (`service::rows::profile`): they must be the partial
    /// model's own selection, in its order, with nothing added.
    #[test]
    fn profile_columns_are_the_partial_models_own_selection() {
        let derived = Profile::select_cols(Entity::find().select_only()).build(DbBackend::Postgres).to_string();
        let listed = Profile::COLUMNS
            .iter()
            .fold(Entity::find().select_only(), |select, column| select.column_as(*column, column.as_str()))
            .build(DbBackend::Postgres)
            .to_string();
        assert_eq!(listed, derived);
    }
}
