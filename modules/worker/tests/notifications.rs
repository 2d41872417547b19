//! `POST /api/subscribe` and `POST /api/contact`: validation, the `newsletters`
//! collection (and mongoose compatibility), emails sent by the worker's consumers over
//! the embedded bus, rate limits.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::{Arc, Mutex};

use actix_web::http::StatusCode;
use actix_web::{test, web, App};
use async_trait::async_trait;
use hme_kernel::backends::Documents;
use hme_kernel::error::{ErrorStatuses, RealStatus};
use hme_kernel::module::{HttpModule, Platform};
use hme_kernel::testing::{embedded_test_db, mongo_test_db, service_env};
use hme_worker::{Email, MailError, Mailer, WorkerModule, WorkerPorts, WorkerSettings};
use serde_json::{json, Value};
use support::*;

#[derive(Default)]
struct Recorder(Mutex<Vec<Email>>);

#[async_trait]
impl Mailer for Recorder {
    fn name(&self) -> &'static str {
        "recorder"
    }
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        self.0.lock().unwrap().push(email.clone());
        Ok(())
    }
}

impl Recorder {
    fn to(&self, rcpt: &str) -> Vec<Email> {
        self.0.lock().unwrap().iter().filter(|e| e.to.iter().any(|t| t == rcpt)).cloned().collect()
    }
}

struct Harness {
    worker: Arc<WorkerModule>,
    mails: Arc<Recorder>,
    _platform: Platform,
    _dir: Option<tempfile::TempDir>,
}

const OWNER: &str = "owner@example.com";

async fn harness(documents: Option<Documents>) -> Harness {
    let (db, dir) = embedded_test_db();
    let documents = documents.unwrap_or_else(|| Documents::Embedded(db.clone()));
    let platform = platform(documents, embedded_bus(db));
    let mails = Arc::new(Recorder::default());
    let mut settings = WorkerSettings { owner_email: Some(OWNER.into()), ..WorkerSettings::default() };
    settings.notifications.rate_limit_max = 3;
    let ports = WorkerPorts { mailer: Some(mails.clone()), ..WorkerPorts::default() };
    let worker = start_worker(&platform, &settings, ports).await;
    Harness { worker, mails, _platform: platform, _dir: Some(dir) }
}

async fn post(h: &Harness, path: &str, body: Value, peer: &str) -> (StatusCode, Value, Option<String>) {
    let (status, _, body, retry) = post_in(h, ErrorStatuses::Http, path, body, peer).await;
    (status, body, retry)
}

/// A JSON post with `server.error_statuses = mode`: status, real status, body, Retry-After.
async fn post_in(h: &Harness, mode: ErrorStatuses, path: &str, body: Value, peer: &str) -> (StatusCode, Option<StatusCode>, Value, Option<String>) {
    post_raw(h, mode, path, body.to_string(), peer).await
}

async fn post_raw(h: &Harness, mode: ErrorStatuses, path: &str, body: String, peer: &str) -> (StatusCode, Option<StatusCode>, Value, Option<String>) {
    let w = h.worker.clone();
    let app = test::init_service(App::new().app_data(mode).app_data(hme_kernel::json::json_config(64 * 1024)).app_data(web::Data::new(Arc::new(hme_kernel::testing::verifier()))).configure(move |cfg| w.configure(cfg))).await;
    let req = test::TestRequest::post().uri(path).peer_addr(peer.parse().unwrap()).insert_header(("content-type", "application/json")).set_payload(body).to_request();
    let resp = test::call_service(&app, req).await;
    let status = resp.status();
    let real = resp.response().extensions().get::<RealStatus>().map(|r| r.0);
    let retry = resp.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    let body = serde_json::from_slice(&test::read_body(resp).await).unwrap_or(Value::Null);
    (status, real, body, retry)
}

async fn wait_mails(h: &Harness, rcpt: &str, n: usize) -> Vec<Email> {
    wait_until(|| h.mails.to(rcpt).len() >= n, 10).await;
    h.mails.to(rcpt)
}

#[actix_web::test]
async fn subscribe_stores_a_unique_email_answers_already_subscribed_and_the_worker_sends_both_emails() {
    let mut backends = vec![None];
    if let Some(db) = mongo_test_db().await {
        backends.push(Some(Documents::Mongo(db)));
    }
    for docs in backends {
        let h = harness(docs).await;
        let email = address("sub");
        let (status, body, _) = post(&h, "/api/subscribe", json!({"email": format!("  {}  ", email.to_uppercase())}), "10.0.0.1:1000").await;
        assert_eq!((status, body), (StatusCode::OK, json!({"success": true, "message": "Subscribed successfully"})));
        let (status, body, _) = post(&h, "/api/subscribe", json!({"email": email}), "10.0.0.2:1000").await;
        assert_eq!((status, body), (StatusCode::OK, json!({"message": "Already subscribed"})));
        let (status, body, _) = post(&h, "/api/subscribe", json!({"email": "not-an-email"}), "10.0.0.3:1000").await;
        assert_eq!((status, body), (StatusCode::BAD_REQUEST, json!({"success": false, "error": "Invalid email"})));
        let welcome = wait_mails(&h, &email, 1).await;
        assert_eq!(welcome.len(), 1);
        assert!(welcome[0].subject.contains("Welcome"));
        let owner = wait_mails(&h, OWNER, 1).await;
        assert_eq!(owner.len(), 1);
        assert!(owner[0].text.contains(&email));
    }
}

#[actix_web::test]
async fn subscribe_and_contact_are_rate_limited_per_client_address_with_retry_after() {
    let h = harness(None).await;
    for path in ["/api/subscribe", "/api/contact"] {
        for i in 0..3 {
            let (status, _, _) = post(&h, path, json!({"email": "bad"}), "10.9.9.9:1").await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "request {i}");
        }
        let (status, body, retry) = post(&h, path, json!({"email": "bad"}), "10.9.9.9:2").await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
        assert!(retry.unwrap().parse::<u64>().unwrap() >= 1);
        let (status, _, _) = post(&h, path, json!({"email": "bad"}), "10.9.9.10:1").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "another address is not limited");
    }
}

#[actix_web::test]
async fn contact_validates_and_the_worker_emails_owner_and_sender_with_the_message_escaped() {
    let h = harness(None).await;
    let cases = [
        (json!({"name": "A", "email": "nope", "message": "hi"}), "Invalid email"),
        (json!({"name": "", "email": "a@example.com", "message": "hi"}), "Name is required"),
        (json!({"name": "A", "email": "a@example.com", "message": "x".repeat(5001)}), "Message is too long (at most 5000 characters)"),
        (json!({"name": "n".repeat(101), "email": "a@example.com", "message": "hi"}), "Name is too long (at most 100 characters)"),
    ];
    for (i, (body, msg)) in cases.into_iter().enumerate() {
        let (status, got, _) = post(&h, "/api/contact", body, &format!("10.1.0.{i}:1")).await;
        assert_eq!((status, got), (StatusCode::BAD_REQUEST, json!({"success": false, "message": msg})));
    }
    let sender = address("contact");
    let body = json!({"name": "Eve <script>", "email": sender, "message": "<img src=x onerror=alert(1)>\nline & two"});
    let (status, got, _) = post(&h, "/api/contact", body, "10.2.0.1:1").await;
    assert_eq!((status, got), (StatusCode::OK, json!({"success": true, "message": "Message sent successfully"})));
    let owner = wait_mails(&h, OWNER, 1).await;
    let confirm = wait_mails(&h, &sender, 1).await;
    assert_eq!((owner.len(), confirm.len()), (1, 1));
    for m in [&owner[0], &confirm[0]] {
        assert!(m.html.contains("&lt;img src=x onerror=alert(1)&gt;<br>line &amp; two"), "{}", m.html);
        assert!(!m.html.contains("<img") && !m.html.contains("<script>"), "{}", m.html);
        assert!(m.html.contains("Eve &lt;script&gt;"), "{}", m.html);
    }
    assert!(owner[0].text.contains("<img src=x onerror=alert(1)>"), "the text part keeps the message as written");
}

async fn mongoose(cli: &str, db: &mongodb::Database, args: &[&str]) -> Value {
    hme_kernel::testing::mongoose_cli(cli, db.name(), args).await
}

#[actix_web::test]
async fn a_newsletter_stored_by_hme_roundtrips_in_mongoose_and_one_mongoose_wrote_is_already_subscribed() {
    let Some(cli) = service_env("HME_TEST_MONGOOSE_CLI") else { return };
    let Some(db) = mongo_test_db().await else { return };
    let h = harness(Some(Documents::Mongo(db.clone()))).await;
    let email = address("mg");
    let (status, _, _) = post(&h, "/api/subscribe", json!({"email": email}), "10.3.0.1:1").await;
    assert_eq!(status, StatusCode::OK);
    let found = mongoose(&cli, &db, &["find", "Newsletter", &json!({"email": email}).to_string()]).await;
    let id = found[0]["_id"].as_str().unwrap().to_owned();
    assert_eq!(found[0]["__v"], json!(0));
    assert!(found[0]["createdAt"].as_str().unwrap().ends_with('Z'));
    let loaded = mongoose(&cli, &db, &["get", "Newsletter", &id]).await;
    assert_eq!(loaded["errors"], Value::Null, "{loaded}");
    let trip = mongoose(&cli, &db, &["roundtrip", "Newsletter", &id]).await;
    assert_eq!(trip["errors"], Value::Null);
    assert_eq!(trip["before"], trip["after"], "mongoose would rewrite: {trip}");
    let theirs = address("legacy");
    mongoose(&cli, &db, &["create", "Newsletter", &json!({"email": theirs}).to_string()]).await;
    let (status, body, _) = post(&h, "/api/subscribe", json!({"email": theirs}), "10.3.0.2:1").await;
    assert_eq!((status, body), (StatusCode::OK, json!({"message": "Already subscribed"})));
}

#[actix_web::test]
async fn subscribe_works_on_a_database_whose_newsletter_index_mongoose_made_first_and_mongoose_reads_the_subscribers() {
    let Some(cli) = service_env("HME_TEST_MONGOOSE_CLI") else { return };
    let Some(db) = mongo_test_db().await else { return };
    // The legacy app started first: its autoIndex made `email_1` (unique, background).
    let indexes = mongoose(&cli, &db, &["indexes", "Newsletter"]).await;
    assert!(indexes.as_array().unwrap().iter().any(|i| i["key"] == json!({"email": 1})), "{indexes}");
    let h = harness(Some(Documents::Mongo(db.clone()))).await;
    let email = address("first");
    let (status, body, _) = post(&h, "/api/subscribe", json!({"email": email}), "10.4.0.1:1").await;
    assert_eq!((status, body), (StatusCode::OK, json!({"success": true, "message": "Subscribed successfully"})));
    let (status, body, _) = post(&h, "/api/subscribe", json!({"email": email}), "10.4.0.2:1").await;
    assert_eq!((status, body), (StatusCode::OK, json!({"message": "Already subscribed"})), "the page branches on exactly this");
    // /seller/newsletter reads the collection straight from the database.
    let found = mongoose(&cli, &db, &["find", "Newsletter", "{}"]).await;
    let emails: Vec<&str> = found.as_array().unwrap().iter().filter_map(|d| d["email"].as_str()).collect();
    assert_eq!(emails, vec![email.as_str()], "{found}");
    assert!(found[0]["createdAt"].as_str().unwrap().ends_with('Z'));
}

#[actix_web::test]
async fn an_existing_email_index_with_other_options_is_kept_and_duplicates_are_still_refused() {
    let Some(db) = mongo_test_db().await else { return };
    // Same keys, another name and no `unique`: MongoDB refuses hme's unique `email_1`.
    let coll = db.collection::<mongodb::bson::Document>("newsletters");
    let other = mongodb::IndexModel::builder().keys(mongodb::bson::doc! {"email": 1}).options(mongodb::options::IndexOptions::builder().name("legacy_email".to_owned()).build()).build();
    coll.create_index(other).await.unwrap();
    let h = harness(Some(Documents::Mongo(db.clone()))).await;
    let email = address("dup");
    let (status, _, _) = post(&h, "/api/subscribe", json!({"email": email}), "10.5.0.1:1").await;
    assert_eq!(status, StatusCode::OK);
    let (status, body, _) = post(&h, "/api/subscribe", json!({"email": email}), "10.5.0.2:1").await;
    assert_eq!((status, body), (StatusCode::OK, json!({"message": "Already subscribed"})));
    assert_eq!(coll.count_documents(mongodb::bson::doc! {"email": &email}).await.unwrap(), 1);
}

#[actix_web::test]
async fn subscribe_and_contact_failures_keep_their_legacy_statuses_and_keys_by_default() {
    let h = harness(None).await;
    for mode in [ErrorStatuses::Legacy, ErrorStatuses::Http] {
        let r = post_in(&h, mode, "/api/subscribe", json!({"email": "not-an-email"}), "10.1.0.1:1").await;
        assert_eq!((r.0, r.1, r.2.clone()), (StatusCode::BAD_REQUEST, Some(StatusCode::BAD_REQUEST), json!({"success": false, "error": "Invalid email"})), "{mode:?}");
        let r = post_raw(&h, mode, "/api/subscribe", "{not json".to_owned(), "10.1.0.2:1").await;
        assert_eq!((r.0, r.2["success"].clone()), (StatusCode::BAD_REQUEST, json!(false)), "{mode:?}: {}", r.2);
        assert!(r.2["error"].as_str().is_some_and(|e| e.starts_with("Invalid JSON")), "{mode:?}: {}", r.2);
        let r = post_in(&h, mode, "/api/contact", json!({"name": "Ada", "email": "nope", "message": "hi"}), "10.1.0.3:1").await;
        assert_eq!((r.0, r.1, r.2.clone()), (StatusCode::BAD_REQUEST, Some(StatusCode::BAD_REQUEST), json!({"success": false, "message": "Invalid email"})), "{mode:?}");
    }
}

#[actix_web::test]
async fn the_rate_limit_keeps_its_429_in_the_default_mode() {
    let h = harness(None).await;
    for path in ["/api/subscribe", "/api/contact"] {
        let mut last = None;
        for i in 0..4 {
            last = Some(post_in(&h, ErrorStatuses::Legacy, path, json!({"name": "Ada", "email": format!("a{i}@x.test"), "message": "hi"}), "10.2.0.1:1").await);
        }
        let (status, real, body, retry) = last.unwrap();
        assert_eq!((status, real, body["success"].clone()), (StatusCode::TOO_MANY_REQUESTS, Some(StatusCode::TOO_MANY_REQUESTS), json!(false)), "{path}: {body}");
        assert!(retry.is_some(), "{path}");
    }
}

/// The seller's newsletter page (frontend.md 5) is server-rendered from the database:
/// mongoose's `Newsletter.find()`. Every email hme's subscribe stored is listed there
/// with its `createdAt`: on a fresh database, and on one where the legacy app made its
/// indexes first (`email_1`, unique, `background: true`, as mongoose's autoIndex sends).
#[actix_web::test]
async fn the_newsletter_page_lists_with_mongoose_every_email_hme_subscribed_with_its_date() {
    let Some(cli) = service_env("HME_TEST_MONGOOSE_CLI") else { return };
    for mongoose_indexed_first in [false, true] {
        let Some(db) = mongo_test_db().await else { return };
        if mongoose_indexed_first {
            let index = mongodb::bson::doc! {"key": {"email": 1}, "name": "email_1", "unique": true, "background": true};
            db.run_command(mongodb::bson::doc! {"createIndexes": "newsletters", "indexes": [index]}).await.unwrap();
        }
        let case = if mongoose_indexed_first { "mongoose made the indexes first" } else { "fresh database" };
        let h = harness(Some(Documents::Mongo(db.clone()))).await;
        let emails = [address("page-a"), address("page-b")];
        for (i, e) in emails.iter().enumerate() {
            let (status, body, _) = post(&h, "/api/subscribe", json!({"email": e}), &format!("10.4.0.{}:1", i + 1)).await;
            assert_eq!(status, StatusCode::OK, "{case}: subscribe {e}: {body}");
        }
        let listed = mongoose(&cli, &db, &["find", "Newsletter", "{}"]).await;
        let shown: Vec<&str> = listed.as_array().unwrap().iter().map(|n| n["email"].as_str().unwrap()).collect();
        assert_eq!(shown, emails.iter().map(String::as_str).collect::<Vec<_>>(), "{case}: {listed}");
        for n in listed.as_array().unwrap() {
            let at = n["createdAt"].as_str().unwrap_or_else(|| panic!("{case}: no createdAt: {n}"));
            let at = chrono::DateTime::parse_from_rfc3339(at).unwrap_or_else(|e| panic!("{case}: {at}: {e}"));
            assert!((chrono::Utc::now() - at.with_timezone(&chrono::Utc)).num_seconds().abs() < 60, "{case}: {n}");
        }
    }
}
