//! The catalogue (frontend.md 2 "GET /api/product/list", 3 "Product", "/product/[id]",
//! 9 "product/list").

use reqwest::Method;
use serde_json::json;

use crate::pages::{badges, id, new_arrivals, product_page, promotions, thumbnail, unit_price};
use crate::support::{Shop, IMAGE};

on_both_backends!(
    the_catalogue_loads_without_a_token_and_is_every_pages_product_source,
    prices_are_json_numbers_and_the_offer_price_is_used_when_above_zero,
    products_dated_in_the_last_48_hours_are_new_arrivals_newest_first,
    out_of_stock_and_promotion_flags_show_on_the_cards_and_in_promotions,
    an_unknown_product_id_leaves_the_product_page_spinning,
    the_catalogue_comes_in_insertion_order,
);

/// 2: `GET /api/product/list` with no auth header, the sole catalogue source: the
/// lists, the search, the product page and the totals all read it.
async fn the_catalogue_loads_without_a_token_and_is_every_pages_product_source(shop: Shop) {
    let seller = shop.seller().await;
    let buds = shop.add_product(&seller, "Storefront Buds", "1999", "1499").await;
    let products = shop.catalogue().await;
    let page = product_page(&products, &buds).unwrap_or_else(|| panic!("[{:?}] the product page finds no {buds} in the catalogue", shop.backend));
    assert_eq!(page["name"], json!("Storefront Buds"), "[{:?}]", shop.backend);
    let searched: Vec<String> = products.iter().filter(|p| p["name"].as_str().unwrap_or_default().to_lowercase().contains("buds")).map(id).collect();
    assert!(searched.contains(&buds), "[{:?}] search misses the product", shop.backend);
}

/// 3: `price`/`offerPrice` are JSON numbers (strings crash the cart and product pages),
/// `offerPrice` used when > 0; `image[0]` is the thumbnail.
async fn prices_are_json_numbers_and_the_offer_price_is_used_when_above_zero(shop: Shop) {
    let seller = shop.seller().await;
    let offered = shop.add_product(&seller, "Offered Watch", "3000", "2500").await;
    let plain = shop.add_product(&seller, "Plain Cable", "500", "").await;
    let products = shop.catalogue().await;
    let (o, p) = (product_page(&products, &offered).unwrap(), product_page(&products, &plain).unwrap());
    assert_eq!((unit_price(o), unit_price(p)), (2500.0, 500.0), "[{:?}] {o} {p}", shop.backend);
    assert_eq!((thumbnail(o), thumbnail(p)), (IMAGE.to_owned(), IMAGE.to_owned()), "[{:?}]", shop.backend);
}

/// 3: a product dated less than 48 h ago is a New Arrival; newest first.
async fn products_dated_in_the_last_48_hours_are_new_arrivals_newest_first(shop: Shop) {
    let seller = shop.seller().await;
    let mut ours = Vec::new();
    for name in ["Arrival One", "Arrival Two", "Arrival Three"] {
        ours.push(shop.add_product(&seller, name, "100", "").await);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let products = shop.catalogue().await;
    let now = chrono::Utc::now().timestamp_millis();
    let shown: Vec<String> = new_arrivals(&products, now).into_iter().filter(|i| ours.contains(i)).collect();
    let newest_first: Vec<String> = ours.iter().rev().cloned().collect();
    assert_eq!(shown, newest_first, "[{:?}] New Arrivals", shop.backend);
    let first_date = chrono::DateTime::parse_from_rfc3339(product_page(&products, &ours[0]).unwrap()["date"].as_str().unwrap()).unwrap();
    let two_days_on = first_date.timestamp_millis() + 48 * 3600 * 1000;
    assert!(!new_arrivals(&products, two_days_on).contains(&ours[0]), "[{:?}] a 48 h old product is still new", shop.backend);
}

/// 3: a falsy `inStock` reads "Out of Stock"; a truthy `promotion` gets the badge and
/// the Promotions section (the flags the seller's toggles set).
async fn out_of_stock_and_promotion_flags_show_on_the_cards_and_in_promotions(shop: Shop) {
    let seller = shop.seller().await;
    let p = shop.add_product(&seller, "Flagged Speaker", "4000", "").await;
    let fresh = shop.catalogue().await;
    assert_eq!(badges(product_page(&fresh, &p).unwrap()), Vec::<&str>::new(), "[{:?}] a new product", shop.backend);
    let t = Some(seller.token.as_str());
    shop.axios(Method::PUT, "/api/product/inStock", t, Some(json!({"productId": p, "inStock": false}))).await.unwrap();
    shop.axios(Method::PUT, "/api/product/promotion", t, Some(json!({"productId": p, "promotion": true}))).await.unwrap();
    let products = shop.catalogue().await;
    assert_eq!(badges(product_page(&products, &p).unwrap()), vec!["Out of Stock", "Promotion"], "[{:?}]", shop.backend);
    assert!(promotions(&products).contains(&p), "[{:?}] not in Promotions", shop.backend);
}

/// 3: /product/[id] makes no call: an id the catalogue lacks (a deleted product)
/// spins forever; a listed one is found by its string id.
async fn an_unknown_product_id_leaves_the_product_page_spinning(shop: Shop) {
    let seller = shop.seller().await;
    let kept = shop.add_product(&seller, "Kept Mouse", "900", "").await;
    let gone = shop.add_product(&seller, "Gone Mouse", "900", "").await;
    let del = shop.axios(Method::DELETE, "/api/product/delete", Some(&seller.token), Some(json!({"productId": gone}))).await.unwrap();
    assert_eq!(del["success"], json!(true), "[{:?}] {del}", shop.backend);
    let products = shop.catalogue().await;
    assert!(product_page(&products, &kept).is_some(), "[{:?}]", shop.backend);
    assert!(product_page(&products, &gone).is_none(), "[{:?}] a deleted product still has a page", shop.backend);
    assert!(product_page(&products, "000000000000000000000000").is_none());
}

/// 9: product/list in natural (insertion) order.
async fn the_catalogue_comes_in_insertion_order(shop: Shop) {
    let seller = shop.seller().await;
    let mut added = Vec::new();
    for name in ["First Lamp", "Second Lamp", "Third Lamp", "Fourth Lamp"] {
        added.push(shop.add_product(&seller, name, "100", "").await);
    }
    let listed: Vec<String> = shop.catalogue().await.iter().map(id).filter(|i| added.contains(i)).collect();
    assert_eq!(listed, added, "[{:?}] the catalogue is not in insertion order", shop.backend);
}
