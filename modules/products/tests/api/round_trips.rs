//! Database round trips per request on MongoDB, counted through the driver's command
//! monitoring ([`tally`]: every command the request sent, background loops excluded).
//! A read whose answer fits one batch is one command; a cache hit is none.

use actix_web::http::StatusCode;
use hme_kernel::telemetry::mongo::tally;
use mongodb::bson::{doc, oid::ObjectId, Document};
use serde_json::json;

use crate::support::{add_product, get, sample_add, seller_token, Reply, TestApp};

/// The commands as `name collection` strings.
async fn sent_by(app: &TestApp, path: &str) -> (Reply, Vec<String>) {
    let (reply, sent) = tally(app.call(get(path))).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.raw);
    (reply, sent.iter().map(ToString::to_string).collect())
}

/// 500 products ("P 000" .. "P 499", in insertion order): one through the route, the
/// others copies of its document with new ids (the same shape, quicker than 499 adds).
async fn five_hundred(app: &TestApp) -> Vec<String> {
    let first = add_product(app, &seller_token(), sample_add("P 000", json!(1000), json!(0))).await;
    let products = app.mongo.as_ref().unwrap().collection::<Document>("products");
    let id = ObjectId::parse_str(first["_id"].as_str().unwrap()).unwrap();
    let template = products.find_one(doc! {"_id": id}).await.unwrap().unwrap();
    let copies: Vec<Document> = (1..500)
        .map(|i| {
            let mut d = template.clone();
            d.insert("_id", ObjectId::new());
            d.insert("name", format!("P {i:03}"));
            d
        })
        .collect();
    products.insert_many(copies).await.unwrap();
    (0..500).map(|i| format!("P {i:03}")).collect()
}

#[actix_web::test]
async fn the_uncached_list_of_500_products_is_one_find_and_the_cached_one_none() {
    let Some(app) = TestApp::mongo().await else { return };
    let names = five_hundred(&app).await;
    let (r, sent) = sent_by(&app, "/api/product/list").await;
    let listed: Vec<&str> = r.body["products"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(listed, names, "natural (insertion) order, every product");
    // The whole answer (~300 KB) fits the server's first batch (16 MiB): no `getMore`,
    // and no sort (the legacy `Product.find({})` has none either).
    assert_eq!(sent, ["find products"]);
    // Served from the response cache: the database is not asked at all.
    let (_, sent) = sent_by(&app, "/api/product/list").await;
    assert_eq!(sent, Vec::<String>::new());
}

#[actix_web::test]
async fn a_page_is_one_find_plus_a_count_only_when_the_total_is_unknown() {
    let Some(app) = TestApp::mongo().await else { return };
    five_hundred(&app).await;
    // A full page: more may follow, so the total is counted (count_documents is an
    // `aggregate`).
    let (r, sent) = sent_by(&app, "/api/product/list?page=2&limit=100").await;
    assert_eq!((r.body["products"].as_array().unwrap().len(), r.body["total"].clone()), (100, json!(500)));
    assert_eq!(sent, ["find products", "aggregate products"]);
    // The last page, not full: the total is what precedes it plus what it holds.
    let (r, sent) = sent_by(&app, "/api/product/list?page=6&limit=90").await;
    assert_eq!((r.body["products"].as_array().unwrap().len(), r.body["total"].clone()), (50, json!(500)));
    assert_eq!(r.body["products"][0]["name"], json!("P 450"));
    assert_eq!(sent, ["find products"]);
    // Past the end: nothing read says how many there are, so it is counted.
    let (r, sent) = sent_by(&app, "/api/product/list?page=9&limit=100").await;
    assert_eq!((r.body["products"].as_array().unwrap().len(), r.body["total"].clone()), (0, json!(500)));
    assert_eq!(sent, ["find products", "aggregate products"]);
}

#[actix_web::test]
async fn one_product_uncached_is_one_find() {
    let Some(app) = TestApp::mongo().await else { return };
    let p = add_product(&app, &seller_token(), sample_add("Solo", json!(1000), json!(0))).await;
    let path = format!("/api/product/{}", p["_id"].as_str().unwrap());
    let (r, sent) = sent_by(&app, &path).await;
    assert_eq!(r.body["product"]["name"], json!("Solo"));
    // find_one: `find` with limit 1 in a single batch, the cursor closed by the server.
    assert_eq!(sent, ["find products"]);
    let (_, sent) = sent_by(&app, &path).await;
    assert_eq!(sent, Vec::<String>::new(), "cached");
}
