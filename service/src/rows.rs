//! Listings' rows and the signed-in caller read by position. sea-orm's
//! `FromQueryResult` looks every column up by its name, checks its type on
//! every row, and formats an error for every NULL that `Option` then drops:
//! two-fifths of the server's instructions for a page of twenty items with
//! their authors (docs/measurements.md). Here a row's columns are read in
//! their order; each column's name and type are checked the first time a
//! result reads it, and every later row of the result shares them.
use std::any::TypeId;

use chrono::{DateTime, NaiveDate, Utc};
use entity::user_settings::{Keywords, Setters, TimeWindows};
use entity::{content, user, user_settings};
use sea_orm::sea_query::{Alias, Expr, SelectStatement};
use sea_orm::sqlx::{self, Column as _, Decode, Row as _, Type, TypeInfo as _, postgres::Postgres, sqlite::Sqlite};
use sea_orm::{ActiveEnum, ColumnTrait, DbErr, QueryResult};
use uuid::Uuid;

/// Adds `columns` of a table to a statement, each named `prefix` + the
/// column, for `Columns::next` to read in that order.
pub(crate) fn with_columns<C: ColumnTrait>(
    query: &mut SelectStatement,
    columns: impl IntoIterator<Item = C>,
    prefix: &str,
) {
    for column in columns {
        query.expr_as(Expr::col((column.entity_name(), column)), Alias::new(format!("{prefix}{}", column.as_str())));
    }
}

/// Reads every row of a result with `read`, which takes each row's columns
/// in the order the statement lists them.
pub(crate) fn read_all<T>(
    rows: &[QueryResult],
    mut read: impl FnMut(&mut Columns<'_>) -> Result<T, DbErr>,
) -> Result<Vec<T>, DbErr> {
    let mut checked = Vec::new();
    rows.iter().map(|row| read(&mut Columns { row, next: 0, checked: &mut checked })).collect()
}

/// One row's columns, read from the first on.
pub(crate) struct Columns<'r> {
    row: &'r QueryResult,
    next: usize,
    /// For each column read so far in this result, the type its name and
    /// type were checked for.
    checked: &'r mut Vec<Option<TypeId>>,
}

impl Columns<'_> {
    /// The whole row, for columns read by name.
    pub(crate) fn row(&self) -> &QueryResult {
        self.row
    }

    /// The next column, which the statement must call `prefix` + `name`.
    pub(crate) fn next<T: Readable>(&mut self, prefix: &str, name: &str) -> Result<T, DbErr> {
        let index = self.next;
        self.next += 1;
        if self.checked.len() <= index {
            self.checked.resize(index + 1, None);
        }
        let check = self.checked[index] != Some(TypeId::of::<T>());
        if check {
            self.check_name(index, prefix, name)?;
        }
        let value = T::read(self.row, index, check)?;
        self.checked[index] = Some(TypeId::of::<T>());
        Ok(value)
    }

    fn check_name(&self, index: usize, prefix: &str, name: &str) -> Result<(), DbErr> {
        let found = if let Some(row) = self.row.try_as_pg_row() {
            row.try_column(index).map(|c| c.name().to_owned())
        } else if let Some(row) = self.row.try_as_sqlite_row() {
            row.try_column(index).map(|c| c.name().to_owned())
        } else {
            return Err(unsupported());
        };
        let found = found.map_err(|e| DbErr::Type(format!("column {index} ({prefix}{name}): {e}")))?;
        if found.strip_prefix(prefix) == Some(name) {
            Ok(())
        } else {
            Err(DbErr::Type(format!("column {index} is {found}, read as {prefix}{name}")))
        }
    }
}

fn unsupported() -> DbErr {
    DbErr::Type("rows are read from PostgreSQL and SQLite only".to_owned())
}

/// A type a column is read as, on both databases.
pub(crate) trait Readable: Sized + 'static {
    /// Column `index` of `row`; `check` when its type is yet to be checked.
    fn read(row: &QueryResult, index: usize, check: bool) -> Result<Self, DbErr>;
}

/// A value sqlx decodes on both databases. PostgreSQL's columns have one
/// type for the whole result: checked once, then decoded unchecked. SQLite's
/// values each have their own, so each is checked.
fn decoded<T>(row: &QueryResult, index: usize, check: bool) -> Result<T, DbErr>
where
    T: for<'v> Decode<'v, Postgres> + Type<Postgres> + for<'v> Decode<'v, Sqlite> + Type<Sqlite>,
{
    let failed = |e: sqlx::Error| DbErr::Type(format!("column {index}: {e}"));
    if let Some(row) = row.try_as_pg_row() {
        if check {
            let found = row.try_column(index).map_err(failed)?.type_info();
            if !<T as Type<Postgres>>::compatible(found) {
                let wanted = std::any::type_name::<T>();
                return Err(DbErr::Type(format!("column {index} is {}, read as {wanted}", found.name())));
            }
        }
        row.try_get_unchecked::<T, _>(index).map_err(failed)
    } else if let Some(row) = row.try_as_sqlite_row() {
        row.try_get::<T, _>(index).map_err(failed)
    } else {
        Err(unsupported())
    }
}

/// A column that may not be NULL. Read through `Option`: SQLite's decoders
/// would give a NULL as 0, "" or false.
fn present<T>(value: Option<T>, index: usize) -> Result<T, DbErr> {
    value.ok_or_else(|| DbErr::Type(format!("column {index} is NULL")))
}

macro_rules! readable {
    ($($ty:ty),* $(,)?) => {$(
        impl Readable for $ty {
            fn read(row: &QueryResult, index: usize, check: bool) -> Result<Self, DbErr> {
                present(decoded(row, index, check)?, index)
            }
        }
        impl Readable for Option<$ty> {
            fn read(row: &QueryResult, index: usize, check: bool) -> Result<Self, DbErr> {
                decoded(row, index, check)
            }
        }
    )*};
}

readable!(bool, i32, f64, String, Uuid, NaiveDate, DateTime<Utc>);

/// The entity's enums are stored as their string values.
macro_rules! readable_enum {
    ($($ty:ty),* $(,)?) => {$(
        impl Readable for $ty {
            fn read(row: &QueryResult, index: usize, check: bool) -> Result<Self, DbErr> {
                <$ty as ActiveEnum>::try_from_value(&present(decoded::<Option<String>>(row, index, check)?, index)?)
            }
        }
        impl Readable for Option<$ty> {
            fn read(row: &QueryResult, index: usize, check: bool) -> Result<Self, DbErr> {
                decoded::<Option<String>>(row, index, check)?
                    .map(|value| <$ty as ActiveEnum>::try_from_value(&value))
                    .transpose()
            }
        }
    )*};
}

readable_enum!(entity::Role, entity::VerificationKind, entity::Audience, entity::ContentStatus, entity::CommentPolicy);

/// JSON columns: `json` on PostgreSQL, text on SQLite.
macro_rules! readable_json {
    ($($ty:ty),* $(,)?) => {$(
        impl Readable for $ty {
            fn read(row: &QueryResult, index: usize, check: bool) -> Result<Self, DbErr> {
                Ok(present(decoded::<Option<sqlx::types::Json<$ty>>>(row, index, check)?, index)?.0)
            }
        }
        impl Readable for Option<$ty> {
            fn read(row: &QueryResult, index: usize, check: bool) -> Result<Self, DbErr> {
                Ok(decoded::<Option<sqlx::types::Json<$ty>>>(row, index, check)?.map(|json| json.0))
            }
        }
    )*};
}

readable_json!(TimeWindows, Keywords, Setters);

/// A model read from consecutive columns named `prefix` + each field's
/// name, in the order given: the struct literal names every field, so a
/// column added to the entity does not compile until it is read here.
macro_rules! read_model {
    ($columns:expr, $prefix:expr, $($model:ident)::+ { $($field:ident),* $(,)? }) => {
        Ok($($model)::+ { $($field: $columns.next($prefix, stringify!($field))?),* })
    };
}
pub(crate) use read_model;

/// A content item from the columns `Select<content::Entity>` lists, in the
/// entity's order, each named `prefix` + the column.
pub(crate) fn content(columns: &mut Columns<'_>, prefix: &str) -> Result<content::Model, DbErr> {
    read_model!(
        columns,
        prefix,
        content::Model {
            id,
            author_id,
            campaign_id,
            title,
            caption,
            language,
            media_url,
            duration_seconds,
            audience,
            status,
            search_text,
            view_count,
            like_count,
            comment_count,
            storm_told_at,
            share_count,
            created_at,
            updated_at,
            deleted_at,
        }
    )
}

/// A whole account from its columns in the entity's order, each named
/// `prefix` + the column: the caller's own (`auth::resolve_caller`).
pub(crate) fn user(columns: &mut Columns<'_>, prefix: &str) -> Result<user::Model, DbErr> {
    read_model!(
        columns,
        prefix,
        user::Model {
            id,
            handle,
            display_name,
            email,
            password_hash,
            birth_date,
            role,
            timezone,
            locale,
            verified,
            verified_kind,
            bio,
            handle_changed_at,
            handle_skeleton,
            name_skeleton,
            suspended_until,
            banned_at,
            age_check_required_at,
            created_at,
            updated_at,
            deleted_at,
        }
    )
}

/// An account's settings from their columns in the entity's order, each
/// named `prefix` + the column.
pub(crate) fn settings(columns: &mut Columns<'_>, prefix: &str) -> Result<user_settings::Model, DbErr> {
    read_model!(
        columns,
        prefix,
        user_settings::Model {
            user_id,
            private_account,
            personalized_feed,
            comment_policy,
            restricted_mode,
            daily_limit_minutes,
            weekend_limit_minutes,
            search_enabled,
            time_away,
            blocked_keywords,
            locked_by_guardian,
            filter_unkind,
            filter_keywords,
            comments_limited_until,
            updated_at,
            wind_down_dismissed_at,
            controls_set_by,
            former_guardian_id,
            guardian_left_at,
        }
    )
}

/// A public profile from its columns in `user::Profile::COLUMNS`' order,
/// each named `prefix` + the column (`content::with_author_columns`).
pub(crate) fn profile(columns: &mut Columns<'_>, prefix: &str) -> Result<user::Profile, DbErr> {
    read_model!(
        columns,
        prefix,
        user::Profile {
            id,
            handle,
            display_name,
            verified,
            verified_kind,
            bio,
            suspended_until,
            banned_at,
            age_check_required_at,
            created_at,
            deleted_at,
        }
    )
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};

    use super::*;

    /// SQLite in memory, and PostgreSQL when `TEST_DATABASE_URL` names one.
    async fn databases() -> Vec<DatabaseConnection> {
        let mut databases = vec![Database::connect("sqlite::memory:").await.unwrap()];
        if let Ok(url) = std::env::var("TEST_DATABASE_URL") {
            databases.push(Database::connect(url).await.unwrap());
        }
        databases
    }

    async fn rows(db: &DatabaseConnection, sql: &str) -> Vec<QueryResult> {
        db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap()
    }

    #[tokio::test]
    async fn columns_are_read_in_order_and_nulls_are_none() {
        for db in databases().await {
            let found = rows(&db, "SELECT 'a' AS t_name, NULL AS t_note UNION ALL SELECT 'b', 'seen'").await;
            let read = read_all(&found, |columns| {
                Ok((columns.next::<String>("t_", "name")?, columns.next::<Option<String>>("t_", "note")?))
            });
            assert_eq!(read.unwrap(), vec![("a".to_owned(), None), ("b".to_owned(), Some("seen".to_owned()))]);
        }
    }

    #[tokio::test]
    async fn a_column_read_under_another_name_is_refused() {
        for db in databases().await {
            let found = rows(&db, "SELECT 'a' AS title").await;
            let read = read_all(&found, |columns| columns.next::<String>("", "caption"));
            assert!(matches!(read, Err(DbErr::Type(ref e)) if e.contains("column 0 is title")), "{read:?}");
            let read = read_all(&found, |columns| columns.next::<String>("joined_", "title"));
            assert!(read.is_err(), "the prefix counts too");
        }
    }

    #[tokio::test]
    async fn a_column_read_as_another_type_is_refused_even_when_its_first_value_is_null() {
        for db in databases().await {
            let sql = match db.get_database_backend() {
                sea_orm::DatabaseBackend::Postgres => "SELECT NULL::integer AS n UNION ALL SELECT 5",
                _ => "SELECT NULL AS n UNION ALL SELECT 5",
            };
            let found = rows(&db, sql).await;
            let read = read_all(&found, |columns| columns.next::<Option<String>>("", "n"));
            assert!(matches!(read, Err(DbErr::Type(_))), "{read:?}");
            let read = read_all(&found, |columns| columns.next::<Option<i32>>("", "n"));
            assert_eq!(read.unwrap(), vec![None, Some(5)]);
            let read = read_all(&found, |columns| columns.next::<i32>("", "n"));
            assert!(matches!(read, Err(DbErr::Type(ref e)) if e.contains("NULL")), "a NULL is not a 0: {read:?}");
        }
    }

    #[tokio::test]
    async fn an_enum_column_is_read_from_its_stored_value() {
        for db in databases().await {
            let found = rows(&db, "SELECT 'REMOVED' AS status UNION ALL SELECT 'NOT_A_STATUS'").await;
            let read = read_all(&found[..1], |columns| columns.next::<entity::ContentStatus>("", "status"));
            assert_eq!(read.unwrap(), vec![entity::ContentStatus::Removed]);
            assert!(read_all(&found, |columns| columns.next::<entity::ContentStatus>("", "status")).is_err());
        }
    }
}
