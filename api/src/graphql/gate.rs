//! The operation gate: one extension every root field passes through, so no
//! operation can forget the rules that hold for all of them: an appeal token
//! opens only the appeal, and mutations need the current privacy policy.
//! Each mutation, once done, announces that data changed, so no mutation can
//! leave a stale anonymous response in any instance's cache; and on SQLite
//! it succeeds only if its write reached the disk (see `durability`).
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo};
use async_graphql::{ErrorExtensions, PathSegment, Pos, ServerResult, Value};

use crate::service::policy::Access;
use crate::state::AppState;

pub struct OperationGate;

impl ExtensionFactory for OperationGate {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(OperationGate)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for OperationGate {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let root = matches!(info.parent_type, "Query" | "Mutation" | "Subscription");
        if let (true, Some(access), Some(state)) = (root, ctx.data_opt::<Access>(), ctx.data_opt::<AppState>()) {
            let mut verdict = access.admits(info.name);
            if verdict.is_ok() && info.parent_type == "Mutation" {
                verdict = access.consent_for(&state.db, info.name).await;
            }
            if let Err(err) = verdict {
                let mut error = crate::error::ApiError(err).extend().into_server_error(Pos::default());
                error.path = vec![PathSegment::Field(info.alias.unwrap_or(info.name).to_owned())];
                return Err(error);
            }
        }
        let mutation = info.parent_type == "Mutation";
        let (name, alias) = (info.name, info.alias.unwrap_or(info.name));
        let result = next.run(ctx, info).await;
        if let (true, Some(state)) = (mutation, ctx.data_opt::<AppState>()) {
            if let Err(err) = state.changes.publish_data_changed(&state.db).await {
                tracing::warn!("announcing a change failed: {}", err.detail());
            }
            if result.is_ok() && !state.disk.writes_are_kept() {
                tracing::error!(
                    operation = name,
                    "the database's file system is read-only: a write is not acknowledged"
                );
                let err = crate::service::error::AppError::internal("the database's file system turned read-only");
                let mut error = crate::error::ApiError(err).extend().into_server_error(Pos::default());
                error.path = vec![PathSegment::Field(alias.to_owned())];
                return Err(error);
            }
        }
        result
    }
}
