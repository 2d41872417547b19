//! Response and request bodies (legacy shapes) and their OpenAPI schemas.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// The legacy failure envelope, shared by every module.
pub use hme_kernel::openapi::ErrorBody;

/// A user as mongoose's `toJSON` prints it (documentation schema).
#[derive(ToSchema)]
#[schema(as = User)]
#[allow(dead_code)]
pub struct UserJson {
    /// The Clerk user id (or an own account's id).
    _id: String,
    name: String,
    email: String,
    #[serde(rename = "imageUrl")]
    image_url: String,
    /// `{<productId>: <quantity>}`; `{}` when empty.
    #[serde(rename = "cartItems")]
    #[schema(value_type = Object)]
    cart_items: Value,
    __v: i32,
}

/// An address as mongoose's `toJSON` prints it (documentation schema).
#[derive(ToSchema)]
#[schema(as = Address)]
#[allow(dead_code)]
pub struct AddressJson {
    /// 24-hex id.
    _id: String,
    #[serde(rename = "userId")]
    user_id: String,
    #[serde(rename = "fullName")]
    full_name: String,
    #[serde(rename = "phoneNumber")]
    phone_number: String,
    /// Absent when not given.
    #[serde(rename = "pinCode")]
    pin_code: Option<i64>,
    area: String,
    city: String,
    state: String,
    __v: i32,
}

/// `{success, user}`.
#[derive(Serialize, ToSchema)]
pub struct UserBody {
    /// Always true.
    pub success: bool,
    /// The user document.
    #[schema(value_type = UserJson)]
    pub user: Value,
}

/// `{success, cartItems}`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CartBody {
    /// Always true.
    pub success: bool,
    /// `{<productId>: <quantity>}`.
    #[schema(value_type = Object)]
    pub cart_items: Value,
}

/// `{cartData: {<productId>: <quantity>}}`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CartUpdateBody {
    /// Product ids (24 hex) to positive whole quantities; at most 100 lines by default.
    #[schema(value_type = Object)]
    pub cart_data: Value,
}

/// `{success}` and an optional message.
#[derive(Serialize, ToSchema)]
pub struct OkBody {
    /// Always true.
    pub success: bool,
    /// What happened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'static str>,
}

/// `{address: {...}}`.
#[derive(Deserialize, ToSchema)]
pub struct AddAddressBody {
    /// The new address.
    pub address: crate::domain::AddressInput,
}

/// `{success, message: "Address added successfully", newAddress}`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddressAddedBody {
    /// Always true.
    pub success: bool,
    /// `Address added successfully`.
    pub message: &'static str,
    /// The stored address.
    #[schema(value_type = AddressJson)]
    pub new_address: Value,
}

/// `{success, addresses}`.
#[derive(Serialize, ToSchema)]
pub struct AddressesBody {
    /// Always true.
    pub success: bool,
    /// The caller's addresses, oldest first.
    #[schema(value_type = Vec<AddressJson>)]
    pub addresses: Vec<Value>,
}

/// `{email, password, name}`.
#[derive(Deserialize, ToSchema)]
pub struct RegisterBody {
    /// An email address (trimmed and lower-cased).
    pub email: String,
    /// 8 to 128 characters.
    pub password: String,
    /// The display name.
    pub name: String,
}

/// `{email, password}`.
#[derive(Deserialize, ToSchema)]
pub struct LoginBody {
    /// The email address.
    pub email: String,
    /// The password.
    pub password: String,
}

/// `{refreshToken}`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefreshBody {
    /// The refresh token from login or the last refresh.
    pub refresh_token: String,
}

/// The signed-in caller.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeBody {
    /// Always true.
    pub success: bool,
    /// The user id (`sub`).
    pub user_id: String,
    /// `customer`, `seller` or `admin`.
    pub role: String,
    /// `hme` for our accounts, `clerk` otherwise.
    pub provider: &'static str,
    /// The email of our account or of the user document, when known.
    pub email: Option<String>,
    /// The user document's name, when there is one.
    pub name: Option<String>,
}

/// `{userId, role}`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GrantBody {
    /// The account id (`usr_...`).
    pub user_id: String,
    /// `customer`, `seller` or `admin`.
    pub role: String,
}
