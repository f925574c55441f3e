//! The GraphQL schema: one merged object per product area, resolvers that
//! translate between GraphQL and the services, and the schema-wide limits.
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use async_graphql::{Context, EmptySubscription, Guard, MergedObject, Schema};
use entity::Role;
use uuid::Uuid;

use crate::auth::{Caller, Viewer};
use crate::error::{AppError, AppResult};
use crate::service::visibility::Scope;
use crate::state::AppState;

pub mod accounts;
pub mod connection;
pub mod content;
pub mod family;
pub mod loaders;
pub mod privacy;
pub mod scalars;

pub const MAX_DEPTH: usize = 12;
pub const MAX_COMPLEXITY: usize = 2_000;

#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(accounts::AccountsQuery, content::ContentQuery, privacy::PrivacyQuery);

#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(accounts::AccountsMutation, content::ContentMutation, privacy::PrivacyMutation);

pub type AppSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// The schema with its limits. `state` is absent only when printing the SDL.
pub fn build_schema(state: Option<AppState>) -> AppSchema {
    let production = state.as_ref().is_some_and(|s| s.settings.is_production());
    let mut builder = Schema::build(QueryRoot::default(), MutationRoot::default(), EmptySubscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY);
    if production {
        builder = builder.disable_introspection().disable_suggestions();
    }
    if let Some(state) = state {
        builder = builder.data(state);
    }
    builder.finish()
}

/// The schema's SDL, as checked in at `schema.graphql`.
pub fn sdl() -> String {
    build_schema(None).sdl()
}

/// Adds what each request needs of its own: the caller, the visibility scope
/// and fresh loaders (their caches live for one request).
pub fn request_data(request: async_graphql::Request, state: &AppState, caller: Caller) -> async_graphql::Request {
    let db = &state.db;
    let viewer = caller.viewer().ok().flatten().map(|v| v.user.id);
    let scope = Scope::for_caller(&caller, state.now());
    let request = request
        .data(cached(loaders::SettingsLoader::new(db.clone())))
        .data(cached(loaders::UserLoader::new(db.clone())))
        .data(cached(loaders::CampaignLoader::new(db.clone())))
        .data(cached(loaders::ContentTagsLoader(db.clone())))
        .data(cached(loaders::FollowCountsLoader(db.clone())))
        .data(cached(loaders::LikedLoader { db: db.clone(), viewer }))
        .data(cached(loaders::FollowStatusLoader { db: db.clone(), viewer }))
        .data(caller);
    match scope {
        Ok(scope) => request.data(scope),
        // A rejected token: resolvers report it through `caller`.
        Err(_) => request,
    }
}

/// A loader whose cache lives as long as the request, so a value loaded (or
/// fed) once is not fetched again.
fn cached<L: Loader<Uuid>>(loader: L) -> DataLoader<L, HashMapCache> {
    DataLoader::with_cache(loader, tokio::spawn, HashMapCache::default())
}

fn data<'a, T: Send + Sync + 'static>(ctx: &Context<'a>) -> AppResult<&'a T> {
    ctx.data::<T>().map_err(|e| AppError::internal(e.message))
}

pub fn app<'a>(ctx: &Context<'a>) -> AppResult<&'a AppState> {
    data::<AppState>(ctx)
}

pub fn caller<'a>(ctx: &Context<'a>) -> AppResult<&'a Caller> {
    data::<Caller>(ctx)
}

/// What the viewer may see; every read of content goes through it.
pub fn scope<'a>(ctx: &Context<'a>) -> AppResult<&'a Scope> {
    caller(ctx)?.viewer()?;
    data::<Scope>(ctx)
}

/// The signed-in viewer; `UNAUTHENTICATED` otherwise.
pub fn viewer<'a>(ctx: &Context<'a>) -> AppResult<&'a Viewer> {
    caller(ctx)?.require()
}

pub fn loader<'a, L: Loader<Uuid>>(ctx: &Context<'a>) -> AppResult<&'a DataLoader<L, HashMapCache>> {
    data::<DataLoader<L, HashMapCache>>(ctx)
}

/// Parses an `ID` argument; a malformed one names nothing, so `NOT_FOUND`.
pub fn parse_id(id: &async_graphql::ID, what: &str) -> AppResult<Uuid> {
    Uuid::parse_str(id.as_str()).map_err(|_| AppError::NotFound(format!("No such {what}")))
}

/// Lets only callers with one of the roles through.
pub struct RoleGuard(pub &'static [Role]);

impl Guard for RoleGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        caller(ctx)?.require_role(self.0)?;
        Ok(())
    }
}
