//! Schema migrations, applied in order by `Migrator`. Written with sea-query so
//! each runs on SQLite and PostgreSQL; enums are plain strings, and foreign
//! keys are declared inside `create_table` because SQLite cannot add them later.
pub use sea_orm_migration::prelude::*;

mod m20261129_000001_accounts;
mod m20261129_000002_content;
mod m20261129_000003_moderation;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_accounts::Migration),
            Box::new(m20261129_000002_content::Migration),
            Box::new(m20261129_000003_moderation::Migration),
        ]
    }
}
