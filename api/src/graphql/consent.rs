//! The consent gate: one extension that every mutation passes through, so
//! no mutation can forget to require the current privacy policy.
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo};
use async_graphql::{ErrorExtensions, PathSegment, Pos, ServerResult, Value};

use crate::auth::Caller;
use crate::service::privacy::{ALLOWED_WITHOUT_CONSENT, require_consent};
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
        let gated = info.parent_type == "Mutation" && !ALLOWED_WITHOUT_CONSENT.contains(&info.name);
        // Anonymous callers and bad tokens are the resolvers' to refuse.
        let viewer = ctx.data_opt::<Caller>().and_then(|caller| caller.viewer().ok().flatten());
        if let (true, Some(viewer), Some(state)) = (gated, viewer, ctx.data_opt::<AppState>())
            && let Err(err) = require_consent(&state.db, viewer.id()).await
        {
            let mut error = err.extend().into_server_error(Pos::default());
            error.path = vec![PathSegment::Field(info.name.to_owned())];
            return Err(error);
        }
        next.run(ctx, info).await
    }
}
