//! Write routes: add, edit, delete, inStock, promotion — happy paths, auth, validation.

use actix_web::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{add_product, customer_token, get, json_req, other_seller_token, sample_add, seller_token, TestApp, SELLER};

async fn send(app: &TestApp, method: Method, path: &str, token: Option<&str>, body: Value) -> crate::support::Reply {
    app.call(json_req(method, path, token, body)).await
}

async fn add_fails(app: &TestApp, body: Value) -> (StatusCode, String) {
    let r = send(app, Method::POST, "/api/product/add", Some(&seller_token()), body).await;
    assert_eq!(r.body["success"], false, "{}", r.raw);
    (r.status, r.body["message"].as_str().unwrap_or_default().to_owned())
}

#[actix_web::test]
async fn add_stores_the_product_and_answers_upload_successfully() {
    for app in TestApp::all().await {
        let r = send(&app, Method::POST, "/api/product/add", Some(&seller_token()), sample_add("New", json!("2500"), json!(""))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
        assert_eq!((r.body["success"].clone(), r.body["message"].clone()), (json!(true), json!("Upload Successfully")));
        let p = &r.body["newProduct"];
        assert_eq!((p["userId"].clone(), p["price"].clone(), p["offerPrice"].clone(), p["tags"].clone()), (json!(SELLER), json!(2500), json!(0), json!([])));
        assert_eq!(app.call(get(&format!("/api/product/{}", p["_id"].as_str().unwrap()))).await.body["product"], *p, "{}", app.backend);
    }
}

#[actix_web::test]
async fn add_answers_401_without_a_token_and_403_to_a_customer() {
    let app = TestApp::embedded().await;
    let r = send(&app, Method::POST, "/api/product/add", None, sample_add("X", json!(1), json!(0))).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = send(&app, Method::POST, "/api/product/add", Some(&customer_token()), sample_add("X", json!(1), json!(0))).await;
    assert_eq!((r.status, r.body["success"].clone()), (StatusCode::FORBIDDEN, json!(false)));
}

#[actix_web::test]
async fn add_rejects_an_offer_price_above_the_price_with_400() {
    let app = TestApp::embedded().await;
    let (status, message) = add_fails(&app, sample_add("X", json!(100), json!(150))).await;
    assert_eq!((status, message.as_str()), (StatusCode::BAD_REQUEST, "Offer price cannot be above the price"));
}

#[actix_web::test]
async fn add_rejects_missing_names_bad_prices_and_oversized_text_with_400() {
    let app = TestApp::embedded().await;
    let mut cases: Vec<(Value, &str)> = Vec::new();
    let with = |k: &str, v: Value| {
        let mut b = sample_add("X", json!(100), json!(0));
        b[k] = v;
        b
    };
    cases.push((with("name", json!("   ")), "Product name is required"));
    cases.push((with("name", Value::Null), "Product name is required"));
    cases.push((with("name", json!("n".repeat(201))), "Product name is too long (at most 200 characters)"));
    cases.push((with("description", json!("d".repeat(5001))), "Product description is too long (at most 5000 characters)"));
    cases.push((with("price", json!("12abc")), "Price must be a number"));
    cases.push((with("price", json!(-5)), "Price must not be negative"));
    cases.push((with("price", Value::Null), "Price is required"));
    cases.push((with("offerPrice", json!(-1)), "Offer price must not be negative"));
    cases.push((with("category", json!("")), "Category is required"));
    cases.push((with("stock", json!(-1)), "Stock must be a whole number between 0 and 1000000000"));
    for (body, expected) in cases {
        assert_eq!(add_fails(&app, body).await, (StatusCode::BAD_REQUEST, expected.to_owned()));
    }
}

#[actix_web::test]
async fn add_rejects_missing_too_many_and_non_http_image_urls_with_400() {
    let app = TestApp::embedded().await;
    let with_images = |v: Value| {
        let mut b = sample_add("X", json!(100), json!(0));
        b["image"] = v;
        b
    };
    assert_eq!(add_fails(&app, with_images(json!([]))).await.1, "No image URLs provided");
    assert_eq!(add_fails(&app, with_images(Value::Null)).await.1, "No image URLs provided");
    assert_eq!(add_fails(&app, with_images(json!(["ftp://x.test/a.jpg"]))).await.1, "Invalid image URLs");
    assert_eq!(add_fails(&app, with_images(json!([42]))).await.1, "Invalid image URLs");
    let nine: Vec<String> = (0..9).map(|i| format!("https://x.test/{i}.jpg")).collect();
    assert_eq!(add_fails(&app, with_images(json!(nine))).await, (StatusCode::BAD_REQUEST, "Too many images (at most 8)".to_owned()));
}

#[actix_web::test]
async fn add_trims_the_category_and_accepts_unknown_ones() {
    let app = TestApp::embedded().await;
    let mut body = sample_add("X", json!(100), json!(0));
    body["category"] = json!("  Drones  ");
    assert_eq!(add_product(&app, &seller_token(), body).await["category"], "Drones");
}

#[actix_web::test]
async fn add_with_stock_zero_is_out_of_stock() {
    let app = TestApp::embedded().await;
    let mut body = sample_add("X", json!(100), json!(0));
    body["stock"] = json!(0);
    let p = add_product(&app, &seller_token(), body).await;
    assert_eq!((p["stock"].clone(), p["inStock"].clone()), (json!(0), json!(false)));
}

#[actix_web::test]
async fn edit_updates_the_owners_product_and_zeroes_a_missing_offer_price() {
    for app in TestApp::all().await {
        let p = add_product(&app, &seller_token(), sample_add("Old", json!(1000), json!(900))).await;
        let body = json!({"productId": p["_id"], "name": "New name", "price": "1200", "category": "Watch", "image": ["https://x.test/n.jpg"]});
        let r = send(&app, Method::PUT, "/api/product/edit", Some(&seller_token()), body).await;
        assert_eq!((r.status, r.body["message"].clone()), (StatusCode::OK, json!("Product updated")), "{}", r.raw);
        let q = &r.body["product"];
        assert_eq!((q["name"].clone(), q["price"].clone(), q["offerPrice"].clone(), q["effectivePrice"].clone()), (json!("New name"), json!(1200), json!(0), json!(1200)));
        assert_eq!(q["description"], p["description"], "absent fields are unchanged");
        assert!(q["updatedAt"].as_str().unwrap() >= p["updatedAt"].as_str().unwrap());
        assert_eq!(app.call(get(&format!("/api/product/{}", p["_id"].as_str().unwrap()))).await.body["product"], *q, "{}", app.backend);
    }
}

#[actix_web::test]
async fn edit_answers_404_for_a_product_of_another_seller() {
    for app in TestApp::all().await {
        let p = add_product(&app, &other_seller_token(), sample_add("Theirs", json!(1000), json!(0))).await;
        let r = send(&app, Method::PUT, "/api/product/edit", Some(&seller_token()), json!({"productId": p["_id"], "name": "Mine now"})).await;
        assert_eq!((r.status, r.body["message"].clone()), (StatusCode::NOT_FOUND, json!("Product not found or not owned by you")));
    }
}

#[actix_web::test]
async fn edit_rejects_a_missing_or_malformed_product_id_and_an_offer_above_the_price() {
    let app = TestApp::embedded().await;
    let r = send(&app, Method::PUT, "/api/product/edit", Some(&seller_token()), json!({"name": "x"})).await;
    assert_eq!((r.status, r.body["message"].clone()), (StatusCode::BAD_REQUEST, json!("Missing product ID")));
    let r = send(&app, Method::PUT, "/api/product/edit", Some(&seller_token()), json!({"productId": "123"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let p = add_product(&app, &seller_token(), sample_add("P", json!(1000), json!(0))).await;
    let r = send(&app, Method::PUT, "/api/product/edit", Some(&seller_token()), json!({"productId": p["_id"], "offerPrice": 2000})).await;
    assert_eq!((r.status, r.body["message"].clone()), (StatusCode::BAD_REQUEST, json!("Offer price cannot be above the price")));
    let r = send(&app, Method::PUT, "/api/product/edit", Some(&customer_token()), json!({"productId": p["_id"]})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn delete_removes_the_product_and_publishes_product_deleted_with_public_ids() {
    for app in TestApp::all().await {
        let p = add_product(&app, &seller_token(), sample_add("Gone", json!(1000), json!(0))).await;
        let r = send(&app, Method::DELETE, "/api/product/delete", Some(&seller_token()), json!({"productId": p["_id"]})).await;
        assert_eq!(r.body, json!({"success": true, "message": "Deleted successfully", "result": {"acknowledged": true, "deletedCount": 1}}), "{}", app.backend);
        assert_eq!(app.call(get(&format!("/api/product/{}", p["_id"].as_str().unwrap()))).await.status, StatusCode::NOT_FOUND);
        let mut events = app.published();
        for _ in 0..100 {
            if !events.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            events = app.published();
        }
        assert_eq!(events.len(), 1, "product.deleted is relayed from the outbox");
        assert_eq!(events[0].event_type, "product.deleted");
        assert_eq!(events[0].data["productId"], p["_id"]);
        assert_eq!(events[0].data["userId"], SELLER);
        assert_eq!(events[0].data["imageUrls"], p["image"]);
        assert_eq!(events[0].data["publicIds"], json!(["abc123", "def456"]));
        let again = send(&app, Method::DELETE, "/api/product/delete", Some(&seller_token()), json!({"productId": p["_id"]})).await;
        assert_eq!((again.status, again.body["message"].clone()), (StatusCode::NOT_FOUND, json!("Product not found")));
    }
}

#[actix_web::test]
async fn delete_answers_404_for_another_sellers_product_and_400_without_an_id() {
    let app = TestApp::embedded().await;
    let p = add_product(&app, &other_seller_token(), sample_add("Theirs", json!(1000), json!(0))).await;
    let r = send(&app, Method::DELETE, "/api/product/delete", Some(&seller_token()), json!({"productId": p["_id"]})).await;
    assert_eq!((r.status, r.body["message"].clone()), (StatusCode::NOT_FOUND, json!("Product not found")));
    let r = send(&app, Method::DELETE, "/api/product/delete", Some(&seller_token()), json!({})).await;
    assert_eq!((r.status, r.body["message"].clone()), (StatusCode::BAD_REQUEST, json!("Missing product ID")));
    let r = send(&app, Method::DELETE, "/api/product/delete", None, json!({"productId": p["_id"]})).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = send(&app, Method::DELETE, "/api/product/delete", Some(&customer_token()), json!({"productId": p["_id"]})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(app.published().is_empty());
}

#[actix_web::test]
async fn in_stock_and_promotion_set_the_flag_on_the_callers_product() {
    for app in TestApp::all().await {
        let p = add_product(&app, &seller_token(), sample_add("Flags", json!(1000), json!(0))).await;
        let r = send(&app, Method::PUT, "/api/product/inStock", Some(&seller_token()), json!({"productId": p["_id"], "inStock": false})).await;
        assert_eq!((r.status, r.body["message"].clone(), r.body["product"]["inStock"].clone()), (StatusCode::OK, json!("Stock status updated"), json!(false)));
        let r = send(&app, Method::PUT, "/api/product/promotion", Some(&seller_token()), json!({"productId": p["_id"], "promotion": true})).await;
        assert_eq!((r.status, r.body["message"].clone(), r.body["product"]["promotion"].clone()), (StatusCode::OK, json!("Promotion status updated"), json!(true)));
        let r = send(&app, Method::PUT, "/api/product/promotion", Some(&other_seller_token()), json!({"productId": p["_id"], "promotion": false})).await;
        assert_eq!((r.status, r.body["message"].clone()), (StatusCode::NOT_FOUND, json!("Product not found or not owned by you")), "{}", app.backend);
    }
}

#[actix_web::test]
async fn flags_reject_non_booleans_with_invalid_input_and_need_a_token() {
    let app = TestApp::embedded().await;
    let p = add_product(&app, &seller_token(), sample_add("Flags", json!(1000), json!(0))).await;
    for (path, key) in [("/api/product/inStock", "inStock"), ("/api/product/promotion", "promotion")] {
        for bad in [json!("true"), json!(1), Value::Null] {
            let r = send(&app, Method::PUT, path, Some(&seller_token()), json!({"productId": p["_id"], key: bad})).await;
            assert_eq!((r.status, r.body["message"].clone()), (StatusCode::BAD_REQUEST, json!("Invalid input")), "{path} {bad}");
        }
        let r = send(&app, Method::PUT, path, Some(&seller_token()), json!({key: true})).await;
        assert_eq!((r.status, r.body["message"].clone()), (StatusCode::BAD_REQUEST, json!("Missing product ID")));
        let r = send(&app, Method::PUT, path, None, json!({"productId": p["_id"], key: true})).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
}

#[actix_web::test]
async fn a_customer_may_not_flag_a_product_they_do_not_own() {
    let app = TestApp::embedded().await;
    let p = add_product(&app, &seller_token(), sample_add("Flags", json!(1000), json!(0))).await;
    let r = send(&app, Method::PUT, "/api/product/inStock", Some(&customer_token()), json!({"productId": p["_id"], "inStock": false})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn malformed_json_is_a_400_in_the_legacy_envelope() {
    let app = TestApp::embedded().await;
    let req = actix_web::test::TestRequest::post()
        .uri("/api/product/add")
        .insert_header(("Authorization", format!("Bearer {}", seller_token())))
        .insert_header(("Content-Type", "application/json"))
        .set_payload("{not json");
    let r = app.call(req).await;
    assert_eq!((r.status, r.body["success"].clone()), (StatusCode::BAD_REQUEST, json!(false)));
}

#[actix_web::test]
async fn a_wrong_method_on_a_named_route_is_405_not_the_id_route() {
    let app = TestApp::embedded().await;
    assert_eq!(app.call(get("/api/product/add")).await.status, StatusCode::METHOD_NOT_ALLOWED);
}
