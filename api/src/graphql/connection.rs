//! Relay connections: `edges { cursor node }` and `pageInfo`.
use std::borrow::Cow;

use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::{ContextSelectionSet, OutputType, Positioned, ServerResult, SimpleObject, Value};

use super::accounts::User;
use super::age_checks::AgeCheck;
use super::content::{Comment, Content};
use super::identity::VerificationRequest;
use super::moderation::{ModerationCase, ModerationEvent, Notification, Report};
use crate::service::feed::FeedCursor;
use crate::service::pagination::{Cursor, Page};

/// Where a page ends, and whether another follows.
#[derive(SimpleObject)]
pub struct PageInfo {
    /// Whether more items follow this page.
    pub has_next_page: bool,
    /// The last item's cursor, to pass as `after` for the next page; null when the page is empty.
    pub end_cursor: Option<String>,
}

/// One item of a page, with its position in the list.
#[derive(SimpleObject)]
#[graphql(concrete(name = "ContentEdge", params(Content)))]
#[graphql(concrete(name = "CommentEdge", params(Comment)))]
#[graphql(concrete(name = "UserEdge", params(User)))]
#[graphql(concrete(name = "ReportEdge", params(Report)))]
#[graphql(concrete(name = "ModerationCaseEdge", params(ModerationCase)))]
#[graphql(concrete(name = "ModerationEventEdge", params(ModerationEvent)))]
#[graphql(concrete(name = "NotificationEdge", params(Notification)))]
#[graphql(concrete(name = "VerificationRequestEdge", params(VerificationRequest)))]
#[graphql(concrete(name = "AgeCheckEdge", params(AgeCheck)))]
pub struct Edge<N: OutputType> {
    /// This item's position: pass it as `after` to get the items that follow it.
    pub cursor: EdgeCursor<Cursor>,
    /// The item.
    pub node: N,
}

pub type ContentEdge = Edge<Content>;
pub type CommentEdge = Edge<Comment>;
pub type UserEdge = Edge<User>;
pub type ReportEdge = Edge<Report>;
pub type ModerationCaseEdge = Edge<ModerationCase>;
pub type ModerationEventEdge = Edge<ModerationEvent>;
pub type NotificationEdge = Edge<Notification>;
pub type VerificationRequestEdge = Edge<VerificationRequest>;
pub type AgeCheckEdge = Edge<AgeCheck>;

/// One page of a list; ask for the next one with `after` set to `pageInfo.endCursor`.
#[derive(SimpleObject)]
#[graphql(concrete(name = "ContentConnection", params(ContentEdge)))]
#[graphql(concrete(name = "CommentConnection", params(CommentEdge)))]
#[graphql(concrete(name = "UserConnection", params(UserEdge)))]
#[graphql(concrete(name = "ReportConnection", params(ReportEdge)))]
#[graphql(concrete(name = "ModerationCaseConnection", params(ModerationCaseEdge)))]
#[graphql(concrete(name = "ModerationEventConnection", params(ModerationEventEdge)))]
#[graphql(concrete(name = "NotificationConnection", params(NotificationEdge)))]
#[graphql(concrete(name = "VerificationRequestConnection", params(VerificationRequestEdge)))]
#[graphql(concrete(name = "AgeCheckConnection", params(AgeCheckEdge)))]
pub struct Connection<E: OutputType> {
    /// The items of this page, in the list's order.
    pub edges: Vec<E>,
    /// Whether another page follows, and the cursor to ask for it.
    pub page_info: PageInfo,
}

impl<N: OutputType> Connection<Edge<N>>
where
    Edge<N>: OutputType,
{
    pub fn from_page<T>(page: Page<T>, node: impl Fn(T) -> N) -> Self {
        let page_info = PageInfo { has_next_page: page.has_next_page, end_cursor: page.end_cursor() };
        let edges = page
            .items
            .into_iter()
            .map(|(cursor, item)| Edge { cursor: EdgeCursor(cursor), node: node(item) })
            .collect();
        Self { edges, page_info }
    }
}

/// An edge's cursor: a `String` in the schema, encoded only when a client
/// selects it (most pages ask for none but `pageInfo.endCursor`).
pub struct EdgeCursor<C>(pub C);

/// A position that becomes a cursor's text.
pub trait CursorText: Send + Sync {
    fn text(&self) -> String;
}

impl CursorText for Cursor {
    fn text(&self) -> String {
        self.encode()
    }
}

impl CursorText for FeedCursor {
    fn text(&self) -> String {
        self.encode()
    }
}

impl<C: CursorText> OutputType for EdgeCursor<C> {
    fn type_name() -> Cow<'static, str> {
        <String as OutputType>::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <String as OutputType>::create_type_info(registry)
    }

    async fn resolve(&self, _: &ContextSelectionSet<'_>, _: &Positioned<Field>) -> ServerResult<Value> {
        Ok(Value::String(self.0.text()))
    }
}
