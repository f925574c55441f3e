//! Text no field may hold: the NUL character. PostgreSQL cannot store it
//! (the statement would fail as `INTERNAL`) and SQLite would keep it, so it is
//! refused once, here, for every argument and variable of every operation.
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ErrorExtensions, ServerResult, Value, Variables};

use crate::error::{ApiError, AppError};

pub struct NoNulText;

impl ExtensionFactory for NoNulText {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(NoNulText)
    }
}

fn holds_nul(value: &Value) -> bool {
    match value {
        Value::String(text) => text.contains('\0'),
        Value::List(items) => items.iter().any(holds_nul),
        Value::Object(fields) => fields.iter().any(|(name, value)| name.contains('\0') || holds_nul(value)),
        _ => false,
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for NoNulText {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        // In the query text a NUL can only come escaped, as \u0000.
        let literal = query.contains('\0') || query.to_ascii_lowercase().contains("\\u0000");
        if literal || variables.iter().any(|(_, value)| holds_nul(value)) {
            let refusal = AppError::field("input", "may not contain the NUL character");
            return Err(ApiError(refusal).extend().into_server_error(async_graphql::Pos::default()));
        }
        next.run(ctx, query, variables).await
    }
}
