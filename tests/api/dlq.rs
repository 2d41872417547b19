//! The worker run as a process: `hme dlq list|replay`, a SIGKILL mid-batch, SIGTERM.

use std::collections::HashMap;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use hme_kernel::events::{consumers::known_consumers, EventBus, EventEnvelope, RabbitEventBus, RabbitSettings};
use hme_kernel::testing::{service_env, unique_name};
use serde_json::{json, Value};

use crate::helpers::{config_dir, test_env, Backends};

/// The test's environment: RabbitMQ (unique exchange and prefix), SMTP, a data folder.
struct WorkerEnv {
    env: HashMap<String, String>,
    smtp_dir: std::path::PathBuf,
    owner: String,
    _data: tempfile::TempDir,
}

impl WorkerEnv {
    fn new(mongo: bool) -> Option<Self> {
        let data = tempfile::tempdir().unwrap();
        let mut env = test_env(&Backends { rabbitmq: true, mongo, ..Default::default() }, data.path())?;
        let owner = format!("{}@example.com", unique_name("owner"));
        env.insert("SMTP_URL".into(), service_env("HME_TEST_SMTP_URL")?);
        env.insert("EMAIL_TO".into(), owner.clone());
        env.insert("HME__WORKER__FROM".into(), "HMElectronics <shop@example.com>".into());
        env.insert("HME__RABBITMQ__RETRY_BASE_DELAY_MS".into(), "200".into());
        let smtp_dir = service_env("HME_TEST_SMTP_DIR")?.into();
        Some(Self { env, smtp_dir, owner, _data: data })
    }

    fn command(&self, args: &[&str], extra: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hme"));
        cmd.args(args).env_clear().env("PATH", std::env::var("PATH").unwrap_or_default()).env("HME_CONFIG_DIR", config_dir());
        cmd.envs(&self.env);
        for (k, v) in extra {
            cmd.env(k, v);
        }
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args, &[]).output().unwrap()
    }

    fn worker(&self, extra: &[(&str, &str)]) -> Child {
        self.command(&["worker"], extra).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
    }

    async fn bus(&self) -> std::sync::Arc<RabbitEventBus> {
        RabbitEventBus::connect(RabbitSettings {
            url: self.env["RABBITMQ_URL"].clone(),
            exchange: self.env["HME__RABBITMQ__EXCHANGE"].clone(),
            queue_prefix: self.env["HME__RABBITMQ__QUEUE_PREFIX"].clone(),
            prefetch: 16,
            max_attempts: 5,
            base_delay_ms: 200,
            known_consumers: known_consumers(),
        })
        .await
        .unwrap()
    }

    /// Messages the SMTP sink got for `rcpt`.
    fn mails_to(&self, rcpt: &str) -> usize {
        let Ok(entries) = std::fs::read_dir(&self.smtp_dir) else { return 0 };
        entries
            .flatten()
            .filter(|e| e.path().extension().and_then(|x| x.to_str()) == Some("json"))
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .filter_map(|t| serde_json::from_str::<Value>(&t).ok())
            .filter(|m| m["rcpt_tos"].as_array().into_iter().flatten().any(|r| r.as_str().is_some_and(|r| r.eq_ignore_ascii_case(rcpt))))
            .count()
    }

    async fn wait_mails(&self, rcpt: &str, n: usize, secs: u64) -> usize {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let got = self.mails_to(rcpt);
            if got >= n || Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn order(customer: &str) -> EventEnvelope {
    EventEnvelope::new(
        "order.created",
        json!({
            "orderId": "6650a1b2c3d4e5f601234567", "userId": "user_2abc",
            "customer": {"name": "Ayesha Khan", "email": customer},
            "address": {"id": "a1", "fullName": "Ayesha Khan", "phoneNumber": "03001234567", "pinCode": "54000",
                        "area": "12 Mall Road", "city": "Lahore", "state": "Punjab", "text": "12 Mall Road, Lahore"},
            "items": [{"productId": "p1", "name": "Widget", "unitPrice": 1500, "quantity": 1, "lineTotal": 1500}],
            "shippingFee": 250, "amount": 1750, "date": 1748773230000i64, "status": "Order Placed",
            "paymentMethod": "cod", "paymentStatus": "pending",
            "courier": {"courierName": "TCS", "courierTrackingNumber": "TCS-1", "courierStatus": "Booked"}
        }),
    )
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test]
async fn dlq_list_shows_a_dead_letter_and_replay_redelivers_it_once() {
    let Some(w) = WorkerEnv::new(false) else { return };
    let bus = w.bus().await;
    let customer = format!("{}@example.com", unique_name("cust"));
    // SMTP down and one attempt only: the order email is dead-lettered at once.
    let broken = w.worker(&[("SMTP_URL", "smtp://127.0.0.1:9"), ("HME__RABBITMQ__MAX_ATTEMPTS", "1")]);
    let e = order(&customer);
    bus.publish(&e).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while bus.dead_letter_count("email.order_created").await.unwrap() < 1 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    stop(broken);

    let out = w.run(&["dlq", "list", "--json", "--consumer", "email.order_created"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["eventId"], e.id.to_string());
    assert_eq!(listed[0]["eventType"], "order.created");
    let table = w.run(&["dlq", "list"]);
    assert!(text(&table.stdout).contains(&e.id.to_string()), "{}", text(&table.stdout));
    assert_eq!(bus.dead_letter_count("email.order_created").await.unwrap(), 1, "listing leaves it in place");

    let out = w.run(&["dlq", "replay", "--consumer", "email.order_created", "--id", &e.id.to_string()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("replayed 1"), "{}", text(&out.stdout));
    assert_eq!(bus.dead_letter_count("email.order_created").await.unwrap(), 0);

    let fixed = w.worker(&[]);
    assert_eq!(w.wait_mails(&customer, 1, 30).await, 1, "replayed to the fixed worker");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop(fixed);
    assert_eq!(w.mails_to(&customer), 1, "exactly once");
    let out = w.run(&["dlq", "list", "--json", "--consumer", "email.order_created"]);
    assert_eq!(serde_json::from_slice::<Vec<Value>>(&out.stdout).unwrap().len(), 0);
}

/// SIGKILL mid-batch, then a restart: no event is lost. Sending an email and recording
/// it are two steps (at least once), so the one event in flight at the kill may repeat
/// one email; no other email repeats.
#[tokio::test]
async fn a_worker_killed_mid_batch_loses_nothing_and_repeats_at_most_the_in_flight_email() {
    let Some(w) = WorkerEnv::new(true) else { return };
    let bus = w.bus().await;
    let customers: Vec<String> = (0..20).map(|_| format!("{}@example.com", unique_name("cust"))).collect();
    for c in &customers {
        bus.publish(&order(c)).await.unwrap();
    }
    let first = w.worker(&[]);
    assert!(w.wait_mails(&w.owner, 3, 30).await >= 3, "the first emails arrived");
    stop(first); // SIGKILL
    let sent_before_restart = w.mails_to(&w.owner);
    let second = w.worker(&[]);
    assert!(w.wait_mails(&w.owner, customers.len(), 60).await >= customers.len(), "no event lost");
    tokio::time::sleep(Duration::from_millis(2000)).await;
    stop(second);
    let mut repeats = w.mails_to(&w.owner) - customers.len();
    for c in &customers {
        let n = w.mails_to(c);
        assert!(n >= 1, "{c} lost");
        repeats += n - 1;
    }
    assert!(repeats <= 1, "{repeats} repeated emails (killed after {sent_before_restart} owner emails)");
}

#[tokio::test]
async fn sigterm_stops_the_worker_after_the_delivery_in_hand() {
    let Some(w) = WorkerEnv::new(false) else { return };
    let bus = w.bus().await;
    let customers: Vec<String> = (0..30).map(|_| format!("{}@example.com", unique_name("cust"))).collect();
    for c in &customers {
        bus.publish(&order(c)).await.unwrap();
    }
    let worker = w.worker(&[]);
    assert!(w.wait_mails(&w.owner, 1, 30).await >= 1);
    let term = Command::new("kill").args(["-TERM", &worker.id().to_string()]).status().unwrap();
    assert!(term.success());
    let started = Instant::now();
    let out = worker.wait_with_output().unwrap();
    assert!(started.elapsed() < Duration::from_secs(20), "drained promptly");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let logs = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(logs.contains("consumer stopped"), "{logs}");
    // Every event is either done (its owner email sent) or still queued for the next worker.
    let done = w.mails_to(&w.owner);
    let second = w.worker(&[]);
    assert!(w.wait_mails(&w.owner, customers.len(), 60).await >= customers.len(), "the rest stayed queued (done before: {done})");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    stop(second);
    assert_eq!(w.mails_to(&w.owner), customers.len(), "a drained delivery is acked, never repeated");
}
