//! The checks every document passes before anything of it runs: its text
//! (`input::check_text`), every argument within its bound (`input`), and
//! what it may cost (`cost`). `AppSchema::execute` and `execute_stream`, the
//! only ways into the schema, run them ahead of async-graphql's own checks:
//! its recursion check expands every fragment spread, which is exponential
//! in a document whose fragments spread the next one twice. Ours measure
//! each fragment once, and refuse such a document (and fragment cycles)
//! before async-graphql walks it. Each check is linear in the document's
//! size, and the document is parsed once, for them and for execution.
use std::sync::{Arc, OnceLock};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{
    ErrorExtensions, ObjectType, Request, SchemaBuilder, SchemaEnv, ServerError, ServerResult, SubscriptionType,
    Variables,
};
use futures_util::FutureExt;

use super::input::{Bounds, VariableValues};
use super::{cost, input};
use crate::config::QueryLimits;
use crate::error::{ApiError, AppError};

pub struct DocumentChecks {
    limits: QueryLimits,
    /// The schema's registry: the types, fields and arguments the checks walk.
    schema: SchemaEnv,
    /// Read from the schema's descriptions.
    bounds: Bounds,
}

impl DocumentChecks {
    pub fn new(limits: QueryLimits, schema: SchemaEnv) -> Self {
        let bounds = Bounds::of(&schema.registry);
        Self { limits, schema, bounds }
    }

    /// Parses the request's document (kept in the request for execution)
    /// and checks it. A document that does not parse is left to
    /// async-graphql, which says where it fails.
    pub fn admit(&self, request: &mut Request) -> Result<(), ServerError> {
        let refuse = |err: AppError| {
            let mut error = ApiError(err).extend().into_server_error(async_graphql::Pos::default());
            error.path = Vec::new();
            error
        };
        input::check_text(&request.query).map_err(refuse)?;
        // Set aside while the parsed document borrows the request.
        let variables = std::mem::take(&mut request.variables);
        let operation_name = request.operation_name.clone();
        let checked = match request.parsed_query() {
            Ok(document) => self.check(document, operation_name.as_deref(), &variables).map_err(refuse),
            Err(_) => Ok(()),
        };
        request.variables = variables;
        checked
    }

    fn check(
        &self,
        document: &ExecutableDocument,
        operation_name: Option<&str>,
        variables: &Variables,
    ) -> Result<(), AppError> {
        let registry = &self.schema.registry;
        let values = VariableValues::new(document, operation_name, variables);
        input::check(&self.bounds, registry, document, &values)?;
        cost::check(registry, document, &values, self.limits)
    }
}

/// The registry async-graphql builds for a schema's types. It shows it only
/// to extensions, and a schema with any extension pays for it on every
/// field, so a probe schema of the same types, with one extension, reads it
/// from the first step of one request.
pub fn registry_of<Q, M, S>(probe: SchemaBuilder<Q, M, S>) -> Option<SchemaEnv>
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    let found = Arc::new(OnceLock::new());
    let probe = probe.extension(Probe(found.clone())).finish();
    // The extension runs before the request's first wait, if any.
    let _ = probe.execute(Request::new("{ __typename }")).now_or_never();
    found.get().cloned()
}

struct Probe(Arc<OnceLock<SchemaEnv>>);

impl ExtensionFactory for Probe {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Probe(self.0.clone()))
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for Probe {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let _ = self.0.set(ctx.schema_env.clone());
        next.run(ctx, request).await
    }
}
