//! The consent gate: one extension that every mutation passes through, so
//! no mutation can forget to require the current privacy policy.
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo};
use async_graphql::{ErrorExtensions, PathSegment, Pos, ServerResult, Value};

use crate::service::policy::Policy;
use crate::state::AppState;

pub struct ConsentGate;

impl ExtensionFactory for ConsentGate {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ConsentGate)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for ConsentGate {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        if info.parent_type == "Mutation"
            && let (Some(policy), Some(state)) = (ctx.data_opt::<Policy>(), ctx.data_opt::<AppState>())
            && let Err(err) = policy.consent_for(&state.db, info.name).await
        {
            let mut error = crate::error::ApiError(err.clone()).extend().into_server_error(Pos::default());
            error.path = vec![PathSegment::Field(info.name.to_owned())];
            return Err(error);
        }
        next.run(ctx, info).await
    }
}
