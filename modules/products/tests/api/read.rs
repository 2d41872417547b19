//! GET routes: the legacy list, the extensions, one product, ETags.

use actix_web::http::StatusCode;
use serde_json::{json, Value};

use crate::support::{add_product, authed, customer_token, get, other_seller_token, sample_add, seller_token, TestApp};

async fn seed(app: &TestApp) -> Vec<Value> {
    let mut out = Vec::new();
    let rows = [("Alpha Buds", 500, "Earphone", false), ("Beta Watch", 3000, "Watch", true), ("Gamma Buds", 1500, "Earphone", false), ("Delta Phone", 90000, "Smartphone", true)];
    for (name, price, category, promo) in rows {
        let mut body = sample_add(name, json!(price), json!(0));
        body["category"] = json!(category);
        body["tags"] = json!(["demo", name.split(' ').next().unwrap().to_lowercase()]);
        let p = add_product(app, &seller_token(), body).await;
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
        if promo {
            let req = crate::support::json_req(actix_web::http::Method::PUT, "/api/product/promotion", Some(&seller_token()), json!({"productId": p["_id"], "promotion": true}));
            assert_eq!(app.call(req).await.status, StatusCode::OK);
        }
        out.push(p);
    }
    out
}

fn names(body: &Value) -> Vec<String> {
    body["products"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_owned()).collect()
}

#[actix_web::test]
async fn the_legacy_list_is_every_product_with_only_success_and_products() {
    for app in TestApp::all().await {
        seed(&app).await;
        let r = app.call(get("/api/product/list")).await;
        assert_eq!(r.status, StatusCode::OK);
        let keys: Vec<&String> = r.body.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 2, "{}", r.raw);
        assert!(r.raw.starts_with(r#"{"success":true,"products":["#), "{}", r.raw);
        assert_eq!(names(&r.body), ["Alpha Buds", "Beta Watch", "Gamma Buds", "Delta Phone"], "{}", app.backend);
    }
}

#[actix_web::test]
async fn a_product_serializes_like_mongoose_to_json_in_schema_order() {
    let app = TestApp::embedded().await;
    let p = add_product(&app, &seller_token(), sample_add("Buds", json!("1999"), json!("1499"))).await;
    let keys: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
    let expected = ["_id", "userId", "name", "description", "price", "offerPrice", "image", "category", "date", "inStock", "promotion", "tags", "views", "sales", "createdAt", "updatedAt", "__v", "effectivePrice", "id"];
    assert_eq!(keys, expected);
    assert_eq!((p["price"].clone(), p["offerPrice"].clone(), p["effectivePrice"].clone()), (json!(1999), json!(1499), json!(1499)));
    assert_eq!((p["__v"].clone(), p["views"].clone(), p["inStock"].clone(), p["promotion"].clone()), (json!(0), json!(0), json!(true), json!(false)));
    assert_eq!(p["id"], p["_id"]);
    let date = p["date"].as_str().unwrap();
    assert!(date.len() == 24 && date.ends_with('Z') && date.as_bytes()[19] == b'.', "{date}");
}

#[actix_web::test]
async fn list_extensions_filter_sort_and_page_and_add_page_limit_total() {
    for app in TestApp::all().await {
        seed(&app).await;
        let r = app.call(get("/api/product/list?category=Earphone&sort=-price")).await;
        assert_eq!(names(&r.body), ["Gamma Buds", "Alpha Buds"], "{}", app.backend);
        assert_eq!((r.body["page"].clone(), r.body["limit"].clone(), r.body["total"].clone()), (json!(1), json!(20), json!(2)));
        let r = app.call(get("/api/product/list?minPrice=1000&maxPrice=5000&sort=price")).await;
        assert_eq!(names(&r.body), ["Gamma Buds", "Beta Watch"], "{}", app.backend);
        let r = app.call(get("/api/product/list?promotion=true&sort=date")).await;
        assert_eq!(names(&r.body), ["Beta Watch", "Delta Phone"], "{}", app.backend);
        let r = app.call(get("/api/product/list?q=buds&sort=price")).await;
        assert_eq!(names(&r.body), ["Alpha Buds", "Gamma Buds"], "{}", app.backend);
        let r = app.call(get("/api/product/list?sort=-date&page=2&limit=3")).await;
        assert_eq!((names(&r.body), r.body["total"].clone(), r.body["page"].clone()), (vec!["Alpha Buds".to_owned()], json!(4), json!(2)));
        let r = app.call(get("/api/product/list?inStock=true&limit=2")).await;
        assert_eq!((r.body["products"].as_array().unwrap().len(), r.body["total"].clone()), (2, json!(4)));
    }
}

#[actix_web::test]
async fn search_text_with_a_nul_byte_or_regex_characters_matches_literally() {
    // Found by the API fuzzer: a NUL in `q` failed the MongoDB query (503).
    for app in TestApp::all().await {
        seed(&app).await;
        for q in ["%00%C2%A8%21", "buds%00", ".%2A", "%5C", "%5B"] {
            let r = app.call(get(&format!("/api/product/list?q={q}"))).await;
            assert_eq!(r.status, StatusCode::OK, "q={q} on {}: {}", app.backend, r.raw);
            assert!(names(&r.body).is_empty(), "q={q} on {}: {}", app.backend, r.raw);
        }
    }
}

#[actix_web::test]
async fn list_rejects_a_limit_above_100_and_bad_parameters_with_400() {
    let app = TestApp::embedded().await;
    for q in ["limit=101", "limit=0", "page=0", "sort=name", "minPrice=abc", "inStock=yes", "maxPrice=-1"] {
        let r = app.call(get(&format!("/api/product/list?{q}"))).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}: {}", r.raw);
        assert_eq!(r.body["success"], false);
        assert!(r.body["message"].as_str().unwrap().starts_with("Invalid"), "{}", r.raw);
    }
    assert_eq!(app.call(get("/api/product/list?limit=100")).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn get_one_returns_the_product_404_when_unknown_and_400_when_malformed() {
    for app in TestApp::all().await {
        let p = add_product(&app, &seller_token(), sample_add("One", json!(100), json!(0))).await;
        let r = app.call(get(&format!("/api/product/{}", p["_id"].as_str().unwrap()))).await;
        assert_eq!((r.status, r.body["success"].clone()), (StatusCode::OK, json!(true)));
        assert_eq!(r.body["product"], p, "{}", app.backend);
        let r = app.call(get("/api/product/665f1c2b9a1e4b0012345678")).await;
        assert_eq!((r.status, r.body.clone()), (StatusCode::NOT_FOUND, json!({"success": false, "message": "Product not found"})));
        assert_eq!(app.call(get("/api/product/not-an-id")).await.status, StatusCode::BAD_REQUEST);
    }
}

#[actix_web::test]
async fn list_and_product_carry_an_etag_and_if_none_match_answers_304() {
    let app = TestApp::embedded().await;
    let p = add_product(&app, &seller_token(), sample_add("Tagged", json!(100), json!(0))).await;
    for path in ["/api/product/list".to_owned(), format!("/api/product/{}", p["_id"].as_str().unwrap()), "/api/product/list?sort=price".into()] {
        let first = app.call(get(&path)).await;
        let etag = first.etag.clone().unwrap();
        assert!(etag.starts_with('"') && etag.len() == 34, "{etag}");
        let again = app.call(get(&path).insert_header(("If-None-Match", etag.clone()))).await;
        assert_eq!((again.status, again.raw.as_str(), again.etag.as_deref()), (StatusCode::NOT_MODIFIED, "", Some(etag.as_str())));
        let weak = app.call(get(&path).insert_header(("If-None-Match", format!("\"other\", W/{etag}")))).await;
        assert_eq!(weak.status, StatusCode::NOT_MODIFIED);
        let stale = app.call(get(&path).insert_header(("If-None-Match", "\"stale\""))).await;
        assert_eq!(stale.status, StatusCode::OK);
    }
}

#[actix_web::test]
async fn the_etag_changes_when_a_product_changes() {
    let app = TestApp::embedded().await;
    let p = add_product(&app, &seller_token(), sample_add("Changing", json!(100), json!(0))).await;
    let before = app.call(get("/api/product/list")).await.etag.unwrap();
    let req = crate::support::json_req(actix_web::http::Method::PUT, "/api/product/inStock", Some(&seller_token()), json!({"productId": p["_id"], "inStock": false}));
    assert_eq!(app.call(req).await.status, StatusCode::OK);
    let r = app.call(get("/api/product/list").insert_header(("If-None-Match", before.clone()))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_ne!(r.etag.unwrap(), before);
}

#[actix_web::test]
async fn seller_list_returns_only_the_callers_products() {
    for app in TestApp::all().await {
        add_product(&app, &seller_token(), sample_add("Mine", json!(100), json!(0))).await;
        add_product(&app, &other_seller_token(), sample_add("Theirs", json!(100), json!(0))).await;
        let r = app.call(authed(get("/api/product/seller-list"), &seller_token())).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(names(&r.body), ["Mine"], "{}", app.backend);
        assert_eq!(r.body.as_object().unwrap().len(), 2);
    }
}

#[actix_web::test]
async fn seller_list_answers_401_without_a_token_and_403_to_a_customer() {
    let app = TestApp::embedded().await;
    let r = app.call(get("/api/product/seller-list")).await;
    assert_eq!((r.status, r.body["success"].clone()), (StatusCode::UNAUTHORIZED, json!(false)));
    let r = app.call(authed(get("/api/product/seller-list"), "not.a.jwt")).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = app.call(authed(get("/api/product/seller-list"), &customer_token())).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}
