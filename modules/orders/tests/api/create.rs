//! POST /api/order/create: the happy path and every refusal.

use actix_web::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{customer, order_body, other, req, TestApp, CUSTOMER, OTHER};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn order_create_prices_lines_stores_the_order_and_empties_the_cart() {
    for app in TestApp::all().await {
        let address = app.customer_with_address(CUSTOMER).await;
        let a = app.product("Buds", 5000.0, 4500.0, Some(10)).await;
        let b = app.product("Watch", 2000.0, 0.0, None).await;
        let body = json!({"address": address, "items": [{"product": a, "quantity": 2}, {"product": b, "quantity": 1}], "courierName": "tcs"});
        let r = app.create(&customer(), body, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", app.backend, r.raw);
        assert_eq!((r.body["success"].clone(), r.body["message"].clone()), (json!(true), json!("Order Placed")));
        let tracking = r.body["courier"]["courierTrackingNumber"].as_str().unwrap();
        assert!(tracking.starts_with("TCS-") && tracking.len() == 12 && tracking[4..].bytes().all(|c| c.is_ascii_digit()), "{tracking}");
        assert_eq!(r.body["courier"]["courierStatus"], "Booked");
        let order_id = r.body["orderId"].as_str().unwrap();
        let list = app.call(req(Method::GET, "/api/order/list", Some(&customer()), json!(null))).await;
        let order = &list.body["orders"][0];
        assert_eq!(order["_id"], order_id);
        assert_eq!(order["amount"], json!(4500 * 2 + 2000 + 250), "{}", app.backend);
        assert_eq!((order["status"].clone(), order["paymentMethod"].clone(), order["paymentStatus"].clone()), (json!("Order Placed"), json!("cod"), json!("pending")));
        assert_eq!(order["courierMeta"]["courier"], "tcs");
        assert_eq!(app.stock(&a).await, Some(8));
        assert_eq!(app.people.cart(CUSTOMER).await, json!({}), "{}", app.backend);
        let events = app.wait_published(1).await;
        let created: Vec<_> = events.iter().filter(|e| e.event_type == "order.created").collect();
        assert_eq!(created.len(), 1, "{}", app.backend);
        let data = &created[0].data;
        assert_eq!((data["orderId"].as_str(), data["amount"].clone(), data["shippingFee"].clone()), (Some(order_id), json!(11250), json!(250)));
        assert_eq!(data["items"][0], json!({"productId": a, "name": "Buds", "unitPrice": 4500, "quantity": 2, "lineTotal": 9000}));
        assert_eq!(data["customer"], json!({"name": "Ali Khan", "email": "user_customer@example.com"}));
        assert!(data["address"]["text"].as_str().unwrap().contains("Lahore"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn order_create_without_a_courier_answers_a_null_tracking_number_and_stores_no_courier_meta() {
    for app in TestApp::all().await {
        let address = app.customer_with_address(CUSTOMER).await;
        let a = app.product("Buds", 100.0, 0.0, None).await;
        let r = app.create(&customer(), order_body(&address, &[(&a, json!(1))]), None).await;
        assert_eq!(r.body["courier"], json!({"courierName": null, "courierTrackingNumber": null, "courierStatus": "Booked"}), "{}", r.raw);
        let list = app.call(req(Method::GET, "/api/order/list", Some(&customer()), json!(null))).await;
        assert!(list.body["orders"][0].get("courierMeta").is_none());
        assert_eq!(list.body["orders"][0]["amount"], json!(350));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn order_create_rejects_malformed_requests_with_400_naming_the_problem() {
    for app in TestApp::all().await {
        let address = app.customer_with_address(CUSTOMER).await;
        let a = app.product("Buds", 100.0, 0.0, Some(5)).await;
        let cases = [
            (json!({"items": [{"product": a, "quantity": 1}]}), "No items in the order"),
            (order_body(&address, &[]), "No items in the order"),
            (json!({"address": "nope", "items": [{"product": a, "quantity": 1}]}), "Invalid address ID"),
            (json!({"address": address, "items": "x"}), "Invalid items"),
            (order_body(&address, &[("bad", json!(1))]), "Item 1: invalid product ID"),
            (order_body(&address, &[(&a, json!(0))]), "Item 1 (product"),
            (order_body(&address, &[(&a, json!(-2))]), "Item 1 (product"),
            (order_body(&address, &[(&a, json!(1.5))]), "Item 1 (product"),
            (order_body(&address, &[(&a, json!(1)), (&a, json!("two"))]), "Item 2 (product"),
            (json!({"address": address, "items": [{"product": a, "quantity": 1}], "courierName": 5}), "Invalid courierName"),
        ];
        for (body, message) in cases {
            let r = app.create(&customer(), body.clone(), None).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.raw);
            assert_eq!(r.body["success"], false);
            assert!(r.body["message"].as_str().unwrap().starts_with(message), "{body}: {}", r.raw);
        }
        assert_eq!(app.stock(&a).await, Some(5));
        let r = app.create(&customer(), order_body(&address, &[(&a, json!(1))]), Some("bad key with spaces")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let r = app.call(req(Method::POST, "/api/order/create", None, order_body(&address, &[(&a, json!(1))]))).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn order_create_rejects_a_foreign_address_with_404() {
    for app in TestApp::all().await {
        let address = app.customer_with_address(CUSTOMER).await;
        app.customer_with_address(OTHER).await;
        let a = app.product("Buds", 100.0, 0.0, Some(5)).await;
        let r = app.create(&other(), order_body(&address, &[(&a, json!(1))]), None).await;
        assert_eq!((r.status, r.body["message"].clone()), (StatusCode::NOT_FOUND, json!("Address not found")), "{}", r.raw);
        let r = app.create(&customer(), order_body("665f1c2b9a1e4b0012345678", &[(&a, json!(1))]), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(app.stock(&a).await, Some(5));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn order_create_names_an_out_of_stock_item_and_takes_no_stock() {
    for app in TestApp::all().await {
        let address = app.customer_with_address(CUSTOMER).await;
        let a = app.product("Buds", 100.0, 0.0, Some(5)).await;
        let b = app.product("Rare", 100.0, 0.0, Some(1)).await;
        let r = app.create(&customer(), order_body(&address, &[(&a, json!(1)), (&b, json!(2))]), None).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.raw);
        assert_eq!(r.body["message"], format!("Item 2 (Rare, product {b}): out of stock (1 available)"));
        assert_eq!((app.stock(&a).await, app.stock(&b).await), (Some(5), Some(1)));
        assert!(app.call(req(actix_web::http::Method::GET, "/api/order/list", Some(&customer()), json!(null))).await.body["orders"].as_array().unwrap().is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_deleted_product_in_the_cart_is_skipped_and_the_order_goes_through_for_the_rest() {
    for app in TestApp::all().await {
        let address = app.customer_with_address(CUSTOMER).await;
        let a = app.product("Buds", 100.0, 0.0, Some(5)).await;
        let ghost = "665f1c2b9a1e4b0012345678";
        let r = app.create(&customer(), order_body(&address, &[(ghost, json!(1)), (&a, json!(2))]), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", app.backend, r.raw);
        assert_eq!(app.stock(&a).await, Some(3));
        assert_eq!(app.people.cart(CUSTOMER).await, json!({}), "the cart (its deleted entry too) is emptied");
        let list = app.call(req(Method::GET, "/api/order/list", Some(&customer()), json!(null))).await;
        let order = &list.body["orders"][0];
        assert_eq!(order["amount"], json!(2 * 100 + 250), "{}", app.backend);
        assert_eq!(order["items"].as_array().unwrap().len(), 1);
        // Only deleted products left: the legacy refusal.
        let r = app.create(&customer(), order_body(&address, &[(ghost, json!(1))]), None).await;
        assert_eq!((r.status, r.body["message"].clone()), (StatusCode::BAD_REQUEST, json!("No items in the order")), "{}", r.raw);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn order_create_sums_duplicate_lines_before_checking_stock() {
    for app in TestApp::all().await {
        let address = app.customer_with_address(CUSTOMER).await;
        let a = app.product("Buds", 100.0, 0.0, Some(3)).await;
        let r = app.create(&customer(), order_body(&address, &[(&a, json!(2)), (&a, json!(2))]), None).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.raw);
        let r = app.create(&customer(), order_body(&address, &[(&a, json!(2)), (&a, json!(1))]), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
        assert_eq!(app.stock(&a).await, Some(0));
        let list = app.call(req(Method::GET, "/api/order/list", Some(&customer()), json!(null))).await;
        let items = list.body["orders"][0]["items"].as_array().unwrap().clone();
        assert_eq!((items.len(), items[0]["quantity"].clone()), (1, json!(3)));
    }
}
