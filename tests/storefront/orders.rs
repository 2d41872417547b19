//! Orders (frontend.md 2 "POST /api/order/create", "GET /api/order/list", 3 "Order
//! lists", 5 "/seller/orders", 9 "order/create", "order/list", "seller-orders").

use reqwest::Method;
use serde_json::json;

use crate::pages::{my_orders_view, seller_orders_view, toast, Toast};
use crate::support::{Shop, User};

on_both_backends!(
    placing_an_order_toasts_order_placed_with_the_booked_courier_and_empties_the_cart,
    my_orders_shows_the_newest_order_first,
    order_cards_show_product_names_address_amount_date_and_courier,
    order_create_signed_out_is_401_and_without_items_or_address_200_false,
    the_amount_is_unit_prices_times_quantities_plus_250_over_existing_products,
    order_lists_render_every_order_jazzcash_ones_included,
    seller_orders_lists_every_users_orders_as_given_and_refuses_customers_with_200_false,
);

/// A customer with an address and a seller's product: (customer, address, product).
async fn ready_to_order(shop: &Shop, product: (&str, &str, &str)) -> (User, String, String, User) {
    let (user, seller) = (shop.customer("Orders").await, shop.seller().await);
    let address = shop.add_address(&user, "Omar Orders").await;
    let p = shop.add_product(&seller, product.0, product.1, product.2).await;
    (user, address, p, seller)
}

/// 2 and 9: order/create with the picked courier: "Order Placed" with the courier
/// block (tracking number COURIER-<n < 10^8>, "Booked"); the stored cart is emptied.
async fn placing_an_order_toasts_order_placed_with_the_booked_courier_and_empties_the_cart(shop: Shop) {
    let (user, address, p, _) = ready_to_order(&shop, ("Order Buds", "1999", "1499")).await;
    shop.axios(Method::POST, "/api/cart/update", Some(&user.token), Some(json!({"cartData": { &p: 2 }}))).await.unwrap();
    let r = shop.place_order(&user, &address, &[(&p, 2)], "mnp").await;
    assert_eq!(toast(&r), Toast::Success("Order Placed".into()), "[{:?}] {r:?}", shop.backend);
    let courier = &r.as_ref().unwrap()["courier"];
    assert_eq!((&courier["courierName"], &courier["courierStatus"]), (&json!("mnp"), &json!("Booked")), "[{:?}] {courier}", shop.backend);
    let tn = courier["courierTrackingNumber"].as_str().unwrap_or_else(|| panic!("[{:?}] no tracking number: {courier}", shop.backend));
    let digits = tn.strip_prefix("MNP-").unwrap_or_else(|| panic!("[{:?}] tracking number {tn}", shop.backend));
    assert!(digits.parse::<u64>().is_ok_and(|n| n < 100_000_000), "[{:?}] tracking number {tn}", shop.backend);
    let data = shop.axios(Method::GET, "/api/user/data", Some(&user.token), None).await.unwrap();
    assert_eq!(data["user"]["cartItems"], json!({}), "[{:?}] the cart after ordering", shop.backend);
}

/// 2 and 9: order/list in natural order; my-orders reverses it: the newest first.
async fn my_orders_shows_the_newest_order_first(shop: Shop) {
    let (user, address, p, _) = ready_to_order(&shop, ("Order Lamp", "100", "")).await;
    let mut placed = Vec::new();
    for qty in 1..=3 {
        shop.place_order(&user, &address, &[(&p, qty)], "tcs").await.unwrap();
        let orders = shop.my_orders(&user).await.unwrap();
        let new = orders.iter().map(crate::pages::id).find(|i| !placed.contains(i)).unwrap();
        placed.push(new);
    }
    let shown: Vec<String> = my_orders_view(&shop.my_orders(&user).await.unwrap()).into_iter().map(|c| c.id).collect();
    let newest_first: Vec<String> = placed.iter().rev().cloned().collect();
    assert_eq!(shown, newest_first, "[{:?}] my-orders' order", shop.backend);
}

/// 3: a card needs `items[].product.name` (a deleted product: "undefined x N", on the
/// seller's page "Product x N"), the populated address, `amount`, `date`,
/// `courierName` upper-cased, the tracking number and the courier status.
async fn order_cards_show_product_names_address_amount_date_and_courier(shop: Shop) {
    let (user, address, p, seller) = ready_to_order(&shop, ("Card Watch", "3000", "2500")).await;
    let gone = shop.add_product(&seller, "Card Strap", "500", "").await;
    let r = shop.place_order(&user, &address, &[(&p, 2), (&gone, 1)], "leopard").await.unwrap();
    shop.axios(Method::DELETE, "/api/product/delete", Some(&seller.token), Some(json!({"productId": gone}))).await.unwrap();
    let cards = my_orders_view(&shop.my_orders(&user).await.unwrap());
    let c = &cards[0];
    assert_eq!(c.items, "Card Watch x 2, undefined x 1", "[{:?}]", shop.backend);
    assert_eq!(c.address, ["Omar Orders".to_owned(), "Gulberg III, Lahore, Punjab".to_owned(), "03001234567".to_owned()], "[{:?}]", shop.backend);
    assert_eq!(c.amount, 2.0 * 2500.0 + 500.0 + 250.0, "[{:?}]", shop.backend);
    assert_eq!(c.date, chrono::Local::now().format("%Y-%m-%d").to_string(), "[{:?}]", shop.backend);
    assert_eq!(c.courier.as_deref(), Some("LEOPARD"), "[{:?}]", shop.backend);
    assert_eq!(c.tracking.as_deref(), r["courier"]["courierTrackingNumber"].as_str(), "[{:?}]", shop.backend);
    assert_eq!((c.courier_status.as_deref(), c.payment), (Some("Booked"), ("COD", "Pending")), "[{:?}]", shop.backend);
    let seller_view = seller_orders_view(&shop.axios(Method::GET, "/api/order/seller-orders", Some(&seller.token), None).await.unwrap()["orders"].as_array().unwrap().clone());
    let mine = seller_view.iter().find(|s| s.id == c.id).unwrap();
    assert_eq!(mine.items, "Card Watch x 2, Product x 1", "[{:?}]", shop.backend);
}

/// 9: order/create signed out → 401 (axios' message); no items or no address →
/// 200 `{success:false, message:"No items in the order"}`.
async fn order_create_signed_out_is_401_and_without_items_or_address_200_false(shop: Shop) {
    let (user, address, p, _) = ready_to_order(&shop, ("Refused Buds", "100", "")).await;
    let body = json!({"address": address, "items": [{"product": p, "quantity": 1}], "courierName": "tcs"});
    let r = shop.axios(Method::POST, "/api/order/create", None, Some(body)).await;
    assert_eq!(toast(&r), Toast::Error("Request failed with status code 401".into()), "[{:?}]", shop.backend);
    for (case, body) in [
        ("no items", json!({"address": address, "items": [], "courierName": "tcs"})),
        ("no address", json!({"items": [{"product": p, "quantity": 1}], "courierName": "tcs"})),
    ] {
        let r = shop.axios(Method::POST, "/api/order/create", Some(&user.token), Some(body)).await;
        assert_eq!(toast(&r), Toast::Error("No items in the order".into()), "[{:?}] {case}: {r:?}", shop.backend);
    }
    assert_eq!(shop.my_orders(&user).await.unwrap(), Vec::<serde_json::Value>::new(), "[{:?}]", shop.backend);
}

/// 9: amount = Σ unit price (offerPrice when > 0) × qty over the products that exist,
/// plus 250; a product deleted before ordering is skipped in the sum, the order goes
/// through.
async fn the_amount_is_unit_prices_times_quantities_plus_250_over_existing_products(shop: Shop) {
    let (user, address, offered, seller) = ready_to_order(&shop, ("Sum Watch", "3000", "2500")).await;
    let plain = shop.add_product(&seller, "Sum Cable", "199.5", "").await;
    let gone = shop.add_product(&seller, "Sum Gone", "1000", "").await;
    shop.axios(Method::DELETE, "/api/product/delete", Some(&seller.token), Some(json!({"productId": gone}))).await.unwrap();
    let r = shop.place_order(&user, &address, &[(&offered, 2), (&plain, 2), (&gone, 1)], "trax").await;
    assert_eq!(toast(&r), Toast::Success("Order Placed".into()), "[{:?}] {r:?}", shop.backend);
    let orders = shop.my_orders(&user).await.unwrap();
    assert_eq!(orders[0]["amount"].as_f64(), Some(2.0 * 2500.0 + 2.0 * 199.5 + 250.0), "[{:?}] {}", shop.backend, orders[0]);
}

/// 3 and 9: an order list never fails as a whole: a JazzCash order (its address the
/// checkout page's free text) renders beside a COD one, each with an address object.
async fn order_lists_render_every_order_jazzcash_ones_included(shop: Shop) {
    let (user, address, p, seller) = ready_to_order(&shop, ("Mixed Buds", "1000", "")).await;
    shop.place_order(&user, &address, &[(&p, 1)], "tcs").await.unwrap();
    let init = shop.initiate(Some(&user), &[(&p, 1)], 1000.0, "Omar Orders, Gulberg III, Lahore, Punjab").await;
    assert_eq!(init.body["success"], json!(true), "[{:?}] initiate: {} {}", shop.backend, init.status, init.body);
    let orders = shop.my_orders(&user).await.unwrap_or_else(|e| panic!("[{:?}] my-orders: {e}", shop.backend));
    let cards = my_orders_view(&orders);
    assert_eq!(cards.len(), 2, "[{:?}]", shop.backend);
    assert!(cards.iter().all(|c| c.address[0] == "Omar Orders"), "[{:?}] {cards:?}", shop.backend);
    let all = shop.axios(Method::GET, "/api/order/seller-orders", Some(&seller.token), None).await.unwrap();
    assert_eq!(all["success"], json!(true), "[{:?}] seller-orders: {all}", shop.backend);
    assert_eq!(seller_orders_view(all["orders"].as_array().unwrap()).len(), 2, "[{:?}]", shop.backend);
}

/// 5 and 9: seller-orders: every user's orders, populated, in natural order (shown as
/// given); a customer gets 200 `{success:false, message}` "not authorized".
async fn seller_orders_lists_every_users_orders_as_given_and_refuses_customers_with_200_false(shop: Shop) {
    let (ann, ann_address, p, seller) = ready_to_order(&shop, ("Seller View Buds", "1000", "")).await;
    let bob = shop.customer("Bob").await;
    let bob_address = shop.add_address(&bob, "Bob Buyer").await;
    shop.place_order(&ann, &ann_address, &[(&p, 1)], "tcs").await.unwrap();
    shop.place_order(&bob, &bob_address, &[(&p, 2)], "tcs").await.unwrap();
    shop.place_order(&ann, &ann_address, &[(&p, 3)], "tcs").await.unwrap();
    let b = shop.axios(Method::GET, "/api/order/seller-orders", Some(&seller.token), None).await.unwrap();
    let shown: Vec<(String, String)> = seller_orders_view(b["orders"].as_array().unwrap()).into_iter().map(|c| (c.address[0].clone(), c.items)).collect();
    let placed = [("Omar Orders", "Seller View Buds x 1"), ("Bob Buyer", "Seller View Buds x 2"), ("Omar Orders", "Seller View Buds x 3")];
    assert_eq!(shown, placed.map(|(a, i)| (a.to_owned(), i.to_owned())).to_vec(), "[{:?}] seller-orders as given", shop.backend);
    let r = shop.axios(Method::GET, "/api/order/seller-orders", Some(&ann.token), None).await;
    match toast(&r) {
        Toast::Error(m) if m.to_lowercase().contains("not authorized") => {}
        other => panic!("[{:?}] a customer on /seller/orders: {other:?} ({r:?})", shop.backend),
    }
}
