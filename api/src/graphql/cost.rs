//! What an operation may cost, decided before anything runs: every field
//! (`__typename` included) counts 1, a connection multiplies what is selected
//! inside it by its `first` (20 when absent), an operation selects at most a
//! set number of root fields, and its data fields nest at most so deep.
//! async-graphql's own complexity counts neither page sizes nor
//! `__typename`, so a hundred aliased pages of pages would pass it; its depth
//! limit counts introspection too, whose standard query (GraphiQL's, codegen's)
//! nests `ofType` deeper than any data. Introspection is bounded by the
//! schema's size, and off in production.
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Field, Selection, SelectionSet};
use async_graphql::registry::{MetaTypeName, Registry};
use async_graphql::{ErrorExtensions, Name, ServerResult, Value, Variables};

use crate::config::QueryLimits;
use crate::error::AppError;
use crate::service::pagination::DEFAULT_PAGE;

pub struct CostLimit(pub QueryLimits);

impl ExtensionFactory for CostLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(CostLimit(self.0))
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for CostLimit {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        check(&ctx.schema_env.registry, &document, variables, self.0).map_err(|err| {
            let mut error =
                crate::error::ApiError(err.clone()).extend().into_server_error(async_graphql::Pos::default());
            error.path = Vec::new();
            error
        })?;
        Ok(document)
    }
}

/// Refuses a document any of whose operations is too costly.
pub fn check(
    registry: &Registry,
    document: &ExecutableDocument,
    variables: &Variables,
    limits: QueryLimits,
) -> Result<(), AppError> {
    for (_, operation) in document.operations.iter() {
        let root = match operation.node.ty {
            async_graphql::parser::types::OperationType::Query => Some(registry.query_type.as_str()),
            async_graphql::parser::types::OperationType::Mutation => registry.mutation_type.as_deref(),
            async_graphql::parser::types::OperationType::Subscription => registry.subscription_type.as_deref(),
        };
        let walker = Walker { registry, document, variables, limit: limits.max_complexity };
        let depth = walker.depth(&operation.node.selection_set.node, true, &mut Vec::new());
        if depth > limits.max_depth {
            return Err(AppError::QueryTooComplex(format!(
                "The query is nested too deep: fields may nest at most {} levels (introspection aside), and this \
                 one nests {depth}",
                limits.max_depth
            )));
        }
        let roots = walker.root_fields(&operation.node.selection_set.node, &mut Vec::new());
        if roots > limits.max_root_fields {
            return Err(AppError::QueryTooComplex(format!(
                "An operation may select at most {} root fields; this one selects {roots}",
                limits.max_root_fields
            )));
        }
        let cost = walker.cost(&operation.node.selection_set.node, root, &mut Vec::new());
        if cost > limits.max_complexity {
            return Err(AppError::QueryTooComplex(format!(
                "The query is too complex: it may cost at most {}, and counting every field and page size it \
                 costs more than that",
                limits.max_complexity
            )));
        }
    }
    Ok(())
}

struct Walker<'a> {
    registry: &'a Registry,
    document: &'a ExecutableDocument,
    variables: &'a Variables,
    limit: usize,
}

impl<'a> Walker<'a> {
    /// The fields one selection set selects, fragments expanded.
    fn root_fields(&self, set: &'a SelectionSet, fragments: &mut Vec<&'a Name>) -> usize {
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(_) => 1,
                Selection::InlineFragment(inline) => self.root_fields(&inline.node.selection_set.node, fragments),
                Selection::FragmentSpread(spread) => {
                    self.fragment(&spread.node.fragment_name.node, fragments, |w, def, f| {
                        w.root_fields(&def.selection_set.node, f)
                    })
                }
            })
            .fold(0, usize::saturating_add)
    }

    /// How deep a selection set nests, counting the leaf: `{ me { email } }`
    /// is 2. At the root, the introspection fields do not count.
    fn depth(&self, set: &'a SelectionSet, root: bool, fragments: &mut Vec<&'a Name>) -> usize {
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(field) => {
                    let name = field.node.name.node.as_str();
                    if root && (name == "__schema" || name == "__type") {
                        0
                    } else {
                        1 + self.depth(&field.node.selection_set.node, false, fragments)
                    }
                }
                Selection::InlineFragment(inline) => self.depth(&inline.node.selection_set.node, root, fragments),
                Selection::FragmentSpread(spread) => {
                    self.fragment(&spread.node.fragment_name.node, fragments, |w, def, f| {
                        w.depth(&def.selection_set.node, root, f)
                    })
                }
            })
            .max()
            .unwrap_or(0)
    }

    /// The cost of a selection set on `parent` (a type name, when known).
    /// Stops adding once past the limit, so a deep document cannot make it
    /// work long; a fragment cycle costs nothing here and is refused later by
    /// validation.
    fn cost(&self, set: &'a SelectionSet, parent: Option<&str>, fragments: &mut Vec<&'a Name>) -> usize {
        let mut total: usize = 0;
        for item in &set.items {
            if total > self.limit {
                break;
            }
            let cost = match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let meta = parent
                        .and_then(|p| self.registry.types.get(p))
                        .and_then(|t| t.field_by_name(field.name.node.as_str()));
                    let child_type = meta.map(|m| MetaTypeName::concrete_typename(&m.ty));
                    let pages = match meta {
                        Some(meta) if meta.args.contains_key("first") => self.first(field),
                        _ => 1,
                    };
                    let inner = self.cost(&field.selection_set.node, child_type, fragments);
                    inner.saturating_mul(pages).saturating_add(1)
                }
                Selection::InlineFragment(inline) => {
                    let on = inline.node.type_condition.as_ref().map(|c| c.node.on.node.as_str()).or(parent);
                    self.cost(&inline.node.selection_set.node, on, fragments)
                }
                Selection::FragmentSpread(spread) => {
                    self.fragment(&spread.node.fragment_name.node, fragments, |w, def, f| {
                        w.cost(&def.selection_set.node, Some(def.type_condition.node.on.node.as_str()), f)
                    })
                }
            };
            total = total.saturating_add(cost);
        }
        total
    }

    /// Applies `walk` to a named fragment, unless it is already being walked.
    fn fragment(
        &self,
        name: &'a Name,
        fragments: &mut Vec<&'a Name>,
        walk: impl FnOnce(&Self, &'a async_graphql::parser::types::FragmentDefinition, &mut Vec<&'a Name>) -> usize,
    ) -> usize {
        let Some(definition) = self.document.fragments.get(name) else { return 0 };
        if fragments.contains(&name) {
            return 0;
        }
        fragments.push(name);
        let cost = walk(self, &definition.node, fragments);
        fragments.pop();
        cost
    }

    /// The page size a connection field asks for: its `first`, literal or
    /// from a variable, or the default page.
    fn first(&self, field: &Field) -> usize {
        let value = field.arguments.iter().find(|(name, _)| name.node.as_str() == "first").and_then(|(_, value)| {
            value.node.clone().into_const_with(|name| self.variables.get(&name).cloned().ok_or(())).ok()
        });
        match value {
            Some(Value::Number(n)) => n.as_u64().map_or(DEFAULT_PAGE as usize, |n| n.max(1) as usize),
            _ => DEFAULT_PAGE as usize,
        }
    }
}
