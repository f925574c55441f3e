//! The GraphQL schema: one merged object per product area, resolvers that
//! translate between GraphQL and the services, and the schema-wide limits.
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use async_graphql::{Context, MergedObject, Schema};
use uuid::Uuid;

use crate::auth::{Caller, Viewer, resolve_caller};
use crate::error::{AppError, ServiceResult};
use crate::service::policy::Access;
use crate::state::AppState;

pub mod accounts;
pub mod age_checks;
pub mod campaign;
pub mod checks;
pub mod connection;
pub mod content;
pub mod cost;
pub mod enums;
pub mod family;
pub mod gate;
pub mod identity;
pub mod input;
pub mod kindness;
pub mod loaders;
pub mod moderation;
pub mod privacy;
pub mod scalars;

/// Everything that can be read: accounts, content and the feed, moderation,
/// family links, the privacy policy and the campaign's figures. What each
/// caller sees is decided by the policy built for the operation.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    accounts::AccountsQuery,
    content::ContentQuery,
    moderation::ModerationQuery,
    family::FamilyQuery,
    privacy::PrivacyQuery,
    campaign::CampaignQuery,
    identity::IdentityQuery,
    age_checks::AgeCheckQuery,
);

/// Everything that changes data. Each mutation checks its caller (account
/// state, role, teen controls, consent) before doing anything.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    accounts::AccountsMutation,
    content::ContentMutation,
    moderation::ModerationMutation,
    family::FamilyMutation,
    privacy::PrivacyMutation,
    campaign::CampaignMutation,
    identity::IdentityMutation,
    age_checks::AgeCheckMutation,
    kindness::KindnessMutation,
);

pub type AppSchema = Schema<QueryRoot, MutationRoot, moderation::SubscriptionRoot>;

/// The schema with its limits. `state` is absent only when printing the SDL.
pub fn build_schema(state: Option<AppState>) -> AppSchema {
    let production = state.as_ref().is_some_and(|s| s.settings.is_production());
    let limits = state.as_ref().map(|s| s.settings.limits).unwrap_or_default();
    let mut builder = Schema::build(QueryRoot::default(), MutationRoot::default(), moderation::SubscriptionRoot)
        .extension(checks::DocumentChecks::new(limits))
        .extension(gate::OperationGate);
    if production {
        builder = builder.disable_introspection().disable_suggestions();
    }
    if let Some(state) = state {
        builder = builder.data(state);
    }
    builder.finish()
}

/// The names of the schema's root fields (queries, mutations and
/// subscriptions): the only operation names logs and metrics use.
pub fn root_fields() -> &'static std::collections::HashSet<Arc<str>> {
    static FIELDS: std::sync::OnceLock<std::collections::HashSet<Arc<str>>> = std::sync::OnceLock::new();
    FIELDS.get_or_init(|| {
        use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
        let Ok(document) = async_graphql::parser::parse_schema(sdl()) else { return Default::default() };
        document
            .definitions
            .iter()
            .filter_map(|definition| match definition {
                TypeSystemDefinition::Type(ty)
                    if ["Query", "Mutation", "Subscription"].contains(&ty.node.name.node.as_str()) =>
                {
                    match &ty.node.kind {
                        TypeKind::Object(object) => {
                            Some(object.fields.iter().map(|f| Arc::from(f.node.name.node.as_str())))
                        }
                        _ => None,
                    }
                }
                _ => None,
            })
            .flatten()
            .collect()
    })
}

/// The schema's SDL, as checked in at `schema.graphql`.
pub fn sdl() -> String {
    build_schema(None).sdl()
}

/// The `Authorization` value an operation came with, kept so that a
/// long-lived subscription can check its caller again.
#[derive(Debug, Clone, Default)]
pub struct Credential(pub Option<String>);

/// A fresh policy for a credential, for work that outlives its operation.
pub async fn reauthorise(state: &AppState, credential: &Credential) -> Access {
    let now = state.now();
    Access::new(resolve_caller(&state.db, &state.tokens, now, credential.0.as_deref()).await, now, None)
}

/// What each operation has of its own, over HTTP and WebSocket alike: the
/// policy built from its caller and the clock, and fresh loaders whose
/// caches live as long as the operation.
pub fn operation_data(
    state: &AppState,
    caller: Caller,
    address: Option<String>,
    now: chrono::DateTime<chrono::Utc>,
) -> async_graphql::Data {
    let db = &state.db;
    let viewer = caller.viewer().ok().flatten().map(|v| v.user.id);
    let mut data = async_graphql::Data::default();
    data.insert(cached(loaders::SettingsLoader::new(db.clone())));
    data.insert(cached(loaders::UserLoader::new(db.clone())));
    data.insert(cached(loaders::CampaignLoader::new(db.clone())));
    data.insert(loaders::ContentEvidence::new(cached(loaders::ById::new(db.clone()))));
    data.insert(loaders::CommentEvidence::new(cached(loaders::ById::new(db.clone()))));
    data.insert(cached(loaders::ContentTagsLoader(db.clone())));
    data.insert(cached(loaders::FollowCountsLoader(db.clone())));
    data.insert(cached(loaders::ResemblesLoader(db.clone())));
    data.insert(cached(loaders::LikedLoader { db: db.clone(), viewer }));
    data.insert(cached(loaders::FollowStatusLoader { db: db.clone(), viewer }));
    data.insert(Access::new(caller, now, address));
    data
}

/// A loader whose cache lives as long as the request, so a value loaded (or
/// fed) once is not fetched again.
/// Shared, so a long-lived subscription can hold and clear it.
/// No batching delay (the default millisecond made every page wait): a
/// batch starts once the other resolvers of its wave have asked (see
/// `after_the_wave`).
fn cached<L: Loader<Uuid>>(loader: L) -> Arc<DataLoader<L, HashMapCache>> {
    Arc::new(DataLoader::with_cache(loader, after_the_wave, HashMapCache::default()).delay(std::time::Duration::ZERO))
}

/// Runs a loader's batch after the resolvers of the same wave have asked for
/// their keys. Each worker is one thread, and async-graphql polls at most 32
/// list items per turn before yielding, so a page of `n` items asks over
/// `n / 32` turns; every yield lets one more turn go first.
fn after_the_wave(batch: futures_util::future::BoxFuture<'static, ()>) -> tokio::task::JoinHandle<()> {
    const TURNS: usize = 8;
    tokio::spawn(crate::metrics::for_current_request(async move {
        for _ in 0..TURNS {
            tokio::task::yield_now().await;
        }
        batch.await;
    }))
}

fn data<'a, T: Send + Sync + 'static>(ctx: &Context<'a>) -> ServiceResult<&'a T> {
    ctx.data::<T>().map_err(|e| AppError::internal(e.message))
}

pub fn app<'a>(ctx: &Context<'a>) -> ServiceResult<&'a AppState> {
    data::<AppState>(ctx)
}

/// The operation's policy: every rule about who may see or do what.
pub fn access<'a>(ctx: &Context<'a>) -> ServiceResult<&'a Access> {
    data::<Access>(ctx)
}

/// The signed-in viewer; `UNAUTHENTICATED` otherwise.
pub fn viewer<'a>(ctx: &Context<'a>) -> ServiceResult<&'a Viewer> {
    access(ctx)?.member()
}

pub fn loader<'a, L: Loader<Uuid>>(ctx: &Context<'a>) -> ServiceResult<&'a Arc<DataLoader<L, HashMapCache>>> {
    data::<Arc<DataLoader<L, HashMapCache>>>(ctx)
}

/// Parses an `ID` argument; a malformed one names nothing, so `NOT_FOUND`.
pub fn parse_id(id: &async_graphql::ID, what: &str) -> ServiceResult<Uuid> {
    Uuid::parse_str(id.as_str()).map_err(|_| AppError::NotFound(format!("No such {what}")))
}
