//! GET /api/order/list and /api/order/seller-orders: populated, in natural (insertion)
//! order, every order with an address object the pages can render.

use actix_web::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{customer, order_body, other, req, seller, TestApp, CUSTOMER, OTHER};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lists_populate_address_and_products_and_give_null_for_deleted_ones() {
    for app in TestApp::all().await {
        let address = app.customer_with_address(CUSTOMER).await;
        let a = app.product("Keep", 100.0, 0.0, None).await;
        let b = app.product("Gone", 200.0, 150.0, None).await;
        let first = app.create(&customer(), order_body(&address, &[(&a, json!(1)), (&b, json!(1))]), None).await;
        let second = app.create(&customer(), order_body(&address, &[(&a, json!(3))]), None).await;
        let product_a = app.call(req(Method::GET, &format!("/api/product/{a}"), None, json!(null))).await.body["product"].clone();
        let r = app.call(req(Method::GET, "/api/order/list", Some(&customer()), json!(null))).await;
        assert_eq!(r.status, StatusCode::OK);
        let orders = r.body["orders"].as_array().unwrap().clone();
        assert_eq!((orders[0]["_id"].clone(), orders[1]["_id"].clone()), (first.body["orderId"].clone(), second.body["orderId"].clone()), "insertion order");
        assert_eq!(orders[1]["items"][0]["product"], product_a);
        assert_eq!(orders[1]["address"]["city"], "Lahore");
        assert_eq!(orders[1]["address"]["_id"], address);
        let del = app.call(req(Method::DELETE, "/api/product/delete", Some(&seller()), json!({"productId": b}))).await;
        assert_eq!(del.status, StatusCode::OK, "{}", del.raw);
        app.people.delete_address(&address).await;
        let r = app.call(req(Method::GET, "/api/order/list", Some(&customer()), json!(null))).await;
        let older = &r.body["orders"][0];
        let gone = json!({"_id": address, "fullName": "", "area": "", "city": "", "state": "", "phoneNumber": ""});
        assert_eq!((older["items"][1]["product"].clone(), older["address"].clone()), (json!(null), gone), "{}", app.backend);
        assert_eq!(older["items"][0]["product"]["name"], "Keep");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn customers_see_their_own_orders_and_sellers_see_all() {
    for app in TestApp::all().await {
        let mine = app.customer_with_address(CUSTOMER).await;
        let theirs = app.customer_with_address(OTHER).await;
        let a = app.product("Buds", 100.0, 0.0, None).await;
        app.create(&customer(), order_body(&mine, &[(&a, json!(1))]), None).await;
        app.create(&other(), order_body(&theirs, &[(&a, json!(1))]), None).await;
        let r = app.call(req(Method::GET, "/api/order/list", Some(&customer()), json!(null))).await;
        assert_eq!(r.body["orders"].as_array().unwrap().len(), 1);
        assert_eq!(r.body["orders"][0]["userId"], CUSTOMER);
        let r = app.call(req(Method::GET, "/api/order/seller-orders", Some(&seller()), json!(null))).await;
        assert_eq!(r.body["orders"].as_array().unwrap().len(), 2, "{}", app.backend);
        let r = app.call(req(Method::GET, "/api/order/seller-orders", Some(&customer()), json!(null))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app.call(req(Method::GET, "/api/order/list", None, json!(null))).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
}
