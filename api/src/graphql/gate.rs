//! The operation gate: the query and mutation roots are `Gated`, so every
//! root field passes through it and no operation can forget the rules that
//! hold for all of them: an appeal token opens only the appeal, and
//! mutations need the current privacy policy. Each mutation, once done,
//! announces that data changed, so no mutation can leave a stale anonymous
//! response in any instance's cache; and on SQLite it succeeds only if its
//! write reached the disk (see `durability`).
//!
//! It wraps the roots rather than being an async-graphql extension: a
//! schema with any extension runs its hook, and looks the field up in the
//! registry, for every field of every answer (a page of twenty items is a
//! hundred fields), and these rules are about root fields alone.
use std::borrow::Cow;

use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::{ContainerType, resolve_container, resolve_container_serial};
use async_graphql::{
    Context, ContextSelectionSet, ErrorExtensions, ObjectType, OutputType, PathSegment, Pos, Positioned, ServerError,
    ServerResult, Value,
};

use crate::service::policy::Access;
use crate::state::AppState;

/// Which root a `Gated` wraps: mutations have rules of their own.
pub trait Root {
    const MUTATION: bool;
}

impl Root for super::QueryRoot {
    const MUTATION: bool = false;
}

impl Root for super::MutationRoot {
    const MUTATION: bool = true;
}

/// A root type whose every field passes the gate first.
#[derive(Default)]
pub struct Gated<T>(T);

fn refusal(err: crate::error::AppError, field: &str) -> ServerError {
    let mut error = crate::error::ApiError(err).extend().into_server_error(Pos::default());
    error.path = vec![PathSegment::Field(field.to_owned())];
    error
}

impl<T: ContainerType + Root> ContainerType for Gated<T> {
    async fn resolve_field(&self, ctx: &Context<'_>) -> ServerResult<Option<Value>> {
        let field = &ctx.item.node;
        let (name, key) = (field.name.node.as_str(), field.response_key().node.as_str());
        let state = ctx.data_opt::<AppState>();
        if let (Some(access), Some(state)) = (ctx.data_opt::<Access>(), state) {
            let mut verdict = access.admits(name);
            if verdict.is_ok() && T::MUTATION {
                verdict = access.consent_for(&state.db, name).await;
            }
            verdict.map_err(|err| refusal(err, key))?;
        }
        let result = self.0.resolve_field(ctx).await;
        if let (true, Some(state)) = (T::MUTATION, state) {
            if let Err(err) = state.changes.publish_data_changed(&state.db).await {
                tracing::warn!("announcing a change failed: {}", err.detail());
            }
            if result.is_ok() && !state.disk.writes_are_kept() {
                tracing::error!(
                    operation = name,
                    "the database's file system is read-only: a write is not acknowledged"
                );
                let err = crate::service::error::AppError::internal("the database's file system turned read-only");
                return Err(refusal(err, key));
            }
        }
        result
    }

    async fn find_entity(&self, ctx: &Context<'_>, params: &Value) -> ServerResult<Option<Value>> {
        self.0.find_entity(ctx, params).await
    }
}

impl<T: ContainerType + Root> OutputType for Gated<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, _field: &Positioned<Field>) -> ServerResult<Value> {
        // Mutations run one after another, as async-graphql runs them.
        if T::MUTATION { resolve_container_serial(ctx, self).await } else { resolve_container(ctx, self).await }
    }
}

impl<T: ObjectType + Root> ObjectType for Gated<T> {}
