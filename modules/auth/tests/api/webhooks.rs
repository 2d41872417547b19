//! `POST /api/webhooks/clerk`: Svix signatures, replays, and the user changes.

use actix_web::http::StatusCode;
use actix_web::test;
use hme_kernel::testing::clerk_token;
use serde_json::json;

use crate::support::{get, post, settings, user_event, TestApp, PID_A, SECRET};

#[actix_web::test]
async fn created_updated_and_deleted_events_apply_to_users_and_updates_keep_the_cart() {
    for app in TestApp::all().await {
        assert_eq!(app.deliver("msg_c", &user_event("user.created", "user_w", "w@x.test", "Grace", "Hopper")).await.status, StatusCode::OK);
        let t = clerk_token("user_w", None);
        app.call(post("/api/cart/update", Some(&t), json!({"cartData": {PID_A: 2}}))).await;
        let r = app.deliver("msg_u", &user_event("user.updated", "user_w", "new@x.test", "Grace B.", "Hopper")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
        let user = app.call(get("/api/user/data", Some(&t))).await.body["user"].clone();
        assert_eq!((user["name"].clone(), user["email"].clone(), user["cartItems"].clone()), (json!("Grace B. Hopper"), json!("new@x.test"), json!({PID_A: 2})), "{}", app.backend);
        let del = json!({"type": "user.deleted", "object": "event", "data": {"id": "user_w", "deleted": true, "object": "user"}});
        assert_eq!(app.deliver("msg_d", &del).await.status, StatusCode::OK);
        assert_eq!(app.call(get("/api/user/data", Some(&t))).await.status, StatusCode::NOT_FOUND);
    }
}

#[actix_web::test]
async fn a_replayed_delivery_is_acknowledged_but_not_applied_again() {
    let app = TestApp::embedded().await;
    app.deliver("msg_1", &user_event("user.created", "user_r", "r@x.test", "R", "R")).await;
    let del = json!({"type": "user.deleted", "data": {"id": "user_r", "deleted": true}});
    app.deliver("msg_2", &del).await;
    let again = app.deliver("msg_1", &user_event("user.created", "user_r", "r@x.test", "R", "R")).await;
    assert_eq!((again.status, again.body["message"].clone()), (StatusCode::OK, json!("Already processed")));
    assert!(app.module.users().user("user_r").await.is_err(), "the replay must not recreate the user");
}

#[actix_web::test]
async fn bad_signatures_stale_timestamps_and_missing_headers_are_refused() {
    let app = TestApp::embedded().await;
    let body = user_event("user.created", "user_s", "s@x.test", "S", "S").to_string();
    let now = chrono::Utc::now().timestamp();
    let send = |id: &str, ts: i64, sig: String| {
        test::TestRequest::post().uri("/api/webhooks/clerk").insert_header(("svix-id", id.to_owned())).insert_header(("svix-timestamp", ts.to_string()))
            .insert_header(("svix-signature", sig)).set_payload(body.clone())
    };
    let other = hme_auth::svix::sign("whsec_c2VjcmV0LW90aGVy", "m1", now, body.as_bytes()).unwrap();
    assert_eq!(app.call(send("m1", now, other)).await.status, StatusCode::UNAUTHORIZED);
    let stale = hme_auth::svix::sign(SECRET, "m2", now - 600, body.as_bytes()).unwrap();
    assert_eq!(app.call(send("m2", now - 600, stale)).await.status, StatusCode::UNAUTHORIZED);
    let r = app.call(test::TestRequest::post().uri("/api/webhooks/clerk").set_payload(body.clone())).await;
    assert_eq!((r.status, r.body["success"].clone()), (StatusCode::BAD_REQUEST, json!(false)));
    assert!(app.module.users().user("user_s").await.is_err());
}

#[actix_web::test]
async fn without_a_signing_secret_the_webhook_answers_503() {
    let mut s = settings();
    s.clerk_webhook_signing_secret = None;
    let app = TestApp::embedded_with(s).await;
    let r = app.deliver("m", &user_event("user.created", "u", "u@x.test", "U", "U")).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[actix_web::test]
async fn unknown_event_types_are_acknowledged_and_ignored() {
    let app = TestApp::embedded().await;
    let r = app.deliver("m_s", &json!({"type": "session.created", "data": {"id": "sess_1"}})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
}
