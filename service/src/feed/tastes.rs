//! What the feed has learned of each viewer, kept as they go: a weight per
//! tag and per author, changed in the same transaction as every signal, so a
//! feed request reads a few rows instead of replaying the viewer's history.
//!
//! Signals fade, halving every two weeks; NOT_INTERESTED lasts. So that
//! adding a signal is a plain sum (concurrent signals need no lock and no
//! read), a fading weight `w` at time `t` is stored as
//! `w · 2^((t − EPOCH) / half-life)`, and the weight now is the stored sum
//! divided by `2^((now − EPOCH) / half-life)`. The scale doubles every two
//! weeks, 2^26 a year: `f64` holds it until the 2060s.
use entity::{author_taste, tag_taste};
use sea_orm::sea_query::OnConflict;
use sea_orm::{QuerySelect, Set};

use super::*;

/// When the scale of fading weights is 1.
const EPOCH_SECONDS: i64 = 1_704_067_200; // 2024-01-01T00:00:00Z

/// What one signal teaches: weights for the item's tags and its author.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Lesson {
    tag: f64,
    author: f64,
    lasting: bool,
}

impl Lesson {
    /// What an interaction with an item `duration_seconds` long teaches.
    pub(crate) fn of(kind: InteractionKind, watched_ms: Option<i32>, duration_seconds: i32) -> Self {
        let (tag, author) = signal_weight(kind, watched_ms, duration_seconds);
        Self { tag, author, lasting: kind == InteractionKind::NotInterested }
    }

    /// What the lesson, learned at `at`, adds to each of the item's tags.
    /// The weight against is kept apart too: it is the evidence behind a
    /// tag's approval, which the net weight hides.
    fn tag_weight(&self, at: DateTime<Utc>) -> TagWeight {
        TagWeight {
            net: self.split(self.tag, at),
            against: (-self.tag).max(0.0) * scale(at),
            searched: false,
            positive: i32::from(self.tag > 0.0),
        }
    }

    /// (fading, lasting) parts of `weight` learned at `at`.
    fn split(&self, weight: f64, at: DateTime<Utc>) -> (f64, f64) {
        if self.lasting { (0.0, weight) } else { (weight * scale(at), 0.0) }
    }
}

/// (tag weight, author weight) of one signal.
fn signal_weight(kind: InteractionKind, watched_ms: Option<i32>, duration_seconds: i32) -> (f64, f64) {
    match kind {
        InteractionKind::View => {
            let duration_ms = f64::from(std::cmp::max(duration_seconds, 1)) * 1000.0;
            let completion = (f64::from(watched_ms.unwrap_or(0)) / duration_ms).clamp(0.0, 1.0);
            // A watch to the end pulls up; leaving in the first 40% pushes down.
            let w = (completion - 0.4) * 2.0;
            (w, w * 0.5)
        }
        InteractionKind::Like => (1.5, 1.0),
        InteractionKind::Unlike => (-1.5, -1.0),
        InteractionKind::Share => (2.0, 1.0),
        InteractionKind::SwipeAway => (-0.7, -0.3),
        InteractionKind::NotInterested => (-4.0, -100.0),
        InteractionKind::Search => (SEARCH_WEIGHT, 0.0),
    }
}

/// What a search adds to each tag it names.
const SEARCH_WEIGHT: f64 = 1.5;

/// 2^((at − EPOCH) / half-life).
fn scale(at: DateTime<Utc>) -> f64 {
    let days = (at.timestamp() - EPOCH_SECONDS) as f64 / 86_400.0;
    (days / SIGNAL_HALF_LIFE_DAYS).exp2()
}

/// Learns from a viewer's interaction with an item by `author` tagged `tags`.
pub(crate) async fn learn(
    db: &impl ConnectionTrait,
    viewer: Uuid,
    lesson: Lesson,
    author: Uuid,
    tags: &[String],
    at: DateTime<Utc>,
) -> AppResult<()> {
    let tag_rows = tags.iter().map(|slug| (slug.clone(), lesson.tag_weight(at))).collect();
    add_tag_weights(db, viewer, tag_rows).await?;
    let (fading, lasting) = lesson.split(lesson.author, at);
    add_author_weights(db, viewer, vec![(author, fading, lasting)]).await
}

/// Learns from a search: the tags whose names its terms contain.
pub(crate) async fn learn_search(
    db: &impl ConnectionTrait,
    viewer: Uuid,
    terms: &[String],
    tags: &[tag::Model],
    at: DateTime<Utc>,
) -> AppResult<()> {
    let rows = searched_tags(terms, tags).map(|tag| (tag.slug.clone(), TagWeight::searched(at))).collect();
    add_tag_weights(db, viewer, rows).await
}

fn searched_tags<'a>(terms: &'a [String], tags: &'a [tag::Model]) -> impl Iterator<Item = &'a tag::Model> + 'a {
    tags.iter().filter(|tag| {
        let names = fold(&format!("{} {} {}", tag.slug.replace('-', " "), tag.label, tag.label_vi));
        terms.iter().any(|term| term.len() >= 3 && names.contains(term.as_str()))
    })
}

/// What one or more signals add to a viewer's weight for a tag.
#[derive(Debug, Clone, Copy, Default)]
struct TagWeight {
    /// (fading, lasting), net of the signals against.
    net: (f64, f64),
    /// Fading, the signals against alone.
    against: f64,
    searched: bool,
    /// How many signals were for the tag.
    positive: i32,
}

impl TagWeight {
    /// What a search at `at` adds to each tag it names.
    fn searched(at: DateTime<Utc>) -> Self {
        Self { net: (SEARCH_WEIGHT * scale(at), 0.0), against: 0.0, searched: true, positive: 1 }
    }
}

impl std::ops::AddAssign for TagWeight {
    fn add_assign(&mut self, other: Self) {
        self.net.0 += other.net.0;
        self.net.1 += other.net.1;
        self.against += other.against;
        self.searched |= other.searched;
        self.positive += other.positive;
    }
}

/// Adds to a viewer's weights for these tags.
async fn add_tag_weights(db: &impl ConnectionTrait, viewer: Uuid, rows: Vec<(String, TagWeight)>) -> AppResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let models = rows.into_iter().map(|(slug, weight)| tag_taste::ActiveModel {
        user_id: Set(viewer),
        tag_slug: Set(slug),
        fading: Set(weight.net.0),
        lasting: Set(weight.net.1),
        against: Set(weight.against),
        searched: Set(weight.searched),
        positive_signals: Set(weight.positive),
    });
    let upsert = OnConflict::columns([tag_taste::Column::UserId, tag_taste::Column::TagSlug])
        .value(tag_taste::Column::Fading, summed(tag_taste::Entity, "fading"))
        .value(tag_taste::Column::Lasting, summed(tag_taste::Entity, "lasting"))
        .value(tag_taste::Column::Against, summed(tag_taste::Entity, "against"))
        .value(tag_taste::Column::PositiveSignals, summed(tag_taste::Entity, "positive_signals"))
        .value(
            tag_taste::Column::Searched,
            Expr::col((tag_taste::Entity, tag_taste::Column::Searched)).or(Expr::cust("excluded.searched")),
        )
        .to_owned();
    tag_taste::Entity::insert_many(models).on_conflict(upsert).exec_without_returning(db).await?;
    Ok(())
}

/// Adds (author, fading, lasting) to a viewer's author weights.
async fn add_author_weights(db: &impl ConnectionTrait, viewer: Uuid, rows: Vec<(Uuid, f64, f64)>) -> AppResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let models = rows.into_iter().map(|(author, fading, lasting)| author_taste::ActiveModel {
        user_id: Set(viewer),
        author_id: Set(author),
        fading: Set(fading),
        lasting: Set(lasting),
    });
    let upsert = OnConflict::columns([author_taste::Column::UserId, author_taste::Column::AuthorId])
        .value(author_taste::Column::Fading, summed(author_taste::Entity, "fading"))
        .value(author_taste::Column::Lasting, summed(author_taste::Entity, "lasting"))
        .to_owned();
    author_taste::Entity::insert_many(models).on_conflict(upsert).exec_without_returning(db).await?;
    Ok(())
}

/// `table.column + excluded.column`: the stored weight plus the new one.
fn summed(table: impl sea_orm::sea_query::IntoIden, column: &'static str) -> Expr {
    Expr::col((table, Alias::new(column))).add(Expr::cust(format!("excluded.{column}")))
}

/// One learned tag weight; a row without a tag says that the viewer has
/// learned weights for authors too.
#[derive(Debug)]
struct Learned {
    tag_slug: Option<String>,
    fading: f64,
    lasting: f64,
    against: f64,
    positive_signals: i32,
    searched: bool,
}

/// The viewer's tag weights and, as one more row, whether they have any
/// author's. The authors' weights come with the candidates
/// (`CandidateQuery::fetch`): a long history holds hundreds of authors, a
/// page needs a few dozen.
fn learned(viewer: Uuid) -> SelectStatement {
    let mut tags = Query::select()
        .columns([
            tag_taste::Column::TagSlug,
            tag_taste::Column::Fading,
            tag_taste::Column::Lasting,
            tag_taste::Column::Against,
            tag_taste::Column::PositiveSignals,
            tag_taste::Column::Searched,
        ])
        .from(tag_taste::Entity)
        .and_where(Expr::col(tag_taste::Column::UserId).eq(viewer))
        .to_owned();
    let authors = Query::select()
        .column(author_taste::Column::AuthorId)
        .from(author_taste::Entity)
        .and_where(Expr::col(author_taste::Column::UserId).eq(viewer))
        .to_owned();
    let knows_authors = Query::select()
        .expr(Expr::val(Option::<String>::None))
        .exprs([Expr::val(0.0_f64), Expr::val(0.0_f64), Expr::val(0.0_f64)])
        .expr(Expr::val(0_i32))
        .expr(Expr::val(false))
        .and_where(Expr::exists(authors))
        .to_owned();
    tags.union(UnionType::All, knows_authors);
    tags
}

/// What a stored fading weight is multiplied by to be worth its value at `now`.
pub(super) fn fade(now: DateTime<Utc>) -> f64 {
    1.0 / scale(now)
}

/// The viewer's learned weights, as of `now`.
pub(super) async fn load(
    db: &impl ConnectionTrait,
    viewer: Uuid,
    tags: &[tag::Model],
    now: DateTime<Utc>,
) -> AppResult<Profile> {
    let fade = fade(now);
    let mut profile = Profile::default();
    // Read by position: the authors' row has a NULL, which sea-orm's
    // reading by name would format an error string for.
    let rows = db.query_all(&learned(viewer)).await?;
    let learned = crate::rows::read_all(&rows, |columns| {
        crate::rows::read_model!(
            columns,
            "",
            Learned { tag_slug, fading, lasting, against, positive_signals, searched }
        )
    })?;
    for row in learned {
        let Some(slug) = row.tag_slug else {
            profile.knows_authors = true;
            continue;
        };
        if row.searched {
            profile.searched.insert(slug.clone());
        }
        profile.against.insert(slug.clone(), row.against * fade);
        profile.positive.insert(slug.clone(), row.positive_signals);
        profile.tags.insert(slug, row.fading * fade + row.lasting);
    }
    // Strongest first, so each pillar keeps its strongest taste.
    for slug in profile.strongest_tags().iter().rev() {
        if let Some(tag) = tags.iter().find(|t| &t.slug == slug) {
            profile.taste_by_pillar.insert(tag.pillar, tag.clone());
        }
    }
    Ok(profile)
}

#[derive(Debug, FromQueryResult)]
struct Remembered {
    user_id: Uuid,
    kind: InteractionKind,
    watched_ms: Option<i32>,
    query: Option<String>,
    created_at: DateTime<Utc>,
    author_id: Option<Uuid>,
    duration_seconds: Option<i32>,
    tag_slugs: Option<String>,
}

/// A start-up job: when interactions are on record but no weights have been
/// learned (data written before the weights were kept), learns them.
/// Returns whether it did.
pub async fn learn_what_is_missing(db: &impl ConnectionTrait) -> AppResult<bool> {
    let learned = tag_taste::Entity::find().one(db).await?.is_some();
    let history = interaction::Entity::find().filter(interaction::Column::ContentId.is_not_null()).one(db).await?;
    if learned || history.is_none() {
        return Ok(false);
    }
    relearn_everyone(db).await?;
    Ok(true)
}

/// Learns every viewer's tastes afresh from the interactions on record.
/// Viewers are read a page at a time.
async fn relearn_everyone(db: &impl ConnectionTrait) -> AppResult<()> {
    let mut after: Option<Uuid> = None;
    loop {
        let mut viewers = interaction::Entity::find()
            .select_only()
            .column(interaction::Column::UserId)
            .distinct()
            .order_by_asc(interaction::Column::UserId)
            .limit(RELEARN_PAGE);
        if let Some(after) = after {
            viewers = viewers.filter(interaction::Column::UserId.gt(after));
        }
        let viewers: Vec<Uuid> = viewers.into_tuple().all(db).await?;
        let Some(last) = viewers.last().copied() else { return Ok(()) };
        relearn(db, &viewers).await?;
        after = Some(last);
    }
}

/// Learns these viewers' tastes afresh from their interactions on record,
/// for interactions written in bulk (the load command) or before the
/// weights were kept.
pub async fn relearn(db: &impl ConnectionTrait, viewers: &[Uuid]) -> AppResult<()> {
    tag_taste::Entity::delete_many().filter(tag_taste::Column::UserId.is_in(viewers.iter().copied())).exec(db).await?;
    author_taste::Entity::delete_many()
        .filter(author_taste::Column::UserId.is_in(viewers.iter().copied()))
        .exec(db)
        .await?;
    let tags = tag::Entity::find().all(db).await?;
    let backend = db.get_database_backend();
    let query = interaction::Entity::find()
        .select_only()
        .columns([
            interaction::Column::UserId,
            interaction::Column::Kind,
            interaction::Column::WatchedMs,
            interaction::Column::Query,
            interaction::Column::CreatedAt,
        ])
        .column_as(Expr::col((content::Entity, content::Column::AuthorId)), "author_id")
        .column_as(Expr::col((content::Entity, content::Column::DurationSeconds)), "duration_seconds")
        .expr_as(Expr::cust(tag_slugs(backend)), "tag_slugs")
        .join(JoinType::LeftJoin, interaction::Relation::Content.def())
        .filter(interaction::Column::UserId.is_in(viewers.iter().copied()))
        .into_query();
    let mut tag_rows: HashMap<Uuid, HashMap<String, TagWeight>> = HashMap::new();
    let mut author_rows: HashMap<Uuid, HashMap<Uuid, (f64, f64)>> = HashMap::new();
    for row in Remembered::find_by_statement(backend.build(&query)).all(db).await? {
        let lesson = Lesson::of(row.kind, row.watched_ms, row.duration_seconds.unwrap_or(1));
        let viewer_tags = tag_rows.entry(row.user_id).or_default();
        if row.kind == InteractionKind::Search {
            let terms = search_terms(row.query.as_deref().unwrap_or_default());
            for tag in searched_tags(&terms, &tags) {
                *viewer_tags.entry(tag.slug.clone()).or_default() += TagWeight::searched(row.created_at);
            }
            continue;
        }
        let Some(author) = row.author_id else { continue };
        let weight = lesson.tag_weight(row.created_at);
        for slug in row.tag_slugs.as_deref().unwrap_or_default().split(',').filter(|s| !s.is_empty()) {
            *viewer_tags.entry(slug.to_owned()).or_default() += weight;
        }
        let (fading, lasting) = lesson.split(lesson.author, row.created_at);
        let entry = author_rows.entry(row.user_id).or_default().entry(author).or_default();
        entry.0 += fading;
        entry.1 += lasting;
    }
    for (viewer, rows) in tag_rows {
        add_tag_weights(db, viewer, rows.into_iter().collect()).await?;
    }
    for (viewer, rows) in author_rows {
        let rows = rows.into_iter().map(|(author, (fading, lasting))| (author, fading, lasting)).collect();
        add_author_weights(db, viewer, rows).await?;
    }
    Ok(())
}

const RELEARN_PAGE: u64 = 200;

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_fading_weight_halves_every_two_weeks_and_a_lasting_one_stays() {
        let at = Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap();
        let later = at + Duration::days(14);
        let like = Lesson::of(InteractionKind::Like, None, 30);
        let (fading, lasting) = like.split(like.tag, at);
        assert_eq!(lasting, 0.0);
        assert!((fading / scale(at) - 1.5).abs() < 1e-9);
        assert!((fading / scale(later) - 0.75).abs() < 1e-9);
        assert_eq!(like.tag_weight(at).against, 0.0);
        let swipe = Lesson::of(InteractionKind::SwipeAway, None, 30);
        let swiped = swipe.tag_weight(at);
        assert!((swiped.against / scale(at) - 0.7).abs() < 1e-9, "a swipe counts against the tag");
        assert!((swiped.net.0 / scale(at) + 0.7).abs() < 1e-9);
        let away = Lesson::of(InteractionKind::NotInterested, None, 30);
        assert_eq!(away.split(away.author, at), (0.0, -100.0));
    }

    #[test]
    fn watching_to_the_end_pulls_up_and_leaving_early_pushes_down() {
        assert!((Lesson::of(InteractionKind::View, Some(30_000), 30).tag - 1.2).abs() < 1e-9);
        assert!(Lesson::of(InteractionKind::View, Some(3_000), 30).tag < 0.0);
        // Zero-length items count as one second.
        assert!((Lesson::of(InteractionKind::View, Some(5_000), 0).tag - 1.2).abs() < 1e-9);
    }
}
