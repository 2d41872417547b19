//! The EventBus port: one behaviour suite run against the embedded outbox and RabbitMQ.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use hme_kernel::events::{EmbeddedEventBus, EventBus, EventEnvelope, EventHandler, HandlerError, RabbitEventBus, RabbitSettings};
use hme_kernel::events::embedded::RetryPolicy;
use hme_kernel::testing::{embedded_test_db, service_env, unique_name};
use serde_json::json;

/// Records what it handled; fails the first `fail_first` attempts of each event.
struct Recorder {
    name: String,
    patterns: Vec<String>,
    fail_first: u32,
    permanent: bool,
    attempts: Mutex<HashMap<uuid::Uuid, u32>>,
    handled: Mutex<Vec<EventEnvelope>>,
}

impl Recorder {
    fn new(patterns: &[&str], fail_first: u32, permanent: bool) -> Arc<Self> {
        Arc::new(Self {
            name: unique_name("consumer"),
            patterns: patterns.iter().map(|s| (*s).to_owned()).collect(),
            fail_first,
            permanent,
            attempts: Mutex::new(HashMap::new()),
            handled: Mutex::new(Vec::new()),
        })
    }
    fn handled(&self) -> Vec<EventEnvelope> {
        self.handled.lock().unwrap().clone()
    }
    fn attempts(&self, id: uuid::Uuid) -> u32 {
        self.attempts.lock().unwrap().get(&id).copied().unwrap_or(0)
    }
}

#[async_trait]
impl EventHandler for Recorder {
    fn consumer(&self) -> &str {
        &self.name
    }
    fn event_types(&self) -> Vec<String> {
        self.patterns.clone()
    }
    async fn handle(&self, event: &EventEnvelope) -> Result<(), HandlerError> {
        let n = {
            let mut a = self.attempts.lock().unwrap();
            let n = a.entry(event.id).or_insert(0);
            *n += 1;
            *n
        };
        if n <= self.fail_first {
            return Err(if self.permanent { HandlerError::Permanent("bad data".into()) } else { HandlerError::Retry("smtp down".into()) });
        }
        self.handled.lock().unwrap().push(event.clone());
        Ok(())
    }
}

async fn wait_for(mut done: impl FnMut() -> bool, secs: u64) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    done()
}

fn fast_policy() -> RetryPolicy {
    RetryPolicy { max_attempts: 3, base_delay_ms: 50, max_delay_ms: 200 }
}

async fn rabbit_bus() -> Option<Arc<RabbitEventBus>> {
    let url = service_env("HME_TEST_RABBITMQ_URL")?;
    Some(
        RabbitEventBus::connect(RabbitSettings {
            url,
            exchange: unique_name("events"),
            queue_prefix: format!("{}.", unique_name("t")),
            prefetch: 8,
            max_attempts: 3,
            base_delay_ms: 100,
            known_consumers: Vec::new(),
        })
        .await
        .unwrap(),
    )
}

// ---- the behaviour suite, run on each adapter ----

async fn delivers_only_matching_events_to_each_consumer(bus: &dyn EventBus) {
    let orders = Recorder::new(&["order.*"], 0, false);
    let products = Recorder::new(&["product.deleted"], 0, false);
    bus.subscribe(orders.clone()).await.unwrap();
    bus.subscribe(products.clone()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let created = EventEnvelope::new("order.created", json!({"orderId": "o1"}));
    bus.publish(&created).await.unwrap();
    bus.publish(&EventEnvelope::new("product.deleted", json!({"productId": "p1"}))).await.unwrap();
    assert!(wait_for(|| orders.handled().len() == 1 && products.handled().len() == 1, 10).await);
    assert_eq!(orders.handled()[0], created, "the envelope arrives unchanged");
    assert_eq!(products.handled()[0].event_type, "product.deleted");
}

async fn a_failing_handler_is_retried_until_it_succeeds(bus: &dyn EventBus) {
    let flaky = Recorder::new(&["order.created"], 2, false);
    bus.subscribe(flaky.clone()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let e = EventEnvelope::new("order.created", json!({}));
    bus.publish(&e).await.unwrap();
    assert!(wait_for(|| flaky.handled().len() == 1, 15).await, "handled after retries");
    assert_eq!(flaky.attempts(e.id), 3);
}

async fn a_failing_event_does_not_block_the_ones_behind_it(bus: &dyn EventBus) {
    let always_failing_first = Recorder::new(&["order.created"], 1, false);
    bus.subscribe(always_failing_first.clone()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let first = EventEnvelope::new("order.created", json!({"n": 1}));
    let second = EventEnvelope::new("order.created", json!({"n": 2}));
    bus.publish(&first).await.unwrap();
    bus.publish(&second).await.unwrap();
    assert!(wait_for(|| always_failing_first.handled().len() == 2, 15).await);
}

// ---- embedded ----

#[tokio::test]
async fn embedded_delivers_only_matching_events_to_each_consumer() {
    let (db, _dir) = embedded_test_db();
    delivers_only_matching_events_to_each_consumer(&EmbeddedEventBus::new(db, fast_policy()).unwrap()).await;
}

#[tokio::test]
async fn embedded_retries_a_failing_handler_until_it_succeeds() {
    let (db, _dir) = embedded_test_db();
    a_failing_handler_is_retried_until_it_succeeds(&EmbeddedEventBus::new(db, fast_policy()).unwrap()).await;
}

#[tokio::test]
async fn embedded_does_not_block_behind_a_failing_event() {
    let (db, _dir) = embedded_test_db();
    a_failing_event_does_not_block_the_ones_behind_it(&EmbeddedEventBus::new(db, fast_policy()).unwrap()).await;
}

#[tokio::test]
async fn embedded_dead_letters_after_the_bounded_attempts() {
    let (db, _dir) = embedded_test_db();
    let bus = EmbeddedEventBus::new(db, fast_policy()).unwrap();
    let hopeless = Recorder::new(&["order.created"], 100, false);
    bus.subscribe(hopeless.clone()).await.unwrap();
    let e = EventEnvelope::new("order.created", json!({"orderId": "o9"}));
    bus.publish(&e).await.unwrap();
    assert!(wait_for(|| bus.dead_letters().unwrap().len() == 1, 10).await);
    let (consumer, record) = bus.dead_letters().unwrap().remove(0);
    assert_eq!(consumer, hopeless.consumer());
    assert_eq!(record["attempts"], 3);
    assert_eq!(record["event"]["data"]["orderId"], "o9");
    assert!(record["error"].as_str().unwrap().contains("smtp down"));
    assert_eq!(bus.pending_count().unwrap(), 0);
    assert_eq!(hopeless.attempts(e.id), 3, "no attempt after dead-lettering");
}

#[tokio::test]
async fn embedded_sends_a_permanent_failure_to_dead_letters_at_once() {
    let (db, _dir) = embedded_test_db();
    let bus = EmbeddedEventBus::new(db, fast_policy()).unwrap();
    let poison = Recorder::new(&["order.created"], 100, true);
    bus.subscribe(poison.clone()).await.unwrap();
    let e = EventEnvelope::new("order.created", json!({}));
    bus.publish(&e).await.unwrap();
    assert!(wait_for(|| bus.dead_letters().unwrap().len() == 1, 10).await);
    assert_eq!(poison.attempts(e.id), 1);
}

/// A consumer that never finishes: the process "dies" with its event in hand.
struct Stuck(String);

#[async_trait]
impl EventHandler for Stuck {
    fn consumer(&self) -> &str {
        &self.0
    }
    fn event_types(&self) -> Vec<String> {
        vec!["order.created".into()]
    }
    async fn handle(&self, _: &EventEnvelope) -> Result<(), HandlerError> {
        futures::future::pending::<()>().await;
        Ok(())
    }
}

#[test]
fn embedded_events_accepted_before_a_crash_are_delivered_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let consumer_name = unique_name("consumer");
    // First "process": its own runtime, dropped with the event in hand (tasks and the
    // file handle go with it, as when a process dies).
    let published = {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let e = rt.block_on(async {
            let db = hme_kernel::backends::open_embedded(dir.path()).unwrap();
            let bus = EmbeddedEventBus::new(db, fast_policy()).unwrap();
            bus.subscribe(Arc::new(Stuck(consumer_name.clone()))).await.unwrap();
            let e = EventEnvelope::new("order.created", json!({"orderId": "survivor"}));
            bus.publish(&e).await.unwrap();
            tokio::time::sleep(Duration::from_millis(200)).await;
            e
        });
        rt.shutdown_timeout(Duration::from_secs(1));
        e
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let db = hme_kernel::backends::open_embedded(dir.path()).unwrap();
        let bus = EmbeddedEventBus::new(db, fast_policy()).unwrap();
        let recorder = Arc::new(Recorder {
            name: consumer_name,
            patterns: vec!["order.created".into()],
            fail_first: 0,
            permanent: false,
            attempts: Mutex::new(HashMap::new()),
            handled: Mutex::new(Vec::new()),
        });
        bus.subscribe(recorder.clone()).await.unwrap();
        assert!(wait_for(|| recorder.handled().len() == 1, 10).await, "the pending event survives the crash");
        assert_eq!(recorder.handled()[0].id, published.id);
    });
}

// ---- RabbitMQ ----

#[tokio::test]
async fn rabbitmq_delivers_only_matching_events_to_each_consumer() {
    let Some(bus) = rabbit_bus().await else { return };
    delivers_only_matching_events_to_each_consumer(&bus).await;
}

#[tokio::test]
async fn rabbitmq_retries_a_failing_handler_until_it_succeeds() {
    let Some(bus) = rabbit_bus().await else { return };
    a_failing_handler_is_retried_until_it_succeeds(&bus).await;
}

#[tokio::test]
async fn rabbitmq_does_not_block_behind_a_failing_event() {
    let Some(bus) = rabbit_bus().await else { return };
    a_failing_event_does_not_block_the_ones_behind_it(&bus).await;
}

#[tokio::test]
async fn rabbitmq_dead_letters_after_the_bounded_attempts_and_poison_at_once() {
    let Some(bus) = rabbit_bus().await else { return };
    let hopeless = Recorder::new(&["order.created"], 100, false);
    bus.subscribe(hopeless.clone()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let e = EventEnvelope::new("order.created", json!({}));
    bus.publish(&e).await.unwrap();
    let mut dead = 0;
    for _ in 0..100 {
        dead = bus.dead_letter_count(hopeless.consumer()).await.unwrap();
        if dead == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(dead, 1);
    assert_eq!(hopeless.attempts(e.id), 3);
}

#[tokio::test]
async fn rabbitmq_keeps_events_published_before_the_consumer_first_starts() {
    let Some(url) = service_env("HME_TEST_RABBITMQ_URL") else { return };
    let recorder = Recorder::new(&["order.created"], 0, false);
    let settings = RabbitSettings {
        url,
        exchange: unique_name("events"),
        queue_prefix: format!("{}.", unique_name("t")),
        prefetch: 8,
        max_attempts: 3,
        base_delay_ms: 100,
        known_consumers: vec![(recorder.consumer().to_owned(), recorder.event_types())],
    };
    let publisher = RabbitEventBus::connect(settings.clone()).await.unwrap();
    let e = EventEnvelope::new("order.created", json!({"early": true}));
    publisher.publish(&e).await.unwrap();
    let consumer_side = RabbitEventBus::connect(settings).await.unwrap();
    consumer_side.subscribe(recorder.clone()).await.unwrap();
    assert!(wait_for(|| recorder.handled().len() == 1, 10).await);
    assert_eq!(recorder.handled()[0].id, e.id);
}

#[tokio::test]
async fn embedded_keeps_events_published_before_an_expected_consumer_subscribes() {
    // At startup the outbox relay publishes what a killed process left before the
    // worker's handlers subscribe; the bus of a process that runs them keeps those
    // deliveries, across a restart on the same file too.
    let dir = tempfile::tempdir().unwrap();
    let recorder = Recorder::new(&["order.created"], 0, false);
    let expected = vec![(recorder.consumer().to_owned(), recorder.event_types())];
    let e = EventEnvelope::new("order.created", json!({"early": true}));
    {
        let db = hme_kernel::backends::open_embedded(dir.path()).unwrap();
        let bus = EmbeddedEventBus::expecting(db, fast_policy(), expected.clone()).unwrap();
        bus.publish(&e).await.unwrap();
        assert_eq!(bus.pending_count().unwrap(), 1);
    }
    let db = hme_kernel::backends::open_embedded(dir.path()).unwrap();
    let bus = EmbeddedEventBus::expecting(db, fast_policy(), expected).unwrap();
    bus.subscribe(recorder.clone()).await.unwrap();
    assert!(wait_for(|| recorder.handled().len() == 1, 10).await, "the early event is delivered once the consumer subscribes");
    assert_eq!(recorder.handled()[0].id, e.id);
}

// ---- dead letters: list and replay ----

async fn a_dead_letter_is_listed_and_replayed_once(bus: &dyn EventBus) {
    // Fails permanently once (poison until "fixed"), then succeeds.
    let fixed_later = Recorder::new(&["order.created"], 1, true);
    let name = fixed_later.consumer().to_owned();
    bus.subscribe(fixed_later.clone()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let e = EventEnvelope::new("order.created", json!({"poison": true}));
    bus.publish(&e).await.unwrap();
    let consumers = vec![name.clone()];
    let mut listed = Vec::new();
    for _ in 0..100 {
        listed = bus.dead_letters_of(&consumers).await.unwrap();
        if !listed.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].event_id.as_deref(), Some(e.id.to_string().as_str()));
    assert_eq!(listed[0].event_type.as_deref(), Some("order.created"));
    assert!(listed[0].error.contains("bad data"), "{listed:?}");
    assert_eq!(bus.dead_letters_of(&consumers).await.unwrap().len(), 1, "listing leaves the dead letter in place");
    assert!(fixed_later.handled().is_empty());

    assert_eq!(bus.replay(&name, Some("not-this-one")).await.unwrap(), 0);
    assert_eq!(bus.replay(&name, Some(&e.id.to_string())).await.unwrap(), 1);
    assert!(wait_for(|| fixed_later.handled().len() == 1, 15).await, "replayed to the fixed handler");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(fixed_later.handled().len(), 1, "exactly once");
    assert_eq!(fixed_later.handled()[0].id, e.id);
    assert!(bus.dead_letters_of(&consumers).await.unwrap().is_empty(), "the dead letter is gone");
}

#[tokio::test]
async fn embedded_dlq_lists_a_dead_letter_and_replays_it_once() {
    let (db, _dir) = embedded_test_db();
    let bus = EmbeddedEventBus::new(db, fast_policy()).unwrap();
    a_dead_letter_is_listed_and_replayed_once(&bus).await;
}

#[tokio::test]
async fn rabbitmq_dlq_lists_a_poison_message_and_replays_it_once() {
    let Some(bus) = rabbit_bus().await else { return };
    a_dead_letter_is_listed_and_replayed_once(&bus).await;
}

// ---- graceful shutdown ----

/// Takes `delay` per event; records starts and finishes.
struct Slow {
    name: String,
    delay: Duration,
    started: Mutex<Vec<uuid::Uuid>>,
    finished: Mutex<Vec<uuid::Uuid>>,
}

impl Slow {
    fn new(name: &str, delay: Duration) -> Arc<Self> {
        Arc::new(Self { name: name.to_owned(), delay, started: Mutex::new(Vec::new()), finished: Mutex::new(Vec::new()) })
    }
}

#[async_trait]
impl EventHandler for Slow {
    fn consumer(&self) -> &str {
        &self.name
    }
    fn event_types(&self) -> Vec<String> {
        vec!["order.created".into()]
    }
    async fn handle(&self, event: &EventEnvelope) -> Result<(), HandlerError> {
        self.started.lock().unwrap().push(event.id);
        tokio::time::sleep(self.delay).await;
        self.finished.lock().unwrap().push(event.id);
        Ok(())
    }
}

/// `first` runs a slow handler; shutdown lets the event in hand finish, leaves the rest
/// queued for `second`, which gets each remaining event once and not the finished one.
async fn shutdown_drains_the_in_flight_event(first: &dyn EventBus, second: &dyn EventBus) {
    let name = unique_name("slow");
    let slow = Slow::new(&name, Duration::from_millis(1500));
    first.subscribe(slow.clone()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let events: Vec<EventEnvelope> = (0..4).map(|n| EventEnvelope::new("order.created", json!({"n": n}))).collect();
    for e in &events {
        first.publish(e).await.unwrap();
    }
    assert!(wait_for(|| !slow.started.lock().unwrap().is_empty(), 10).await);
    first.shutdown().await;
    assert_eq!(slow.started.lock().unwrap().len(), 1, "no new delivery taken after the signal");
    assert_eq!(slow.finished.lock().unwrap().len(), 1, "the in-flight handler finished");
    let mut backlog = 0;
    for _ in 0..50 {
        backlog = second.backlog(&name).await.unwrap().unwrap_or(0);
        if backlog == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(backlog, 3, "the rest stay queued");
    let fast = Slow::new(&name, Duration::from_millis(1));
    second.subscribe(fast.clone()).await.unwrap();
    assert!(wait_for(|| fast.finished.lock().unwrap().len() == 3, 15).await);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut all: Vec<uuid::Uuid> = slow.finished.lock().unwrap().clone();
    all.extend(fast.finished.lock().unwrap().iter().copied());
    all.sort();
    let mut want: Vec<uuid::Uuid> = events.iter().map(|e| e.id).collect();
    want.sort();
    assert_eq!(all, want, "each event handled exactly once across the restart");
}

#[tokio::test]
async fn embedded_shutdown_finishes_the_in_flight_event_and_leaves_the_rest() {
    let (db, _dir) = embedded_test_db();
    let first = EmbeddedEventBus::new(db.clone(), fast_policy()).unwrap();
    let second = EmbeddedEventBus::new(db, fast_policy()).unwrap();
    shutdown_drains_the_in_flight_event(&first, &second).await;
}

#[tokio::test]
async fn rabbitmq_shutdown_finishes_the_in_flight_event_and_leaves_the_rest() {
    let Some(url) = service_env("HME_TEST_RABBITMQ_URL") else { return };
    let settings = RabbitSettings {
        url,
        exchange: unique_name("events"),
        queue_prefix: format!("{}.", unique_name("t")),
        prefetch: 8,
        max_attempts: 3,
        base_delay_ms: 100,
        known_consumers: Vec::new(),
    };
    let first = RabbitEventBus::connect(settings.clone()).await.unwrap();
    let second = RabbitEventBus::connect(settings).await.unwrap();
    shutdown_drains_the_in_flight_event(&first, &second).await;
}
