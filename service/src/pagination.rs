//! Relay-style pages over keyset cursors: stable while rows are added,
//! because a cursor names a position (time, id), not an offset.
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::SelectStatement;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Select, Statement,
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

pub const DEFAULT_PAGE: u64 = 20;
pub const MAX_PAGE: u64 = 50;

/// `first` and `after`, checked.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub first: u64,
    pub after: Option<String>,
}

impl PageRequest {
    pub fn new(first: Option<i32>, after: Option<String>) -> AppResult<Self> {
        let first = match first {
            None => DEFAULT_PAGE,
            Some(n) if (1..=MAX_PAGE as i32).contains(&n) => n as u64,
            Some(_) => return Err(AppError::field("first", format!("must be between 1 and {MAX_PAGE}"))),
        };
        Ok(Self { first, after })
    }
}

pub struct Page<T> {
    pub items: Vec<(Cursor, T)>,
    pub has_next_page: bool,
}

impl<T> Page<T> {
    pub fn end_cursor(&self) -> Option<String> {
        self.items.last().map(|(cursor, _)| cursor.encode())
    }

    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(|(c, t)| (c, f(t))).collect(), has_next_page: self.has_next_page }
    }
}

/// An item's place in its list, encoded only when a client asks for it:
/// most pages show no cursor but the last one's.
#[derive(Debug, Clone, Copy)]
pub enum Cursor {
    /// In a list ordered by (time, id).
    Keyset(KeysetCursor),
    /// In a list ordered by a rank, then (time, id).
    Ranked(i64, KeysetCursor),
}

impl Cursor {
    /// What a client passes back as `after`.
    pub fn encode(&self) -> String {
        match self {
            Cursor::Keyset(position) => position.encode(),
            Cursor::Ranked(score, position) => format!("{score}.{}", position.encode()),
        }
    }
}

/// A position in a list ordered by (time, id).
#[derive(Debug, Clone, Copy)]
pub struct KeysetCursor {
    pub at: DateTime<Utc>,
    pub id: Uuid,
}

impl KeysetCursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}|{}", self.at.to_rfc3339(), self.id))
    }

    pub fn decode(cursor: &str) -> AppResult<Self> {
        let bad = || AppError::field("after", "is not a cursor from this list");
        let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?).map_err(|_| bad())?;
        let (at, id) = text.split_once('|').ok_or_else(bad)?;
        Ok(Self {
            at: DateTime::parse_from_rfc3339(at).map_err(|_| bad())?.with_timezone(&Utc),
            id: Uuid::parse_str(id).map_err(|_| bad())?,
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    NewestFirst,
    OldestFirst,
}

/// Entities listed by keyset: the (time, id) columns a page is ordered by.
pub trait Keyed: EntityTrait {
    const TIME: Self::Column;
    const ID: Self::Column;
    fn position(row: &Self::Model) -> KeysetCursor;
}

macro_rules! keyed {
    ($($entity:ident => $id_column:ident, $id_field:ident;)*) => {$(
        impl Keyed for entity::$entity::Entity {
            const TIME: Self::Column = entity::$entity::Column::CreatedAt;
            const ID: Self::Column = entity::$entity::Column::$id_column;
            fn position(row: &Self::Model) -> KeysetCursor {
                KeysetCursor { at: row.created_at, id: row.$id_field }
            }
        }
    )*};
}

keyed! {
    age_check => Id, id;
    content => Id, id;
    comment => Id, id;
    follow => FollowerId, follower_id;
    notification => Id, id;
    report => Id, id;
    moderation_event => Id, id;
    user => Id, id;
    verification_request => Id, id;
}

/// Cases are listed by when they were opened.
impl Keyed for entity::moderation_case::Entity {
    const TIME: Self::Column = entity::moderation_case::Column::OpenedAt;
    const ID: Self::Column = entity::moderation_case::Column::Id;
    fn position(row: &Self::Model) -> KeysetCursor {
        KeysetCursor { at: row.opened_at, id: row.id }
    }
}

/// One page of `select`, ordered by (time, id) in `direction`.
pub async fn keyset_page<E: Keyed>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    direction: Direction,
    page: &PageRequest,
) -> AppResult<Page<E::Model>> {
    let select = keyset_select(select, direction, page)?;
    let statement = limited(db.get_database_backend(), select.into_query(), page.first + 1);
    let rows = E::find().from_raw_sql(statement).all(db).await?;
    Ok(keyset_rows(rows, page, E::position))
}

/// `query` with its LIMIT written into the text rather than bound.
/// PostgreSQL plans a prepared statement once and for all (a generic plan)
/// only when it knows the limit; with a bound limit it re-plans the
/// statement on every execution, which cost more than running it. Pages
/// hold at most 50 items, so a statement has at most 50 texts. For plain
/// filtered selects only: the LIMIT goes last (no OFFSET, locks or windows).
pub fn limited(backend: DatabaseBackend, mut query: SelectStatement, limit: u64) -> Statement {
    query.reset_limit();
    let mut statement = backend.build(&query);
    statement.sql.push_str(&format!(" LIMIT {limit}"));
    statement
}

/// `select` from the page's cursor on, in `direction`; read one row more
/// than the page (`page.first + 1`): that row tells whether another follows.
pub fn keyset_select<E: Keyed>(select: Select<E>, direction: Direction, page: &PageRequest) -> AppResult<Select<E>> {
    let (time, id) = (E::TIME, E::ID);
    let mut select = select;
    if let Some(after) = &page.after {
        let cursor = KeysetCursor::decode(after)?;
        let after_position = match direction {
            Direction::NewestFirst => Condition::any()
                .add(time.lt(cursor.at))
                .add(Condition::all().add(time.eq(cursor.at)).add(id.lt(cursor.id))),
            Direction::OldestFirst => Condition::any()
                .add(time.gt(cursor.at))
                .add(Condition::all().add(time.eq(cursor.at)).add(id.gt(cursor.id))),
        };
        select = select.filter(after_position);
    }
    select = match direction {
        Direction::NewestFirst => select.order_by_desc(time).order_by_desc(id),
        Direction::OldestFirst => select.order_by_asc(time).order_by_asc(id),
    };
    Ok(select)
}

/// The page of rows read by `keyset_select`.
pub fn keyset_rows<T>(mut rows: Vec<T>, page: &PageRequest, position: impl Fn(&T) -> KeysetCursor) -> Page<T> {
    let has_next_page = rows.len() as u64 > page.first;
    rows.truncate(page.first as usize);
    let items = rows.into_iter().map(|row| (Cursor::Keyset(position(&row)), row)).collect();
    Page { items, has_next_page }
}

/// One page ordered by `rank` (highest first), then `time` and `id` (oldest
/// first): the moderation queue's order.
pub async fn ranked_page<E, C>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    rank: C,
    time: C,
    id: C,
    page: &PageRequest,
    key: impl Fn(&E::Model) -> (i64, KeysetCursor),
) -> AppResult<Page<E::Model>>
where
    E: EntityTrait,
    C: ColumnTrait + Copy,
{
    let mut select = select;
    if let Some(after) = &page.after {
        let bad = || AppError::field("after", "is not a cursor from this list");
        let (score, position) = after.split_once('.').ok_or_else(bad)?;
        let score: i64 = score.parse().map_err(|_| bad())?;
        let cursor = KeysetCursor::decode(position)?;
        select = select.filter(
            Condition::any().add(rank.lt(score)).add(
                Condition::all().add(rank.eq(score)).add(
                    Condition::any()
                        .add(time.gt(cursor.at))
                        .add(Condition::all().add(time.eq(cursor.at)).add(id.gt(cursor.id))),
                ),
            ),
        );
    }
    let mut rows = select.order_by_desc(rank).order_by_asc(time).order_by_asc(id).limit(page.first + 1).all(db).await?;
    let has_next_page = rows.len() as u64 > page.first;
    rows.truncate(page.first as usize);
    let items = rows
        .into_iter()
        .map(|row| {
            let (score, position) = key(&row);
            (Cursor::Ranked(score, position), row)
        })
        .collect();
    Ok(Page { items, has_next_page })
}
