use async_graphql::Enum;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Enum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Role {
    #[sea_orm(string_value = "USER")]
    User,
    #[sea_orm(string_value = "MODERATOR")]
    Moderator,
    #[sea_orm(string_value = "ADMIN")]
    Admin,
}

impl Role {
    /// Moderators and admins work the moderation queue.
    pub fn moderates(self) -> bool {
        matches!(self, Role::Moderator | Role::Admin)
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Enum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum CommentPolicy {
    #[sea_orm(string_value = "EVERYONE")]
    Everyone,
    #[sea_orm(string_value = "FOLLOWERS")]
    Followers,
    #[sea_orm(string_value = "NOBODY")]
    Nobody,
}

impl CommentPolicy {
    /// Higher is stricter; used to tell tightening from loosening.
    pub fn strictness(self) -> u8 {
        match self {
            CommentPolicy::Everyone => 0,
            CommentPolicy::Followers => 1,
            CommentPolicy::Nobody => 2,
        }
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Enum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Pillar {
    #[sea_orm(string_value = "LEARN")]
    Learn,
    #[sea_orm(string_value = "DISCOVER")]
    Discover,
    #[sea_orm(string_value = "CONNECT")]
    Connect,
    #[sea_orm(string_value = "LAUGH")]
    Laugh,
    #[sea_orm(string_value = "KINDNESS")]
    Kindness,
}
