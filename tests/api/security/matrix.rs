//! The authorization matrix: every route of the binary × {no token, customer, other
//! customer, seller, other seller, admin}, with the status each must get, from ONE
//! table. A route the binary serves (`hme::openapi::routes()`, what `hme routes`
//! prints) without a row fails `every_route_has_a_row`, so no route ships unreviewed.
//!
//! "Customer" owns the address, the orders and the tracking number; "seller" owns the
//! product and the image. The other customer and the other seller must be refused on
//! them (404: the legacy API does not reveal what exists). Sellers and admins see every
//! order (the shop's sellers run one shop), so they may track any order.

use reqwest::Method;
use serde_json::{json, Value};

use super::fixture::{assert_envelope, paid_callback_form, send, Reply, Shop, Who};

/// One route's expected statuses, columns in [`Who::ALL`] order:
/// anonymous, customer, other customer, seller, other seller, admin.
struct Row {
    method: &'static str,
    path: &'static str,
    expect: [u16; 6],
}

const fn row(method: &'static str, path: &'static str, expect: [u16; 6]) -> Row {
    Row { method, path, expect }
}

/// THE table. Add a row (and its request in [`request`]) with every new route.
const MATRIX: &[Row] = &[
    // core
    row("GET", "/healthz", [200, 200, 200, 200, 200, 200]),
    row("GET", "/readyz", [200, 200, 200, 200, 200, 200]),
    row("GET", "/swagger/", [200, 200, 200, 200, 200, 200]),
    row("GET", "/api-docs/openapi.json", [200, 200, 200, 200, 200, 200]),
    row("GET", "/api/migration/status", [401, 403, 403, 403, 403, 200]),
    // products
    row("GET", "/api/product/list", [200, 200, 200, 200, 200, 200]),
    row("GET", "/api/product/{id}", [200, 200, 200, 200, 200, 200]),
    row("GET", "/api/product/seller-list", [401, 403, 403, 200, 200, 200]),
    row("POST", "/api/product/add", [401, 403, 403, 200, 200, 200]),
    row("PUT", "/api/product/edit", [401, 403, 403, 200, 404, 404]),
    row("DELETE", "/api/product/delete", [401, 403, 403, 200, 404, 404]),
    // the legacy routes check ownership only: a customer owns no product
    row("PUT", "/api/product/inStock", [401, 404, 404, 200, 404, 404]),
    row("PUT", "/api/product/promotion", [401, 404, 404, 200, 404, 404]),
    // auth: legacy user routes act on the caller's own documents only
    row("GET", "/api/user/data", [401, 200, 200, 200, 200, 200]),
    row("GET", "/api/cart/get", [401, 200, 200, 200, 200, 200]),
    row("POST", "/api/cart/update", [401, 200, 200, 200, 200, 200]),
    row("POST", "/api/user/add-address", [401, 200, 200, 200, 200, 200]),
    row("GET", "/api/user/get-address", [401, 200, 200, 200, 200, 200]),
    row("POST", "/api/webhooks/clerk", [400, 400, 400, 400, 400, 400]),
    row("POST", "/api/auth/register", [201, 201, 201, 201, 201, 201]),
    row("POST", "/api/auth/login", [200, 200, 200, 200, 200, 200]),
    row("POST", "/api/auth/refresh", [401, 401, 401, 401, 401, 401]),
    row("POST", "/api/auth/logout", [200, 200, 200, 200, 200, 200]),
    row("GET", "/api/auth/me", [401, 200, 200, 200, 200, 200]),
    row("GET", "/api/auth/jwks.json", [200, 200, 200, 200, 200, 200]),
    row("POST", "/api/auth/roles", [401, 403, 403, 403, 403, 200]),
    // orders: placed with the customer's address, so everyone else gets 404
    row("POST", "/api/order/create", [401, 200, 404, 404, 404, 404]),
    row("GET", "/api/order/list", [401, 200, 200, 200, 200, 200]),
    row("GET", "/api/order/seller-orders", [401, 403, 403, 200, 200, 200]),
    row("PUT", "/api/order/status", [401, 403, 403, 200, 200, 200]),
    // the owner cancels; sellers and admins manage every order
    row("POST", "/api/order/cancel", [401, 200, 404, 200, 200, 200]),
    row("POST", "/api/checkout/initiate", [401, 200, 404, 404, 404, 404]),
    row("POST", "/api/checkout/callback", [303, 303, 303, 303, 303, 303]),
    row("GET", "/api/track/{trackingNumber}", [401, 200, 404, 200, 200, 200]),
    // images
    row("POST", "/api/image/upload", [401, 403, 403, 200, 200, 200]),
    row("DELETE", "/api/image", [401, 403, 403, 200, 404, 404]),
    row("POST", "/api/image/signature", [401, 403, 403, 200, 200, 200]),
    row("GET", "/media/{path}", [200, 200, 200, 200, 200, 200]),
    // worker
    row("POST", "/api/subscribe", [200, 200, 200, 200, 200, 200]),
    row("POST", "/api/contact", [200, 200, 200, 200, 200, 200]),
];

fn find(method: &str, path: &str) -> Option<&'static Row> {
    MATRIX.iter().find(|r| r.method == method && r.path == path)
}

#[test]
fn every_route_has_a_row() {
    let routes = hme::openapi::routes();
    let missing: Vec<String> = routes.iter().filter(|r| find(&r.method, &r.path).is_none()).map(|r| format!("{} {} ({})", r.method, r.path, r.module)).collect();
    assert!(missing.is_empty(), "routes without a row in the authorization matrix (tests/api/security/matrix.rs): {missing:#?}");
    let stale: Vec<String> = MATRIX
        .iter()
        .filter(|row| !routes.iter().any(|r| r.method == row.method && r.path == row.path))
        .map(|row| format!("{} {}", row.method, row.path))
        .collect();
    assert!(stale.is_empty(), "matrix rows for routes the binary does not serve: {stale:#?}");
}

/// The request `who` sends for `row`; resources a successful call would consume
/// (a product to delete, an order to cancel...) are made fresh for each call.
async fn request(shop: &Shop, row: &Row, who: Who, n: usize) -> Reply {
    let (m, p) = (row.method, row.path);
    let method = Method::from_bytes(m.as_bytes()).unwrap_or(Method::GET);
    let unique = format!("{}{n}", uuid::Uuid::new_v4().simple());
    let body: Option<Value> = match (m, p) {
        ("POST", "/api/product/add") => Some(json!({"name": "Matrix", "description": "d", "category": "Earphone", "price": 10, "offerPrice": 9, "image": ["https://res.cloudinary.com/demo/m.png"]})),
        ("PUT", "/api/product/edit") => Some(json!({"productId": shop.product, "name": "Security Buds"})),
        ("DELETE", "/api/product/delete") => Some(json!({"productId": shop.add_product(Who::Seller, "To delete").await})),
        ("PUT", "/api/product/inStock") => Some(json!({"productId": shop.product, "inStock": true})),
        ("PUT", "/api/product/promotion") => Some(json!({"productId": shop.product, "promotion": false})),
        ("POST", "/api/cart/update") => Some(json!({"cartData": {}})),
        ("POST", "/api/user/add-address") => Some(json!({"address": {"fullName": "M", "phoneNumber": "03001234567", "pinCode": "54000", "area": "A", "city": "Lahore", "state": "Punjab"}})),
        ("POST", "/api/webhooks/clerk") => Some(json!({"type": "user.deleted", "data": {"id": "user_x"}})),
        ("POST", "/api/auth/register") => Some(json!({"email": format!("m{unique}@security.test"), "password": "long enough pass", "name": "M"})),
        ("POST", "/api/auth/login") => {
            let a = &shop.accounts[&Who::Customer];
            Some(json!({"email": a.email, "password": a.password}))
        }
        ("POST", "/api/auth/refresh") | ("POST", "/api/auth/logout") => Some(json!({"refreshToken": "not-a-refresh-token"})),
        ("POST", "/api/auth/roles") => Some(json!({"userId": shop.accounts[&Who::OtherCustomer].id, "role": "customer"})),
        ("POST", "/api/order/create") => Some(shop.order_body(&shop.address)),
        ("PUT", "/api/order/status") => Some(json!({"orderId": shop.place_order(Who::Customer).await, "status": "Processing"})),
        ("POST", "/api/order/cancel") => Some(json!({"orderId": shop.place_order(Who::Customer).await})),
        ("POST", "/api/checkout/initiate") => {
            let mut b = shop.order_body(&shop.address);
            b["paymentMethod"] = json!("jazzcash");
            Some(b)
        }
        ("DELETE", "/api/image") => Some(json!({"url": shop.upload_image(Who::Seller).await})),
        ("POST", "/api/subscribe") => Some(json!({"email": format!("s{unique}@security.test")})),
        ("POST", "/api/contact") => Some(json!({"name": "M", "email": "m@security.test", "message": "hello"})),
        _ => None,
    };
    let path = match p {
        "/api/product/{id}" => format!("/api/product/{}", shop.product),
        "/api/track/{trackingNumber}" => format!("/api/track/{}", shop.tracking),
        "/media/{path}" => shop.image.split_once("/media/").map(|(_, k)| format!("/media/{k}")).unwrap_or_default(),
        _ => p.to_owned(),
    };
    match (m, p) {
        ("POST", "/api/image/upload") => shop.upload(who, &super::fixture::png(), "image/png").await,
        ("POST", "/api/checkout/callback") => {
            // A well-formed answer for an unknown transaction: refused, redirected.
            let init = json!({"fields": {"pp_MerchantID": "MC12345", "pp_TxnRefNo": format!("T{n}"), "pp_Amount": "100", "pp_TxnDateTime": "20250101000000", "pp_BillReference": "x"}});
            let mut r = shop.no_redirect.post(shop.app.url(&path)).form(&paid_callback_form(&init));
            if let Some(t) = shop.token(who) {
                r = r.bearer_auth(t);
            }
            send(r).await
        }
        _ => shop.call(who, method, &path, body).await,
    }
}

/// The internal endpoints of split deploys (`hme_kernel::remote`, under
/// `INTERNAL_PREFIX`, mounted only with a service token). They are not in the public
/// route table: one guard in front of the whole scope refuses every caller without the
/// service token, so a path the list below does not know is refused the same way.
const INTERNAL: &[&str] = &[
    "/catalog/products-by-ids", "/catalog/reserve", "/catalog/release", "/catalog/product-documents", "/customers/address",
    "/customers/profile", "/customers/clear-cart", "/address-book/documents", "/images/delete-for-product",
    "/product-images/referenced", "/sales/record", "/not-a-route-yet",
];

const SERVICE_TOKEN: &str = "security-matrix-service-token";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_each_caller_as_the_matrix_says() {
    let mut b = crate::helpers::Backends { overrides: super::fixture::base_overrides(), ..Default::default() };
    b.overrides.insert("HME_SERVICE_TOKEN".into(), SERVICE_TOKEN.into());
    let shop = Shop::build(b).await.unwrap_or_else(|| panic!("embedded shop"));
    let mut internal_wrong = Vec::new();
    for path in INTERNAL {
        let url = format!("{}{path}", hme_kernel::remote::INTERNAL_PREFIX);
        for who in Who::ALL {
            let r = shop.call(who, Method::POST, &url, Some(json!({}))).await;
            if r.status != 401 {
                internal_wrong.push(format!("POST {url} as {who:?}: {} {}", r.status, r.raw));
            } else {
                assert_envelope(&r, &url);
            }
        }
        let r = send(shop.app.client.post(shop.app.url(&url)).bearer_auth(SERVICE_TOKEN).json(&json!({})))
            .await;
        let exists = *path != "/not-a-route-yet";
        if r.status == 401 || (exists && r.status == 404) || (!exists && r.status != 404) {
            internal_wrong.push(format!("POST {url} with the service token: {} {}", r.status, r.raw));
        }
    }
    assert!(internal_wrong.is_empty(), "internal endpoints:\n{}", internal_wrong.join("\n"));
    let mut wrong = Vec::new();
    let mut n = 0;
    for row in MATRIX {
        for (i, who) in Who::ALL.iter().enumerate() {
            n += 1;
            let r = request(&shop, row, *who, n).await;
            let want = row.expect[i];
            if r.status.as_u16() != want {
                wrong.push(format!("{} {} as {who:?}: {} (want {want}) {}", row.method, row.path, r.status.as_u16(), r.raw.chars().take(160).collect::<String>()));
            } else if r.status.is_client_error() {
                assert_envelope(&r, &format!("{} {} as {who:?}", row.method, row.path));
            }
        }
    }
    assert!(wrong.is_empty(), "{} of {n} calls answered otherwise than the matrix:\n{}", wrong.len(), wrong.join("\n"));
}
