//! The cart (frontend.md 2 "GET /api/user/data", "POST /api/cart/update", 3 "Cart
//! keys", 9 "user/data", "cart/update").

use reqwest::Method;
use serde_json::{json, Value};

use crate::pages::{cart_view, toast, Toast};
use crate::support::{Shop, User};

on_both_backends!(
    user_data_replaces_the_guest_cart_with_the_stored_cart_items,
    cart_update_stores_the_whole_cart_and_any_2xx_reads_as_success,
    cart_entries_without_a_catalogue_product_are_hidden_yet_counted_and_ordered,
    user_data_for_a_signed_out_or_unknown_user_is_200_false_user_not_found,
    cart_update_is_401_signed_out_and_404_for_an_unknown_user,
);

/// The cart the app loads when the Clerk user appears: `user.cartItems`.
async fn stored_cart(shop: &Shop, user: &User) -> Value {
    let b = shop.axios(Method::GET, "/api/user/data", Some(&user.token), None).await.unwrap_or_else(|e| panic!("[{:?}] user/data: {e}", shop.backend));
    assert_eq!(b["success"], json!(true), "[{:?}] user/data: {b}", shop.backend);
    b["user"]["cartItems"].clone()
}

/// What the cart context does on each change: POST the whole cart; `success` is not
/// checked, any 2xx is the success toast.
async fn send_cart(shop: &Shop, user: &User, cart: Value) -> Result<(), String> {
    shop.axios(Method::POST, "/api/cart/update", Some(&user.token), Some(json!({"cartData": cart}))).await.map(|_| ())
}

/// 2: user/data on sign-in: the guest cart is replaced by `user.cartItems` (an object,
/// `{}` for a new user).
async fn user_data_replaces_the_guest_cart_with_the_stored_cart_items(shop: Shop) {
    let (user, seller) = (shop.customer("Cart").await, shop.seller().await);
    assert_eq!(stored_cart(&shop, &user).await, json!({}), "[{:?}] a new user's cart", shop.backend);
    let p = shop.add_product(&seller, "Cart Buds", "1000", "").await;
    send_cart(&shop, &user, json!({ &p: 2 })).await.unwrap();
    let guest_cart = json!({"some-guest-item": 5});
    let cart = stored_cart(&shop, &user).await;
    assert_ne!(cart, guest_cart);
    assert_eq!(cart, json!({ &p: 2 }), "[{:?}] the signed-in cart", shop.backend);
}

/// 2: cart/update carries the whole cart, a quantity of 0 removing the key; any 2xx
/// is the success toast; payment-success sends `{cartData:{}}`. Stored verbatim.
async fn cart_update_stores_the_whole_cart_and_any_2xx_reads_as_success(shop: Shop) {
    let (user, seller) = (shop.customer("Cart").await, shop.seller().await);
    let a = shop.add_product(&seller, "Cart A", "1000", "").await;
    let b = shop.add_product(&seller, "Cart B", "2000", "").await;
    assert_eq!(send_cart(&shop, &user, json!({ &a: 2, &b: 1 })).await, Ok(()), "[{:?}]", shop.backend);
    assert_eq!(stored_cart(&shop, &user).await, json!({ &a: 2, &b: 1 }), "[{:?}]", shop.backend);
    assert_eq!(send_cart(&shop, &user, json!({ &a: 3 })).await, Ok(()), "[{:?}] b's quantity set to 0", shop.backend);
    assert_eq!(stored_cart(&shop, &user).await, json!({ &a: 3 }), "[{:?}]", shop.backend);
    assert_eq!(send_cart(&shop, &user, json!({})).await, Ok(()), "[{:?}] payment-success", shop.backend);
    assert_eq!(stored_cart(&shop, &user).await, json!({}), "[{:?}]", shop.backend);
}

/// 3: a cart key whose product is gone is hidden and left out of the total (+250
/// shipping), yet counted in the badge and sent with the order, which goes through.
async fn cart_entries_without_a_catalogue_product_are_hidden_yet_counted_and_ordered(shop: Shop) {
    let (user, seller) = (shop.customer("Cart").await, shop.seller().await);
    let kept = shop.add_product(&seller, "Kept Charger", "1200", "1000").await;
    let gone = shop.add_product(&seller, "Gone Charger", "800", "").await;
    send_cart(&shop, &user, json!({ &kept: 2, &gone: 1 })).await.unwrap();
    let del = shop.axios(Method::DELETE, "/api/product/delete", Some(&seller.token), Some(json!({"productId": gone}))).await.unwrap();
    assert_eq!(del["success"], json!(true));
    let view = cart_view(&stored_cart(&shop, &user).await, &shop.catalogue().await);
    assert_eq!((view.lines.clone(), view.badge, view.subtotal, view.total), (vec![(kept.clone(), 2)], 3, 2000.0, 2250.0), "[{:?}]", shop.backend);
    assert_eq!(view.items.len(), 2, "[{:?}] the order carries both keys", shop.backend);
    let address = shop.add_address(&user, "Cart Shopper").await;
    let items: Vec<(&str, u32)> = view.items.iter().map(|(p, q)| (p.as_str(), *q as u32)).collect();
    let r = shop.place_order(&user, &address, &items, "tcs").await;
    assert_eq!(toast(&r), Toast::Success("Order Placed".into()), "[{:?}] ordering a cart with a deleted product: {r:?}", shop.backend);
    let orders = shop.my_orders(&user).await.unwrap();
    assert_eq!(orders.len(), 1, "[{:?}]", shop.backend);
    assert_eq!(orders[0]["amount"].as_f64(), Some(2250.0), "[{:?}] the amount the cart page showed", shop.backend);
}

/// 9: user/data signed out (`Bearer null`) or for a user with no document: 200
/// `{success:false, message:"User not found"}`, the cart left as it is.
async fn user_data_for_a_signed_out_or_unknown_user_is_200_false_user_not_found(shop: Shop) {
    let stranger = hme_kernel::testing::clerk_token("user_never_created_by_a_webhook", None);
    for (who, token) in [("signed out", None), ("unknown user", Some(stranger.as_str()))] {
        let a = shop.axios_answer(Method::GET, "/api/user/data", Some(token.unwrap_or("null")), None).await;
        assert_eq!((a.status, &a.body["success"], &a.body["message"]), (200, &json!(false), &json!("User not found")), "[{:?}] {who}: {}", shop.backend, a.body);
    }
}

/// 9: cart/update signed out → 401 "Unauthorized", no user document → 404 "User not
/// found": the page's toast is axios' own message.
async fn cart_update_is_401_signed_out_and_404_for_an_unknown_user(shop: Shop) {
    let stranger = hme_kernel::testing::clerk_token("user_never_created_by_a_webhook", None);
    let body = json!({"cartData": {"0123456789abcdef01234567": 1}});
    for (token, status, message) in [("null", 401, "Unauthorized"), (stranger.as_str(), 404, "User not found")] {
        let a = shop.axios_answer(Method::POST, "/api/cart/update", Some(token), Some(body.clone())).await;
        assert_eq!((a.status, &a.body["message"]), (status, &json!(message)), "[{:?}] {}", shop.backend, a.body);
        let shown = crate::support::rejected_unless_2xx(a);
        assert_eq!(shown, Err(format!("Request failed with status code {status}")));
    }
}
