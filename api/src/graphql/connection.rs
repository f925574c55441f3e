//! Relay connections: `edges { cursor node }` and `pageInfo`.
use async_graphql::{OutputType, SimpleObject};

use super::accounts::User;
use super::content::{Comment, Content};
use super::moderation::{ModerationCase, ModerationEvent, Notification, Report};
use crate::service::pagination::Page;

#[derive(SimpleObject)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

#[derive(SimpleObject)]
#[graphql(concrete(name = "ContentEdge", params(Content)))]
#[graphql(concrete(name = "CommentEdge", params(Comment)))]
#[graphql(concrete(name = "UserEdge", params(User)))]
#[graphql(concrete(name = "ReportEdge", params(Report)))]
#[graphql(concrete(name = "ModerationCaseEdge", params(ModerationCase)))]
#[graphql(concrete(name = "ModerationEventEdge", params(ModerationEvent)))]
#[graphql(concrete(name = "NotificationEdge", params(Notification)))]
pub struct Edge<N: OutputType> {
    pub cursor: String,
    pub node: N,
}

pub type ContentEdge = Edge<Content>;
pub type CommentEdge = Edge<Comment>;
pub type UserEdge = Edge<User>;
pub type ReportEdge = Edge<Report>;
pub type ModerationCaseEdge = Edge<ModerationCase>;
pub type ModerationEventEdge = Edge<ModerationEvent>;
pub type NotificationEdge = Edge<Notification>;

#[derive(SimpleObject)]
#[graphql(concrete(name = "ContentConnection", params(ContentEdge)))]
#[graphql(concrete(name = "CommentConnection", params(CommentEdge)))]
#[graphql(concrete(name = "UserConnection", params(UserEdge)))]
#[graphql(concrete(name = "ReportConnection", params(ReportEdge)))]
#[graphql(concrete(name = "ModerationCaseConnection", params(ModerationCaseEdge)))]
#[graphql(concrete(name = "ModerationEventConnection", params(ModerationEventEdge)))]
#[graphql(concrete(name = "NotificationConnection", params(NotificationEdge)))]
pub struct Connection<E: OutputType> {
    pub edges: Vec<E>,
    pub page_info: PageInfo,
}

impl<N: OutputType> Connection<Edge<N>>
where
    Edge<N>: OutputType,
{
    pub fn from_page<T>(page: Page<T>, node: impl Fn(T) -> N) -> Self {
        let page_info = PageInfo { has_next_page: page.has_next_page, end_cursor: page.end_cursor() };
        let edges = page.items.into_iter().map(|(cursor, item)| Edge { cursor, node: node(item) }).collect();
        Self { edges, page_info }
    }
}
