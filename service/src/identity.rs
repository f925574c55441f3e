//! Who is who: profiles, verified accounts, and their look-alikes.
//!
//! Names are compared by their skeleton (`text::skeleton`). A handle or
//! display name with the skeleton of a verified account's is refused; an
//! account within one edit of one `resembles` it. Verified accounts'
//! skeletons and their one-edit variants live in `verified_names`, so both
//! questions are index lookups, however many accounts there are.
use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::{
    ReportReason, VerificationKind, VerificationStatus, user, verification_request as request, verified_name,
};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::domain::{DisplayName, Handle};
use crate::error::{AppError, AppResult};
use crate::moderation::open_system_case;
use crate::notifications::{self, Notice};
use crate::pagination::{Direction, Page, PageRequest, keyset_page};
use crate::policy::Access;
use crate::text::{one_edit_variants, refuse_hidden, skeleton};

/// How often a handle may change.
pub const HANDLE_CHANGE_EVERY: Duration = Duration::days(30);
const BIO_MAX: usize = 160;
const EVIDENCE: std::ops::RangeInclusive<usize> = 20..=1000;
const NOTE: std::ops::RangeInclusive<usize> = 1..=500;

/// The skeletons of a handle and a display name.
pub fn skeletons(handle: &str, display_name: &str) -> (String, String) {
    (skeleton(handle), skeleton(display_name))
}

/// `BAD_USER_INPUT` on `field` when a name has the skeleton of a verified
/// account's handle or display name, other than `own` account's.
pub async fn refuse_look_alike(
    db: &impl ConnectionTrait,
    field: &str,
    name_skeleton: &str,
    own: Option<Uuid>,
) -> AppResult<()> {
    if name_skeleton.is_empty() {
        return Ok(());
    }
    let mut exact = verified_name::Entity::find()
        .filter(verified_name::Column::Variant.eq(name_skeleton))
        .filter(verified_name::Column::Exact.eq(true));
    if let Some(own) = own {
        exact = exact.filter(verified_name::Column::UserId.ne(own));
    }
    if exact.one(db).await?.is_some() {
        return Err(AppError::field(field, "is too close to a verified account"));
    }
    Ok(())
}

/// The verified account whose handle or display name is within one edit
/// of this account's, if any: clients warn "this is not @…".
pub async fn resembles(db: &impl ConnectionTrait, account: &user::Model) -> AppResult<Option<Uuid>> {
    Ok(resembling(db, std::slice::from_ref(account)).await?.remove(&account.id))
}

/// [`resembles`] for many accounts in one statement: each unverified
/// account to the verified one it resembles.
pub async fn resembling(db: &impl ConnectionTrait, accounts: &[user::Model]) -> AppResult<HashMap<Uuid, Uuid>> {
    // Variants of fewer than three letters would match too much to mean anything.
    let variants: Vec<(Uuid, Vec<String>)> = accounts
        .iter()
        .filter(|account| !account.verified)
        .map(|account| {
            let (handle, name) = skeletons(&account.handle, &account.display_name);
            let mut all = one_edit_variants(&handle);
            all.extend(one_edit_variants(&name));
            all.retain(|v| v.chars().count() >= 3);
            (account.id, all)
        })
        .collect();
    let wanted: Vec<String> = variants.iter().flat_map(|(_, all)| all.iter().cloned()).collect();
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let found: Vec<(String, Uuid)> = verified_name::Entity::find()
        .select_only()
        .columns([verified_name::Column::Variant, verified_name::Column::UserId])
        .filter(verified_name::Column::Variant.is_in(wanted))
        .into_tuple()
        .all(db)
        .await?;
    Ok(variants
        .into_iter()
        .filter_map(|(id, all)| {
            let verified = found.iter().find(|(variant, owner)| *owner != id && all.contains(variant))?.1;
            Some((id, verified))
        })
        .collect())
}

/// Keeps a verified account's names findable (or forgets them, once it is
/// no longer verified).
async fn index_verified(db: &impl ConnectionTrait, account: &user::Model) -> AppResult<()> {
    verified_name::Entity::delete_many().filter(verified_name::Column::UserId.eq(account.id)).exec(db).await?;
    if !account.verified {
        return Ok(());
    }
    let mut rows = Vec::new();
    let (handle, display_name) = skeletons(&account.handle, &account.display_name);
    for name in [handle, display_name] {
        for variant in one_edit_variants(&name) {
            let exact = variant == name;
            rows.push(verified_name::ActiveModel {
                variant: Set(variant),
                user_id: Set(account.id),
                exact: Set(exact),
            });
        }
    }
    let keys = [verified_name::Column::Variant, verified_name::Column::UserId, verified_name::Column::Exact];
    verified_name::Entity::insert_many(rows)
        .on_conflict(OnConflict::columns(keys).do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// What `updateProfile` changes; absent fields stay as they are.
#[derive(Debug, Default)]
pub struct ProfileChange {
    pub handle: Option<Handle>,
    pub display_name: Option<DisplayName>,
    /// Empty clears the bio.
    pub bio: Option<String>,
}

/// Changes the caller's profile. A new handle is allowed once in 30 days;
/// a verified account that changes its handle or display name loses the
/// badge until a new request is approved.
pub async fn update_profile(db: &DatabaseConnection, access: &Access, change: ProfileChange) -> AppResult<user::Model> {
    let now = access.now();
    // The account's row is locked and read afresh, so two renames at once
    // cannot both pass the 30-day rule.
    let txn = crate::begin_write(db).await?;
    let me_id = access.member()?.id();
    crate::accounts::lock_user(&txn, me_id).await?;
    let me = user::Entity::find_by_id(me_id).one(&txn).await?.ok_or_else(AppError::unauthenticated)?;
    let bio = match change.bio.as_deref().map(str::trim) {
        None => me.bio.clone(),
        Some("") => None,
        Some(bio) => {
            if bio.chars().count() > BIO_MAX {
                return Err(AppError::field("bio", format!("must be at most {BIO_MAX} characters long")));
            }
            refuse_hidden(bio).map_err(|e| AppError::invalid("bio", &e))?;
            Some(bio.to_owned())
        }
    };
    let handle = change.handle.map(|h| h.as_str().to_owned()).filter(|h| *h != me.handle);
    let display_name = change.display_name.map(DisplayName::into_inner).filter(|n| *n != me.display_name);
    if let (Some(_), Some(last)) = (&handle, me.handle_changed_at)
        && now < last + HANDLE_CHANGE_EVERY
    {
        let next = (last + HANDLE_CHANGE_EVERY).format("%Y-%m-%d");
        return Err(AppError::field("handle", format!("can change once every 30 days; next on {next}")));
    }
    let new_handle = handle.clone().unwrap_or_else(|| me.handle.clone());
    let new_name = display_name.clone().unwrap_or_else(|| me.display_name.clone());
    let (handle_skeleton, name_skeleton) = skeletons(&new_handle, &new_name);
    if handle.is_some() {
        refuse_look_alike(&txn, "handle", &handle_skeleton, Some(me.id)).await?;
    }
    if display_name.is_some() {
        refuse_look_alike(&txn, "displayName", &name_skeleton, Some(me.id)).await?;
    }
    let renamed = handle.is_some() || display_name.is_some();
    let mut active: user::ActiveModel = me.clone().into();
    active.handle = Set(new_handle);
    active.display_name = Set(new_name);
    active.bio = Set(bio);
    active.handle_skeleton = Set(Some(handle_skeleton));
    active.name_skeleton = Set(Some(name_skeleton));
    active.updated_at = Set(now);
    if handle.is_some() {
        active.handle_changed_at = Set(Some(now));
    }
    if renamed && me.verified {
        active.verified = Set(false);
        active.verified_kind = Set(None);
    }
    let updated = active.update(&txn).await.map_err(|e| match AppError::from(e) {
        AppError::Duplicate => AppError::Conflict("That handle is already taken".into()),
        other => other,
    })?;
    if renamed && me.verified {
        index_verified(&txn, &updated).await?;
    }
    txn.commit().await?;
    Ok(updated)
}

/// An adult asks for the badge; one request waits at a time.
pub async fn request_verification(
    db: &DatabaseConnection,
    access: &Access,
    kind: VerificationKind,
    evidence: &str,
) -> AppResult<request::Model> {
    let me = access.adult()?;
    let evidence = evidence.trim();
    if !EVIDENCE.contains(&evidence.chars().count()) {
        return Err(AppError::field("evidence", "must be 20 to 1000 characters long"));
    }
    refuse_hidden(evidence).map_err(|e| AppError::invalid("evidence", &e))?;
    // Requests by one account take turns, so two at once leave one waiting.
    let txn = crate::begin_write(db).await?;
    crate::accounts::lock_user(&txn, me.id).await?;
    let waiting = request::Entity::find()
        .filter(request::Column::UserId.eq(me.id))
        .filter(request::Column::Status.eq(VerificationStatus::Pending))
        .one(&txn)
        .await?;
    if waiting.is_some() {
        return Err(AppError::Conflict("A request for verification is already waiting".into()));
    }
    let made = request::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(me.id),
        kind: Set(kind),
        evidence: Set(evidence.to_owned()),
        status: Set(VerificationStatus::Pending),
        note: Set(None),
        decided_by: Set(None),
        created_at: Set(access.now()),
        decided_at: Set(None),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(made)
}

/// The caller's own requests, newest first.
pub async fn my_requests(db: &DatabaseConnection, access: &Access) -> AppResult<Vec<request::Model>> {
    use sea_orm::QueryOrder;
    let me = access.member()?;
    Ok(request::Entity::find()
        .filter(request::Column::UserId.eq(me.id()))
        .order_by_desc(request::Column::CreatedAt)
        .limit(50)
        .all(db)
        .await?)
}

/// Requests by status (waiting ones when absent), oldest first: admins only.
pub async fn queue(
    db: &DatabaseConnection,
    access: &Access,
    status: Option<VerificationStatus>,
    page: &PageRequest,
) -> AppResult<Page<request::Model>> {
    access.staff(&[entity::Role::Admin])?;
    let select =
        request::Entity::find().filter(request::Column::Status.eq(status.unwrap_or(VerificationStatus::Pending)));
    keyset_page(db, select, Direction::OldestFirst, page).await
}

/// An admin approves or denies a waiting request. Approval verifies the
/// account, and opens an `IMPERSONATION` case for each account that has
/// the same skeleton as one of its names.
pub async fn decide(
    db: &DatabaseConnection,
    access: &Access,
    id: Uuid,
    approve: bool,
    note: &str,
) -> AppResult<request::Model> {
    let admin = access.staff(&[entity::Role::Admin])?.id();
    let now = access.now();
    let note = note.trim();
    if !NOTE.contains(&note.chars().count()) {
        return Err(AppError::field("note", "must be 1 to 500 characters long"));
    }
    let txn = crate::begin_write(db).await?;
    let waiting = request::Entity::find_by_id(id).one(&txn).await?.ok_or_else(not_found)?;
    if waiting.status != VerificationStatus::Pending {
        return Err(AppError::Conflict("This request is already decided".into()));
    }
    let status = if approve { VerificationStatus::Approved } else { VerificationStatus::Denied };
    let decided = request::Entity::update_many()
        .col_expr(request::Column::Status, sea_orm::sea_query::Expr::value(status))
        .col_expr(request::Column::Note, sea_orm::sea_query::Expr::value(note))
        .col_expr(request::Column::DecidedBy, sea_orm::sea_query::Expr::value(admin))
        .col_expr(request::Column::DecidedAt, sea_orm::sea_query::Expr::value(now))
        .filter(request::Column::Id.eq(id))
        .filter(request::Column::Status.eq(VerificationStatus::Pending))
        .exec(&txn)
        .await?;
    if decided.rows_affected == 0 {
        return Err(AppError::Conflict("This request is already decided".into()));
    }
    let account = user::Entity::find_by_id(waiting.user_id).one(&txn).await?.ok_or_else(not_found)?;
    if approve {
        verify(&txn, account.clone(), waiting.kind, now).await?;
    }
    notifications::notify(&txn, &account, Notice::VerificationDecided { approved: approve }, now).await?;
    txn.commit().await?;
    request::Entity::find_by_id(id).one(db).await?.ok_or_else(not_found)
}

/// Gives `account` the badge: its names become the ones nobody else may
/// wear, and accounts already wearing them are sent to moderators.
pub async fn verify(
    db: &impl ConnectionTrait,
    account: user::Model,
    kind: VerificationKind,
    now: DateTime<Utc>,
) -> AppResult<user::Model> {
    let mut active: user::ActiveModel = account.into();
    active.verified = Set(true);
    active.verified_kind = Set(Some(kind));
    active.updated_at = Set(now);
    let verified = active.update(db).await?;
    index_verified(db, &verified).await?;
    open_impersonation_cases(db, &verified, now).await?;
    Ok(verified)
}

fn not_found() -> AppError {
    AppError::NotFound("No such verification request".into())
}

/// Accounts already wearing a newly verified account's name are reviewed
/// by moderators: a case each, opened by the system (no reporter).
async fn open_impersonation_cases(
    db: &impl ConnectionTrait,
    verified: &user::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let (handle, display_name) = skeletons(&verified.handle, &verified.display_name);
    let names = [handle, display_name];
    let look_alikes = user::Entity::find()
        .filter(user::Column::Id.ne(verified.id))
        .filter(user::Column::DeletedAt.is_null())
        .filter(
            Condition::any()
                .add(user::Column::HandleSkeleton.is_in(names.clone()))
                .add(user::Column::NameSkeleton.is_in(names)),
        )
        .limit(200)
        .all(db)
        .await?;
    for account in look_alikes {
        open_system_case(db, &account, ReportReason::Impersonation, now).await?;
    }
    Ok(())
}

/// Accounts made before skeletons were kept get theirs, 500 at a time; run
/// at start. Verified ones are indexed as they are filled.
pub async fn fill_skeletons(db: &DatabaseConnection) -> AppResult<u64> {
    let mut filled = 0;
    loop {
        let batch = user::Entity::find().filter(user::Column::HandleSkeleton.is_null()).limit(500).all(db).await?;
        if batch.is_empty() {
            return Ok(filled);
        }
        let txn = crate::begin_write(db).await?;
        for account in batch {
            let (handle, name) = skeletons(&account.handle, &account.display_name);
            let mut active: user::ActiveModel = account.into();
            active.handle_skeleton = Set(Some(handle));
            active.name_skeleton = Set(Some(name));
            let account = active.update(&txn).await?;
            if account.verified {
                index_verified(&txn, &account).await?;
            }
            filled += 1;
        }
        txn.commit().await?;
    }
}
