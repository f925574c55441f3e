//! Schema migrations, applied in order by `Migrator`. Written with sea-query so
//! each runs on SQLite and PostgreSQL; enums are plain strings, and foreign
//! keys are declared inside `create_table` because SQLite cannot add them later.
//!
//! Migrations only go forward: each runs in a transaction of its own with
//! the record that it ran, so a failed one leaves nothing behind, and a
//! schema is undone by restoring a backup, never by a `down` that would
//! drop what people wrote since. The runner is this crate's own (`runner`):
//! `sea-orm-migration` turned on every default feature of SeaORM for the
//! whole build, which cost a release build about a minute.
mod runner;
mod schema;

pub use runner::{MigrationState, Migrator};
pub use sea_orm::DbErr;

/// What every migration file uses.
mod prelude {
    pub use crate::runner::{MigrationTrait, SchemaManager};
    pub use sea_orm::sea_query::*;
    pub use sea_orm::{ConnectionTrait, DbErr, DeriveIden};
}

use prelude::*;

mod m20261129_000001_accounts;
mod m20261129_000002_content;
mod m20261129_000003_moderation;
mod m20261129_000004_family;
mod m20261129_000005_deletion;
mod m20261129_000006_login_failures;
mod m20261129_000007_safety;
mod m20261129_000008_weekends_and_wind_down;
mod m20261129_000009_campaign_surveys;
mod m20261130_000010_learned_tastes;
mod m20261206_000011_attempt_queue;
mod m20261206_000012_positive_signals;
mod m20261206_000013_notifications_in_both_languages;
mod m20261206_000014_moderation_tiers;
mod m20261206_000015_identity;
mod m20261206_000016_age_checks;
mod m20261206_000017_kind_words;
mod m20261206_000018_family_rules;
mod m20261206_000019_sealed_survey_inbox;
mod m20261206_000020_private_accounts_index;

/// An index over `cols`, unique or not.
fn index(name: &str, table: impl IntoIden, cols: Vec<DynIden>, unique: bool) -> IndexCreateStatement {
    let mut statement = Index::create();
    statement.name(name).table(table);
    for col in cols {
        statement.col(col);
    }
    if unique {
        statement.unique();
    }
    statement.to_owned()
}

/// A foreign key that deletes the row with its parent.
fn cascade(from: impl IntoIden, table: impl IntoIden, to: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create().from_col(from).to(table, to).on_delete(ForeignKeyAction::Cascade).to_owned()
}

/// A foreign key that keeps the row, nulled, when its parent goes.
fn set_null(from: impl IntoIden, table: impl IntoIden, to: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create().from_col(from).to(table, to).on_delete(ForeignKeyAction::SetNull).to_owned()
}

/// Every migration, in the order they run, each named after its module
/// (the name recorded in `seaql_migrations`).
macro_rules! in_order {
    ($($module:ident),* $(,)?) => {
        vec![$((stringify!($module), Box::new($module::Migration) as Box<dyn MigrationTrait>)),*]
    };
}

fn migrations() -> Vec<(&'static str, Box<dyn MigrationTrait>)> {
    in_order![
        m20261129_000001_accounts,
        m20261129_000002_content,
        m20261129_000003_moderation,
        m20261129_000004_family,
        m20261129_000005_deletion,
        m20261129_000006_login_failures,
        m20261129_000007_safety,
        m20261129_000008_weekends_and_wind_down,
        m20261129_000009_campaign_surveys,
        m20261130_000010_learned_tastes,
        m20261206_000011_attempt_queue,
        m20261206_000012_positive_signals,
        m20261206_000013_notifications_in_both_languages,
        m20261206_000014_moderation_tiers,
        m20261206_000015_identity,
        m20261206_000016_age_checks,
        m20261206_000017_kind_words,
        m20261206_000018_family_rules,
        m20261206_000019_sealed_survey_inbox,
        m20261206_000020_private_accounts_index,
    ]
}
