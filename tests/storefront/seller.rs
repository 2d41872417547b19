//! The seller pages (frontend.md 5; 9 "product add", "edit", "delete",
//! "inStock/promotion").

use reqwest::Method;
use serde_json::{json, Value};

use crate::pages::{id, product_page, toast, Toast};
use crate::support::{Shop, IMAGE};

on_both_backends!(
    a_customer_on_the_seller_pages_gets_the_legacy_refusals_and_a_role_claim_makes_a_seller,
    the_add_product_form_sends_prices_as_strings_and_a_blank_offer_as_empty,
    the_product_list_page_shows_the_sellers_own_products,
    stock_and_promotion_toggles_succeed_and_the_row_stays_patched,
    delete_with_a_json_body_removes_the_row,
    edit_product_sends_numbers_and_a_missing_offer_price_becomes_zero,
    edit_product_failures_show_the_servers_message_also_on_4xx,
    product_add_refusals_are_401_or_200_false_with_the_message,
    product_edit_refusals_use_the_legacy_statuses,
    product_delete_refusals_use_the_legacy_statuses,
    stock_and_promotion_refusals_use_the_legacy_statuses,
);

fn product_body(name: &str) -> Value {
    json!({"name": name, "description": "From the seller form", "category": "Earphone", "price": "1500", "offerPrice": "1200", "image": [IMAGE]})
}

/// 5: /seller pages guard in the browser only; a customer's calls fire anyway and get
/// the legacy answers (add: 401; seller-orders: 200-false). A token whose Clerk role
/// claim is "seller" is a seller.
async fn a_customer_on_the_seller_pages_gets_the_legacy_refusals_and_a_role_claim_makes_a_seller(shop: Shop) {
    let customer = shop.customer("NotASeller").await;
    let r = shop.axios(Method::POST, "/api/product/add", Some(&customer.token), Some(product_body("Sneaky Buds"))).await;
    assert_eq!(toast(&r), Toast::Error("Request failed with status code 401".into()), "[{:?}] {r:?}", shop.backend);
    let seller = shop.seller().await;
    let r = shop.axios(Method::POST, "/api/product/add", Some(&seller.token), Some(product_body("Seller Buds"))).await;
    assert_eq!(toast(&r), Toast::Success("Upload Successfully".into()), "[{:?}]", shop.backend);
}

/// 5: /seller's form: prices are the raw input strings ("" when blank), category
/// "Earphone"; "Upload Successfully"; the catalogue then holds numbers ("" → 0).
async fn the_add_product_form_sends_prices_as_strings_and_a_blank_offer_as_empty(shop: Shop) {
    let seller = shop.seller().await;
    let body = json!({"name": "Form Buds", "description": "Typed in", "category": "Earphone", "price": "2500", "offerPrice": "", "image": [IMAGE]});
    let r = shop.axios(Method::POST, "/api/product/add", Some(&seller.token), Some(body)).await;
    assert_eq!(toast(&r), Toast::Success("Upload Successfully".into()), "[{:?}] {r:?}", shop.backend);
    let new = &r.as_ref().unwrap()["newProduct"];
    let products = shop.catalogue().await;
    let listed = product_page(&products, &id(new)).unwrap();
    assert_eq!((&listed["price"], listed["offerPrice"].as_f64(), &listed["category"]), (&json!(2500), Some(0.0), &json!("Earphone")), "[{:?}] {listed}", shop.backend);
    assert_eq!(listed["userId"], json!(seller.id), "[{:?}]", shop.backend);
}

/// 5: /seller/product-list: seller-list, as given: the caller's products only.
async fn the_product_list_page_shows_the_sellers_own_products(shop: Shop) {
    let (me, other) = (shop.seller().await, shop.seller().await);
    let mine = shop.add_product(&me, "Mine One", "100", "").await;
    let theirs = shop.add_product(&other, "Theirs One", "100", "").await;
    let b = shop.axios(Method::GET, "/api/product/seller-list", Some(&me.token), None).await.unwrap();
    assert_eq!(b["success"], json!(true), "[{:?}] {b}", shop.backend);
    let ids: Vec<String> = b["products"].as_array().unwrap().iter().map(id).collect();
    assert_eq!(ids, vec![mine], "[{:?}] not {theirs}", shop.backend);
}

/// 5: PUT inStock / promotion `{productId, flag}` → success (the page's fixed
/// toast), and the row the page patched matches what the catalogue then holds.
async fn stock_and_promotion_toggles_succeed_and_the_row_stays_patched(shop: Shop) {
    let seller = shop.seller().await;
    let p = shop.add_product(&seller, "Toggle Buds", "100", "").await;
    let t = Some(seller.token.as_str());
    for (path, body, key, value) in [
        ("/api/product/inStock", json!({"productId": p, "inStock": false}), "inStock", false),
        ("/api/product/promotion", json!({"productId": p, "promotion": true}), "promotion", true),
    ] {
        let b = shop.axios(Method::PUT, path, t, Some(body)).await.unwrap_or_else(|e| panic!("[{:?}] {path}: {e}", shop.backend));
        assert_eq!(b["success"], json!(true), "[{:?}] {path}: {b}", shop.backend);
        let products = shop.catalogue().await;
        assert_eq!(product_page(&products, &p).unwrap()[key], json!(value), "[{:?}] the patched row after {path}", shop.backend);
    }
}

/// 5: DELETE with the JSON body `{productId}` → success, the row removed (gone from
/// the catalogue too).
async fn delete_with_a_json_body_removes_the_row(shop: Shop) {
    let seller = shop.seller().await;
    let p = shop.add_product(&seller, "Doomed Buds", "100", "").await;
    let r = shop.axios(Method::DELETE, "/api/product/delete", Some(&seller.token), Some(json!({"productId": p}))).await;
    let removed = matches!(&r, Ok(b) if b["success"] == json!(true));
    assert!(removed, "[{:?}] the page shows \"Delete failed\": {r:?}", shop.backend);
    let b = shop.axios(Method::GET, "/api/product/seller-list", Some(&seller.token), None).await.unwrap();
    assert_eq!(b["products"], json!([]), "[{:?}]", shop.backend);
    assert!(product_page(&shop.catalogue().await, &p).is_none(), "[{:?}]", shop.backend);
}

/// 5: /seller/edit-product picks the catalogue items whose `userId` is the Clerk id,
/// sends numbers (offerPrice absent when blank/0) and the kept + new images; "Product
/// updated"; the reloaded catalogue shows the edit, offerPrice 0.
async fn edit_product_sends_numbers_and_a_missing_offer_price_becomes_zero(shop: Shop) {
    let (seller, other) = (shop.seller().await, shop.seller().await);
    let p = shop.add_product(&seller, "Edit Me", "1500", "1200").await;
    shop.add_product(&other, "Not Mine", "100", "").await;
    let products = shop.catalogue().await;
    let editable: Vec<String> = products.iter().filter(|q| q["userId"] == json!(seller.id)).map(id).collect();
    assert_eq!(editable, vec![p.clone()], "[{:?}] the edit page's products", shop.backend);
    let added = "https://res.cloudinary.com/demo/image/upload/v2/hme/new.png";
    let body = json!({"productId": p, "name": "Edited", "description": "Now better", "category": "Headphone", "price": 1800, "image": [IMAGE, added]});
    let a = shop.axios_answer(Method::PUT, "/api/product/edit", Some(&seller.token), Some(body)).await;
    assert_eq!((a.status, &a.body["success"], &a.body["message"]), (200, &json!(true), &json!("Product updated")), "[{:?}] {}", shop.backend, a.body);
    let reloaded = shop.catalogue().await;
    let e = product_page(&reloaded, &p).unwrap();
    assert_eq!((&e["name"], &e["price"], e["offerPrice"].as_f64(), &e["image"]), (&json!("Edited"), &json!(1800), Some(0.0), &json!([IMAGE, added])), "[{:?}] {e}", shop.backend);
}

/// 5: edit-product shows the server's `message` also when the status is 4xx/5xx.
async fn edit_product_failures_show_the_servers_message_also_on_4xx(shop: Shop) {
    let (seller, other) = (shop.seller().await, shop.seller().await);
    let theirs = shop.add_product(&other, "Not Yours", "100", "").await;
    let body = json!({"productId": theirs, "name": "Hijack", "description": "x", "category": "Earphone", "price": 1, "image": [IMAGE]});
    let a = shop.axios_answer(Method::PUT, "/api/product/edit", Some(&seller.token), Some(body)).await;
    let shown = a.body["message"].as_str().unwrap_or("undefined");
    assert_eq!((a.status, shown), (404, "Product not found or not owned by you"), "[{:?}] {}", shop.backend, a.body);
}

/// 9 add: signed out / not a seller → 401 "not authorized"; no or bad image URLs →
/// 200-false "No image URLs provided" / "Invalid image URLs"; "" price → 0.
async fn product_add_refusals_are_401_or_200_false_with_the_message(shop: Shop) {
    let seller = shop.seller().await;
    let a = shop.axios_answer(Method::POST, "/api/product/add", Some("null"), Some(product_body("Anon Buds"))).await;
    assert_eq!((a.status, a.body["message"].as_str().map(str::to_lowercase)), (401, Some("not authorized".into())), "[{:?}] {}", shop.backend, a.body);
    for (images, message) in [(json!([]), "No image URLs provided"), (json!(["ftp://files.example/a.png"]), "Invalid image URLs")] {
        let mut body = product_body("Imageless Buds");
        body["image"] = images;
        let r = shop.axios(Method::POST, "/api/product/add", Some(&seller.token), Some(body)).await;
        assert_eq!(toast(&r), Toast::Error(message.into()), "[{:?}] {r:?}", shop.backend);
    }
    let mut free = product_body("Free Buds");
    free["price"] = json!("");
    free["offerPrice"] = json!("");
    let r = shop.axios(Method::POST, "/api/product/add", Some(&seller.token), Some(free)).await;
    assert_eq!(toast(&r), Toast::Success("Upload Successfully".into()), "[{:?}] {r:?}", shop.backend);
    assert_eq!(r.unwrap()["newProduct"]["price"].as_f64(), Some(0.0), "[{:?}]", shop.backend);
}

/// 9 edit: 401 "Not authorized", 400 "Missing product ID", 404 "Product not found or
/// not owned by you", ok "Product updated".
async fn product_edit_refusals_use_the_legacy_statuses(shop: Shop) {
    let seller = shop.seller().await;
    let p = shop.add_product(&seller, "Edit Codes", "100", "").await;
    let edit = |id: Value| json!({"productId": id, "name": "N", "description": "D", "category": "Earphone", "price": 100, "image": [IMAGE]});
    let cases = [
        ("null".to_owned(), edit(json!(p)), 401, "not authorized"),
        (seller.token.clone(), edit(Value::Null), 400, "missing product id"),
        (seller.token.clone(), edit(json!("0123456789abcdef01234567")), 404, "product not found or not owned by you"),
        (seller.token.clone(), edit(json!(p)), 200, "product updated"),
    ];
    for (token, body, status, message) in cases {
        let a = shop.axios_answer(Method::PUT, "/api/product/edit", Some(&token), Some(body)).await;
        assert_eq!((a.status, a.body["message"].as_str().map(str::to_lowercase)), (status, Some(message.to_owned())), "[{:?}] {}", shop.backend, a.body);
    }
}

/// 9 delete: 401, 400 "Missing product ID", 404 "Product not found": axios' message.
async fn product_delete_refusals_use_the_legacy_statuses(shop: Shop) {
    let seller = shop.seller().await;
    let p = shop.add_product(&seller, "Delete Codes", "100", "").await;
    let cases = [
        ("null", json!({"productId": p}), 401),
        (seller.token.as_str(), json!({}), 400),
        (seller.token.as_str(), json!({"productId": "0123456789abcdef01234567"}), 404),
    ];
    for (token, body, status) in cases {
        let a = shop.axios_answer(Method::DELETE, "/api/product/delete", Some(token), Some(body)).await;
        assert_eq!(a.status, status, "[{:?}] {}", shop.backend, a.body);
        assert_eq!(crate::support::rejected_unless_2xx(a), Err(format!("Request failed with status code {status}")));
    }
    let a = shop.axios_answer(Method::DELETE, "/api/product/delete", Some(&seller.token), Some(json!({"productId": "0123456789abcdef01234567"}))).await;
    assert_eq!(a.body["message"], json!("Product not found"), "[{:?}]", shop.backend);
}

/// 9 inStock/promotion: 401 "Unauthorized", 400 "Invalid input", 404 for a product
/// not the caller's.
async fn stock_and_promotion_refusals_use_the_legacy_statuses(shop: Shop) {
    let (seller, other) = (shop.seller().await, shop.seller().await);
    let p = shop.add_product(&seller, "Flag Codes", "100", "").await;
    for (path, key) in [("/api/product/inStock", "inStock"), ("/api/product/promotion", "promotion")] {
        let cases = [
            ("null", json!({"productId": p, key: true}), 401, Some("Unauthorized")),
            (seller.token.as_str(), json!({"productId": p, key: "yes"}), 400, Some("Invalid input")),
            (other.token.as_str(), json!({"productId": p, key: true}), 404, None),
        ];
        for (token, body, status, message) in cases {
            let a = shop.axios_answer(Method::PUT, path, Some(token), Some(body)).await;
            assert_eq!(a.status, status, "[{:?}] {path}: {}", shop.backend, a.body);
            if let Some(m) = message {
                assert_eq!(a.body["message"], json!(m), "[{:?}] {path}", shop.backend);
            }
        }
    }
}
