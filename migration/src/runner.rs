//! Applies the migrations in order. Each pending one runs in a transaction
//! with the row that records it, so it is applied whole or not at all; on
//! PostgreSQL that transaction first takes an advisory lock and looks again,
//! so instances (or an operator's `api migrate`) starting together apply
//! each migration once, whoever comes first.
use std::collections::HashSet;
use std::time::{SystemTime, UNIX_EPOCH};

use sea_orm::sea_query::{
    Alias, ColumnDef, Expr, IndexCreateStatement, Order, Query, Table, TableAlterStatement, TableCreateStatement,
    TableDropStatement,
};
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr, Statement, StatementBuilder,
    TransactionTrait,
};

/// The table of applied migrations; its name and columns are the ones
/// `sea-orm-migration` used, so databases it migrated carry on.
const RECORDS: &str = "seaql_migrations";
/// Serialises migrating instances on PostgreSQL ("TFmigrat" in ASCII).
const MIGRATION_LOCK_KEY: i64 = 0x5446_6d69_6772_6174;

/// One step of the schema.
#[async_trait::async_trait]
pub trait MigrationTrait: Send + Sync {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr>;
}

/// A migration's statements, inside its transaction.
pub struct SchemaManager<'t> {
    txn: &'t DatabaseTransaction,
}

impl SchemaManager<'_> {
    /// The transaction, for statements written out in SQL.
    pub fn get_connection(&self) -> &DatabaseTransaction {
        self.txn
    }

    async fn run(&self, statement: &impl StatementBuilder) -> Result<(), DbErr> {
        self.txn.execute(statement).await.map(|_| ())
    }

    pub async fn create_table(&self, statement: TableCreateStatement) -> Result<(), DbErr> {
        self.run(&statement).await
    }

    pub async fn alter_table(&self, statement: TableAlterStatement) -> Result<(), DbErr> {
        self.run(&statement).await
    }

    pub async fn drop_table(&self, statement: TableDropStatement) -> Result<(), DbErr> {
        self.run(&statement).await
    }

    pub async fn create_index(&self, statement: IndexCreateStatement) -> Result<(), DbErr> {
        self.run(&statement).await
    }
}

/// A migration and when it was applied (seconds since the Unix epoch), if
/// it was. `known` is false for one the database records but this build
/// does not have: a newer build applied it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationState {
    pub name: String,
    pub applied_at: Option<i64>,
    pub known: bool,
}

pub struct Migrator;

impl Migrator {
    /// Applies every pending migration; returns how many it applied. A
    /// database that records a migration this build does not know was
    /// migrated by a newer build, and is refused.
    pub async fn up(db: &DatabaseConnection) -> Result<usize, DbErr> {
        install(db).await?;
        let before = recorded(db).await?;
        known_only(&before)?;
        let names: HashSet<&str> = before.iter().map(|(name, _)| name.as_str()).collect();
        let mut applied = 0;
        for (name, migration) in crate::migrations() {
            if names.contains(name) {
                continue;
            }
            let txn = locked(db).await?;
            if recorded(&txn).await?.iter().any(|(done, _)| done == name) {
                txn.rollback().await?;
                continue;
            }
            migration.up(&SchemaManager { txn: &txn }).await?;
            record(&txn, name).await?;
            txn.commit().await?;
            tracing::info!(migration = name, "applied a migration");
            applied += 1;
        }
        Ok(applied)
    }

    /// Every migration of this build in order, applied or pending, then any
    /// the database records that this build does not know. Only reads: a
    /// database without the table of records has every migration pending.
    pub async fn status(db: &DatabaseConnection) -> Result<Vec<MigrationState>, DbErr> {
        let recorded = if has_records(db).await? { recorded(db).await? } else { Vec::new() };
        let mut states: Vec<MigrationState> = crate::migrations()
            .into_iter()
            .map(|(name, _)| MigrationState {
                name: name.to_owned(),
                applied_at: recorded.iter().find(|(done, _)| done == name).map(|(_, at)| *at),
                known: true,
            })
            .collect();
        let unknown: Vec<MigrationState> = recorded
            .into_iter()
            .filter(|(name, _)| !states.iter().any(|state| &state.name == name))
            .map(|(name, at)| MigrationState { name, applied_at: Some(at), known: false })
            .collect();
        states.extend(unknown);
        Ok(states)
    }
}

/// Whether the table of records exists.
async fn has_records(db: &DatabaseConnection) -> Result<bool, DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => format!("SELECT to_regclass('{RECORDS}') IS NOT NULL AS present"),
        _ => format!("SELECT count(*) > 0 AS present FROM sqlite_master WHERE type = 'table' AND name = '{RECORDS}'"),
    };
    let row = db.query_one_raw(Statement::from_string(backend, sql)).await?;
    Ok(row.map(|row| row.try_get::<bool>("", "present")).transpose()?.unwrap_or(false))
}

/// A transaction that, on PostgreSQL, holds the migration lock until it ends.
async fn locked(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let txn = db.begin().await?;
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")).await?;
    }
    Ok(txn)
}

/// Creates the table of records if it is missing, under the lock: two
/// `CREATE TABLE IF NOT EXISTS` at once can collide on PostgreSQL.
async fn install(db: &DatabaseConnection) -> Result<(), DbErr> {
    let txn = locked(db).await?;
    let statement = Table::create()
        .table(Alias::new(RECORDS))
        .if_not_exists()
        .col(ColumnDef::new(Alias::new("version")).string().not_null().primary_key())
        .col(ColumnDef::new(Alias::new("applied_at")).big_integer().not_null())
        .to_owned();
    txn.execute(&statement).await?;
    txn.commit().await
}

async fn recorded(db: &impl ConnectionTrait) -> Result<Vec<(String, i64)>, DbErr> {
    let query = Query::select()
        .columns([Alias::new("version"), Alias::new("applied_at")])
        .from(Alias::new(RECORDS))
        .order_by(Alias::new("version"), Order::Asc)
        .to_owned();
    db.query_all(&query)
        .await?
        .iter()
        .map(|row| Ok((row.try_get::<String>("", "version")?, row.try_get::<i64>("", "applied_at")?)))
        .collect()
}

fn known_only(recorded: &[(String, i64)]) -> Result<(), DbErr> {
    let known: HashSet<&str> = crate::migrations().into_iter().map(|(name, _)| name).collect();
    match recorded.iter().find(|(name, _)| !known.contains(name.as_str())) {
        Some((unknown, _)) => Err(DbErr::Migration(format!(
            "the database has migration {unknown}, which this build does not know: a newer build migrated it"
        ))),
        None => Ok(()),
    }
}

async fn record(txn: &DatabaseTransaction, name: &str) -> Result<(), DbErr> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_secs());
    let statement = Query::insert()
        .into_table(Alias::new(RECORDS))
        .columns([Alias::new("version"), Alias::new("applied_at")])
        .values([Expr::val(name), Expr::val(i64::try_from(now).unwrap_or(i64::MAX))])
        .map_err(|err| DbErr::Custom(err.to_string()))?
        .to_owned();
    txn.execute(&statement).await.map(|_| ())
}
