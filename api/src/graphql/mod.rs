//! The GraphQL schema: one merged object per product area, resolvers that
//! translate between GraphQL and the services, and the schema-wide limits.
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use async_graphql::{Context, MergedObject, Request, Response, Schema, SchemaBuilder};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
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
pub mod documents;
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

type Roots = Schema<gate::Gated<QueryRoot>, gate::Gated<MutationRoot>, moderation::SubscriptionRoot>;

/// The schema, reachable only through `execute` and `execute_stream`, which
/// run the document checks (`checks`) before async-graphql sees anything.
#[derive(Clone)]
pub struct AppSchema {
    roots: Roots,
    checks: Arc<checks::DocumentChecks>,
    documents: Arc<documents::ParsedDocuments>,
}

impl AppSchema {
    /// Gives the request its parsed document, kept from an earlier request
    /// with the same text that ran well, when there was one (`documents`).
    pub fn parse(&self, request: &mut Request) {
        self.documents.parse(request);
    }

    pub async fn execute(&self, mut request: Request) -> Response {
        if let Err(refusal) = self.checks.admit(&mut request) {
            return Response::from_errors(vec![refusal]);
        }
        let candidate = self.documents.candidate(&mut request);
        let response = self.roots.execute(gated_introspection(request)).await;
        if let Some(candidate) = candidate.filter(|_| response.is_ok()) {
            self.documents.keep(candidate);
        }
        response
    }

    pub fn execute_stream(&self, mut request: Request) -> BoxStream<'static, Response> {
        match self.checks.admit(&mut request) {
            Ok(()) => self.roots.execute_stream(gated_introspection(request)),
            Err(refusal) => futures_util::stream::once(async move { Response::from_errors(vec![refusal]) }).boxed(),
        }
    }

    pub fn sdl(&self) -> String {
        self.roots.sdl()
    }
}

/// async-graphql answers `__schema` and `__type` above the roots, so they
/// would pass no gate: for a caller the gate refuses them (a locked
/// account's token), introspection is off, and the fields reach `Gated`,
/// which refuses them as it refuses every other.
fn gated_introspection(request: Request) -> Request {
    let access = request.data.get(&std::any::TypeId::of::<Access>()).and_then(|data| data.downcast_ref::<Access>());
    match access.map(|access| access.admits("__schema")) {
        Some(Err(_)) => request.disable_introspection(),
        _ => request,
    }
}

fn builder(
    state: Option<&AppState>,
) -> SchemaBuilder<gate::Gated<QueryRoot>, gate::Gated<MutationRoot>, moderation::SubscriptionRoot> {
    let mut builder = Schema::build(Default::default(), Default::default(), moderation::SubscriptionRoot);
    if state.is_some_and(|s| s.settings.is_production()) {
        builder = builder.disable_introspection().disable_suggestions();
    }
    builder
}

/// The schema with its limits. `state` is absent only when printing the SDL.
pub fn build_schema(state: Option<AppState>) -> Result<AppSchema, AppError> {
    let limits = state.as_ref().map(|s| s.settings.limits).unwrap_or_default();
    let registry = checks::registry_of(builder(state.as_ref()))
        .ok_or_else(|| AppError::internal("the schema's registry could not be read"))?;
    let checks = Arc::new(checks::DocumentChecks::new(limits, registry));
    let mut roots = builder(state.as_ref());
    if let Some(state) = state {
        roots = roots.data(state);
    }
    Ok(AppSchema { roots: roots.finish(), checks, documents: Arc::default() })
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
    builder(None).finish().sdl()
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
    data.insert(cached(loaders::ProfileLoader(db.clone())));
    data.insert(cached(loaders::AccountLoader::new(db.clone())));
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
