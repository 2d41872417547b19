//! The liveness registry on the test MongoDB (SecantusDB): heartbeats, reaping of dead
//! instances only, a live instance's transactions untouched, re-registration of an
//! instance that was reaped while alive.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use hme_kernel::backends::connect_mongo_with;
use hme_kernel::liveness::{Instance, LivenessSettings, INSTANCES};
use hme_kernel::testing::{die_in_transaction, service_env, unique_name};
use hme_kernel::transaction::{with_transaction, Txn, TxnRetry};
use mongodb::bson::{doc, Document};
use mongodb::Database;

fn fast() -> LivenessSettings {
    LivenessSettings { heartbeat: Duration::from_millis(100), dead_after: Duration::from_millis(600) }
}

async fn db(settings: Option<LivenessSettings>) -> Option<Database> {
    let uri = service_env("HME_TEST_MONGODB_URI")?;
    Some(connect_mongo_with(&uri, Some(4), Some(&unique_name("live")), settings).await.unwrap())
}

async fn instance_doc(db: &Database, id: &str) -> Option<Document> {
    db.collection::<Document>(INSTANCES).find_one(doc! {"_id": id}).await.unwrap()
}

async fn seed(db: &Database, id: &str) {
    db.collection::<Document>("things").insert_one(doc! {"_id": id, "n": 0}).await.unwrap();
}

/// Adds 1 to `n` of thing `id` in a transaction through the helper.
async fn bump(db: &Database, id: &str, retry: TxnRetry) -> Result<(), mongodb::error::Error> {
    let ctx = (db.clone(), id.to_owned());
    with_transaction(db.client(), retry, &ctx, |s, (db, id)| {
        Box::pin(async move {
            db.collection::<Document>("things").update_one(doc! {"_id": id.as_str()}, doc! {"$inc": {"n": 1}}).session(s).await?;
            Ok(Txn::Commit(()))
        })
    })
    .await
}

async fn n(db: &Database, id: &str) -> i32 {
    db.collection::<Document>("things").find_one(doc! {"_id": id}).await.unwrap().unwrap().get_i32("n").unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_installed_instance_beats_and_records_the_sessions_of_its_transactions() {
    let Some(db) = db(Some(fast())).await else { return };
    let me = hme_kernel::liveness::of_client(db.client()).expect("connect_mongo_with installed the instance");
    let first = instance_doc(&db, me.id()).await.expect("registered");
    assert!(first.get_datetime("startedAt").is_ok() && first.get("pid").is_some() && first.get("host").is_some(), "{first}");
    tokio::time::sleep(Duration::from_millis(400)).await;
    let later = instance_doc(&db, me.id()).await.unwrap();
    assert!(later.get_datetime("heartbeatAt").unwrap() > first.get_datetime("heartbeatAt").unwrap(), "the heartbeat refreshes it: {first} then {later}");

    seed(&db, "a").await;
    bump(&db, "a", TxnRetry::default()).await.unwrap();
    let sessions = instance_doc(&db, me.id()).await.unwrap().get_array("sessions").unwrap().clone();
    assert!(!sessions.is_empty(), "the transaction's lsid is recorded");
    for _ in 0..5 {
        bump(&db, "a", TxnRetry::default()).await.unwrap();
    }
    let again = instance_doc(&db, me.id()).await.unwrap().get_array("sessions").unwrap().clone();
    assert!(again.len() < 6, "pooled sessions are recorded once, not once per transaction: {again:?}");
    assert_eq!(n(&db, "a").await, 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_instance_is_reaped_its_transaction_aborted_and_a_live_ones_left_alone() {
    let Some(db) = db(None).await else { return };
    let reaper = Instance::register(&db, fast()).await.unwrap();
    seed(&db, "dead").await;
    seed(&db, "live").await;
    // A live instance (beating) with a transaction open across the reaper's passes.
    let live = Instance::register(&db, fast()).await.unwrap();
    let beating = tokio::spawn(live.clone().run());
    let mut live_session = db.client().start_session().await.unwrap();
    live.record(&live_session).await.unwrap();
    live_session.start_transaction().await.unwrap();
    db.collection::<Document>("things").update_one(doc! {"_id": "live"}, doc! {"$inc": {"n": 1}}).session(&mut live_session).await.unwrap();
    // A dead one: its transaction holds "dead".
    let dead = die_in_transaction(&db, &[("things", doc! {"_id": "dead"}, doc! {"$inc": {"n": 100}})]).await;

    // While it is not yet dead by the bound, nothing is reaped and "dead" stays locked.
    assert_eq!(reaper.reap().await.unwrap().instances, Vec::<String>::new());
    assert!(instance_doc(&db, &dead).await.is_some());
    let locked = bump(&db, "dead", TxnRetry { attempts: 1, ..TxnRetry::default() }).await;
    assert!(locked.as_ref().is_err_and(hme_kernel::transaction::is_transient), "the dead transaction holds the document: {locked:?}");

    // Both live instances reap (the beating one in its loop): whichever notices first.
    tokio::time::sleep(Duration::from_millis(900)).await;
    let reaped = reaper.reap().await.unwrap();
    assert!(reaped.instances.is_empty() || reaped.instances == vec![dead.clone()], "only the silent instance is reaped: {reaped:?}");
    assert!(instance_doc(&db, &dead).await.is_none(), "its document is deleted");
    assert!(instance_doc(&db, reaper.id()).await.is_some(), "the reaper stays");
    assert!(instance_doc(&db, live.id()).await.is_some(), "the beating instance stays");

    let started = Instant::now();
    bump(&db, "dead", TxnRetry::default()).await.unwrap();
    println!("a write on the dead transaction's document succeeded {:?} after the reap", started.elapsed());
    assert_eq!(n(&db, "dead").await, 1, "the dead transaction's write is gone, the new one is in");

    live_session.commit_transaction().await.expect("the live instance's transaction is untouched");
    assert_eq!(n(&db, "live").await, 1);
    beating.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_reaped_while_alive_registers_again_and_its_aborted_transaction_is_retried() {
    // Its heartbeat runs once a minute: it is "paused" for the reaper right after it starts.
    let Some(db) = db(Some(LivenessSettings { heartbeat: Duration::from_secs(60), dead_after: Duration::from_millis(600) })).await else { return };
    let me = hme_kernel::liveness::of_client(db.client()).unwrap();
    let reaper = Instance::register(&db, fast()).await.unwrap();
    seed(&db, "x").await;
    let attempts = AtomicU32::new(0);
    let ctx = (db.clone(), &attempts, reaper.clone());
    let outcome = with_transaction(db.client(), TxnRetry::default(), &ctx, |s, (db, attempts, reaper)| {
        Box::pin(async move {
            db.collection::<Document>("things").update_one(doc! {"_id": "x"}, doc! {"$inc": {"n": 1}}).session(&mut *s).await?;
            if attempts.fetch_add(1, Ordering::SeqCst) == 0 {
                // Stalled mid-transaction past the bound: another instance reaps this one.
                tokio::time::sleep(Duration::from_millis(900)).await;
                let reaped = reaper.reap().await.unwrap();
                assert_eq!(reaped.instances.len(), 1, "{reaped:?}");
            }
            Ok(Txn::Commit(()))
        })
    })
    .await;
    outcome.expect("the aborted transaction is retried and commits");
    assert_eq!(attempts.load(Ordering::SeqCst), 2, "the first attempt was aborted by the reap");
    assert_eq!(n(&db, "x").await, 1, "written once");
    let doc = instance_doc(&db, me.id()).await.expect("registered again");
    assert_eq!(doc.get_array("sessions").unwrap().len(), 1, "the retry's session is recorded in the new document: {doc}");
}
