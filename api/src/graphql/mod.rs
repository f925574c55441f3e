//! The GraphQL schema: one merged object per product area, resolvers that
//! translate between GraphQL and the services, and the schema-wide limits.
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use async_graphql::{Context, Guard, MergedObject, Schema};
use entity::Role;
use uuid::Uuid;

use crate::auth::{Caller, Viewer};
use crate::error::{AppError, AppResult};
use crate::service::visibility::Scope;
use crate::state::AppState;

pub mod accounts;
pub mod connection;
pub mod consent;
pub mod content;
pub mod family;
pub mod loaders;
pub mod moderation;
pub mod privacy;
pub mod scalars;

pub const MAX_DEPTH: usize = 12;
pub const MAX_COMPLEXITY: usize = 2_000;

#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    accounts::AccountsQuery,
    content::ContentQuery,
    moderation::ModerationQuery,
    family::FamilyQuery,
    privacy::PrivacyQuery,
);

#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    accounts::AccountsMutation,
    content::ContentMutation,
    moderation::ModerationMutation,
    family::FamilyMutation,
    privacy::PrivacyMutation,
);

pub type AppSchema = Schema<QueryRoot, MutationRoot, moderation::SubscriptionRoot>;

/// The schema with its limits. `state` is absent only when printing the SDL.
pub fn build_schema(state: Option<AppState>) -> AppSchema {
    let production = state.as_ref().is_some_and(|s| s.settings.is_production());
    let mut builder = Schema::build(QueryRoot::default(), MutationRoot::default(), moderation::SubscriptionRoot)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .extension(consent::ConsentGate);
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

/// What each request (or subscription connection) has of its own: the
/// caller, the visibility scope and fresh loaders whose caches live as long.
pub fn request_data(state: &AppState, caller: Caller) -> async_graphql::Data {
    let db = &state.db;
    let viewer = caller.viewer().ok().flatten().map(|v| v.user.id);
    let scope = Scope::for_caller(&caller, state.now());
    let mut data = async_graphql::Data::default();
    data.insert(cached(loaders::SettingsLoader::new(db.clone())));
    data.insert(cached(loaders::UserLoader::new(db.clone())));
    data.insert(cached(loaders::CampaignLoader::new(db.clone())));
    data.insert(cached(loaders::ContentLoader::new(db.clone())));
    data.insert(cached(loaders::CommentLoader::new(db.clone())));
    data.insert(cached(loaders::ContentTagsLoader(db.clone())));
    data.insert(cached(loaders::FollowCountsLoader(db.clone())));
    data.insert(cached(loaders::LikedLoader { db: db.clone(), viewer }));
    data.insert(cached(loaders::FollowStatusLoader { db: db.clone(), viewer }));
    data.insert(caller);
    // With a rejected token there is no scope: resolvers report the token.
    if let Ok(scope) = scope {
        data.insert(scope);
    }
    data
}

/// A loader whose cache lives as long as the request, so a value loaded (or
/// fed) once is not fetched again.
/// Shared, so a long-lived subscription can hold and clear it.
fn cached<L: Loader<Uuid>>(loader: L) -> Arc<DataLoader<L, HashMapCache>> {
    Arc::new(DataLoader::with_cache(loader, tokio::spawn, HashMapCache::default()))
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

pub fn loader<'a, L: Loader<Uuid>>(ctx: &Context<'a>) -> AppResult<&'a Arc<DataLoader<L, HashMapCache>>> {
    data::<Arc<DataLoader<L, HashMapCache>>>(ctx)
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
