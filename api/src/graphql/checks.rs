//! The checks every document passes before anything of it runs: its text
//! (`input::check_text`), every argument within its bound (`input`), and
//! what it may cost (`cost`). They run on a parse of their own, ahead of
//! async-graphql's: its recursion check expands every fragment spread, which
//! is exponential in a document whose fragments spread the next one twice.
//! Ours measure each fragment once, and refuse such a document (and
//! fragment cycles) before async-graphql walks it. Each check is linear in
//! the document's size.
use std::sync::{Arc, OnceLock};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ErrorExtensions, ServerResult, Variables};

use super::input::{Bounds, VariableValues};
use super::{cost, input};
use crate::config::QueryLimits;
use crate::error::{ApiError, AppError};

pub struct DocumentChecks {
    limits: QueryLimits,
    /// Read from the schema's descriptions at the first request.
    bounds: Arc<OnceLock<Bounds>>,
}

impl DocumentChecks {
    pub fn new(limits: QueryLimits) -> Self {
        Self { limits, bounds: Arc::new(OnceLock::new()) }
    }
}

impl ExtensionFactory for DocumentChecks {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(DocumentChecks { limits: self.limits, bounds: self.bounds.clone() })
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for DocumentChecks {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let refuse = |err: AppError| {
            let mut error = ApiError(err).extend().into_server_error(async_graphql::Pos::default());
            error.path = Vec::new();
            error
        };
        input::check_text(query).map_err(refuse)?;
        // A document that does not parse is left to async-graphql's own
        // parse, which says where it fails.
        if let Ok(document) = async_graphql::parser::parse_query(query) {
            let registry = &ctx.schema_env.registry;
            let values = VariableValues::new(&document, variables);
            let bounds = self.bounds.get_or_init(|| Bounds::of(registry));
            input::check(bounds, registry, &document, &values).map_err(refuse)?;
            cost::check(registry, &document, &values, self.limits).map_err(refuse)?;
        }
        next.run(ctx, query, variables).await
    }
}
