//! Schema migrations, applied in order by `Migrator`. Written with sea-query so
//! each runs on SQLite and PostgreSQL; enums are plain strings, and foreign
//! keys are declared inside `create_table` because SQLite cannot add them later.
pub use sea_orm_migration::prelude::*;

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

/// Drops `tables` in the given order (children before parents).
async fn drop_tables(manager: &SchemaManager<'_>, tables: Vec<DynIden>) -> Result<(), DbErr> {
    for table in tables {
        manager.drop_table(Table::drop().table(table).to_owned()).await?;
    }
    Ok(())
}

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_accounts::Migration),
            Box::new(m20261129_000002_content::Migration),
            Box::new(m20261129_000003_moderation::Migration),
            Box::new(m20261129_000004_family::Migration),
            Box::new(m20261129_000005_deletion::Migration),
            Box::new(m20261129_000006_login_failures::Migration),
            Box::new(m20261129_000007_safety::Migration),
            Box::new(m20261129_000008_weekends_and_wind_down::Migration),
            Box::new(m20261129_000009_campaign_surveys::Migration),
            Box::new(m20261130_000010_learned_tastes::Migration),
            Box::new(m20261206_000011_attempt_queue::Migration),
            Box::new(m20261206_000012_positive_signals::Migration),
            Box::new(m20261206_000013_notifications_in_both_languages::Migration),
            Box::new(m20261206_000014_moderation_tiers::Migration),
            Box::new(m20261206_000015_identity::Migration),
            Box::new(m20261206_000016_age_checks::Migration),
            Box::new(m20261206_000017_kind_words::Migration),
            Box::new(m20261206_000018_family_rules::Migration),
            Box::new(m20261206_000019_sealed_survey_inbox::Migration),
        ]
    }
}
