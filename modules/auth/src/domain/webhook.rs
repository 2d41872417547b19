//! The Clerk webhook payload (`user.created`, `user.updated`, `user.deleted`) and the
//! user it describes, mapped as the legacy Inngest functions did.

use hme_kernel::auth::{role_of_public_metadata, Role};
use serde::Deserialize;

use super::user::UserProfile;

/// A Clerk webhook event.
#[derive(Debug, Clone, Deserialize)]
pub struct ClerkEvent {
    /// `user.created`, `user.updated`, `user.deleted`, ...
    #[serde(rename = "type")]
    pub kind: String,
    /// The user object (for `user.deleted`, only `id` and `deleted`).
    pub data: ClerkUser,
}

/// The parts of a Clerk user object the shop uses.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ClerkUser {
    /// The Clerk user id.
    #[serde(default)]
    pub id: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Email addresses; the first one is the user's email (legacy rule).
    #[serde(default)]
    pub email_addresses: Vec<ClerkEmail>,
    /// Avatar URL.
    #[serde(default)]
    pub image_url: Option<String>,
    /// Public metadata; its `role` is the shop's role of the user (`"seller"`).
    #[serde(default)]
    pub public_metadata: Option<serde_json::Value>,
}

/// One email address of a Clerk user.
#[derive(Debug, Clone, Deserialize)]
pub struct ClerkEmail {
    /// The address.
    pub email_address: String,
}

/// What a user event does to the `users` collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserChange {
    /// Create or update the user (upsert: idempotent, and out-of-order safe).
    Upsert(UserProfile),
    /// Delete the user.
    Delete(String),
    /// An event type the shop does not use.
    Ignore,
}

/// What a user event tells about the user's role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleChange {
    /// `user.created` / `user.updated`: the role in `public_metadata` (customer without one).
    Set(String, Role),
    /// `user.deleted`: forget it.
    Forget(String),
}

impl ClerkEvent {
    /// The role change of a user event (None for other events or without a user id).
    pub fn role_change(&self) -> Option<RoleChange> {
        let id = self.data.id.clone().filter(|s| !s.trim().is_empty())?;
        match self.kind.as_str() {
            "user.created" | "user.updated" => Some(RoleChange::Set(id, role_of_public_metadata(self.data.public_metadata.as_ref()))),
            "user.deleted" => Some(RoleChange::Forget(id)),
            _ => None,
        }
    }

    /// The change: `_id` = id, `email` = first address, `name` = first + " " + last,
    /// `imageUrl` = image url. Fails when a user event lacks what it needs.
    pub fn change(&self) -> Result<UserChange, &'static str> {
        let id = || self.data.id.clone().filter(|s| !s.trim().is_empty()).ok_or("the event has no user id");
        match self.kind.as_str() {
            "user.created" | "user.updated" => {
                let email = self.data.email_addresses.first().map(|e| e.email_address.clone()).ok_or("the user has no email address")?;
                let first = self.data.first_name.clone().unwrap_or_default();
                let last = self.data.last_name.clone().unwrap_or_default();
                let name = format!("{first} {last}").trim().to_owned();
                let name = if name.is_empty() { email.split('@').next().unwrap_or_default().to_owned() } else { name };
                let image_url = self.data.image_url.clone().unwrap_or_default();
                Ok(UserChange::Upsert(UserProfile { id: id()?, name, email, image_url }))
            }
            "user.deleted" => Ok(UserChange::Delete(id()?)),
            _ => Ok(UserChange::Ignore),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, data: serde_json::Value) -> ClerkEvent {
        serde_json::from_value(serde_json::json!({"type": kind, "data": data})).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn user_events_carry_the_role_of_their_public_metadata() {
        let seller = event("user.updated", serde_json::json!({"id": "user_1", "public_metadata": {"role": "seller"}}));
        assert_eq!(seller.role_change(), Some(RoleChange::Set("user_1".into(), Role::Seller)));
        let plain = event("user.created", serde_json::json!({"id": "user_2", "public_metadata": {}}));
        assert_eq!(plain.role_change(), Some(RoleChange::Set("user_2".into(), Role::Customer)));
        let deleted = event("user.deleted", serde_json::json!({"id": "user_3", "deleted": true}));
        assert_eq!(deleted.role_change(), Some(RoleChange::Forget("user_3".into())));
        assert_eq!(event("session.created", serde_json::json!({"id": "sess_1"})).role_change(), None);
    }
}
