//! Where survey responses wait until they can be written so that nothing
//! in the database ties one to who gave it (API revision 3).
//!
//! A response is sealed with a key derived from the server's secret, padded
//! so that every sealed response of a survey is as long as the next, and
//! kept in `survey_inbox`, with no time and no respondent. Once `BATCH` of
//! the same survey and group wait, one transaction writes them, in shuffled
//! order and with one coarse time, and forgets them: the dedup and
//! rate-limit rows written at submission can then only be matched to a
//! response by chance among at least `BATCH` of its group. Until then a
//! response is counted nowhere; the last fewer than `BATCH` of a survey and
//! group wait for company.
use chacha20poly1305::aead::Aead;
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use chrono::{DateTime, Duration, DurationRound, Utc};
use entity::{RespondentGroup, survey, survey_answer, survey_inbox, survey_response};
use hmac::{Hmac, Mac};
use rand::RngCore;
use rand::seq::SliceRandom;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// How many responses to one survey, of one group, are written together: the
/// group is written beside each response, so a batch hides a respondent
/// among this many of their own group.
pub const BATCH: usize = 10;
const NONCE_BYTES: usize = 24;
/// Every sealed response is padded to a multiple of this many bytes, so its
/// length says nothing of its group or answers (30 questions of the longest
/// keys fit in one block).
const PADDED_TO: usize = 4096;

/// The key that seals waiting responses. Without the server's secret, a
/// reader of the database learns nothing from them.
#[derive(Clone)]
pub struct SurveySeal(XChaCha20Poly1305);

impl std::fmt::Debug for SurveySeal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SurveySeal(..)")
    }
}

impl SurveySeal {
    /// Derived from the server's secret, so every instance opens what any
    /// other sealed.
    pub fn from_secret(secret: &[u8]) -> AppResult<Self> {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(secret).map_err(|_| AppError::internal("unusable secret"))?;
        mac.update(b"trustfeed survey inbox v1");
        let key = mac.finalize().into_bytes();
        Ok(Self(XChaCha20Poly1305::new(&key)))
    }

    fn seal(&self, plain: &[u8]) -> AppResult<Vec<u8>> {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rng().fill_bytes(&mut nonce);
        let sealed =
            self.0.encrypt(XNonce::from_slice(&nonce), plain).map_err(|_| AppError::internal("sealing failed"))?;
        Ok([nonce.as_slice(), &sealed].concat())
    }

    fn open(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        let (nonce, body) = sealed.split_at_checked(NONCE_BYTES)?;
        self.0.decrypt(XNonce::from_slice(nonce), body).ok()
    }
}

/// A response as it waits: what will be written, and nothing else.
#[derive(Serialize, Deserialize)]
struct Waiting {
    id: Uuid,
    user_group: bool,
    answers: Vec<(String, i32)>,
}

/// Seals one checked response into the inbox, then writes the survey's
/// waiting responses if there are enough. Returns the response's id.
pub async fn put(
    db: &DatabaseConnection,
    seal: &SurveySeal,
    survey_id: Uuid,
    group: RespondentGroup,
    answers: &[(String, i32)],
    now: DateTime<Utc>,
) -> AppResult<Uuid> {
    let id = Uuid::new_v4();
    let waiting = Waiting { id, user_group: group == RespondentGroup::User, answers: answers.to_vec() };
    let mut plain = serde_json::to_vec(&waiting).map_err(|e| AppError::internal(e.to_string()))?;
    // JSON ends where its value does: trailing spaces are read as nothing.
    plain.resize(plain.len().div_ceil(PADDED_TO) * PADDED_TO, b' ');
    let row = survey_inbox::ActiveModel {
        id: Set(Uuid::new_v4()),
        survey_id: Set(survey_id),
        sealed: Set(seal.seal(&plain)?),
    };
    survey_inbox::Entity::insert(row).exec_without_returning(db).await?;
    write_batch(db, seal, survey_id, now).await?;
    Ok(id)
}

/// Writes the waiting responses of the survey, shuffled, for each group of
/// which `BATCH` can be opened. One writer at a time per survey (its row is
/// locked), so that no batch is split in two smaller ones.
async fn write_batch(db: &DatabaseConnection, seal: &SurveySeal, survey_id: Uuid, now: DateTime<Utc>) -> AppResult<()> {
    let txn = crate::begin_write(db).await?;
    survey::Entity::find_by_id(survey_id).lock_exclusive().one(&txn).await?;
    let rows = survey_inbox::Entity::find().filter(survey_inbox::Column::SurveyId.eq(survey_id)).all(&txn).await?;
    let mut opened: Vec<(Uuid, Waiting)> = Vec::new();
    for row in rows {
        match seal.open(&row.sealed).and_then(|plain| serde_json::from_slice(&plain).ok()) {
            Some(waiting) => opened.push((row.id, waiting)),
            // Sealed under another secret: it waits for a server that has it.
            None => tracing::warn!(survey = %survey_id, "a waiting survey response cannot be opened with this secret"),
        }
    }
    // A group with fewer than `BATCH` waiting keeps waiting.
    let users = opened.iter().filter(|(_, w)| w.user_group).count();
    let non_users = opened.len() - users;
    opened.retain(|(_, w)| if w.user_group { users >= BATCH } else { non_users >= BATCH });
    if opened.is_empty() {
        return Ok(());
    }
    opened.shuffle(&mut rand::rng());
    let inbox_ids: Vec<Uuid> = opened.iter().map(|(id, _)| *id).collect();
    survey_inbox::Entity::delete_many().filter(survey_inbox::Column::Id.is_in(inbox_ids)).exec(&txn).await?;
    let written_at = now.duration_trunc(Duration::hours(1)).unwrap_or(now);
    let responses = opened.iter().map(|(_, w)| survey_response::ActiveModel {
        id: Set(w.id),
        survey_id: Set(survey_id),
        respondent_group: Set(if w.user_group { RespondentGroup::User } else { RespondentGroup::NonUser }),
        submitted_at: Set(written_at),
    });
    survey_response::Entity::insert_many(responses).exec_without_returning(&txn).await?;
    let answers = opened.iter().flat_map(|(_, w)| {
        w.answers.iter().map(|(key, value)| survey_answer::ActiveModel {
            response_id: Set(w.id),
            question_key: Set(key.clone()),
            value: Set(*value),
        })
    });
    survey_answer::Entity::insert_many(answers).exec_without_returning(&txn).await?;
    txn.commit().await?;
    Ok(())
}
