//! Producers and consumers agree: every variant of every event the producers can emit,
//! built with the kernel's one payload type per event, is processed by every consumer
//! of its type (none dead-letters it), and each does its job: the owner's email always
//! goes out, the customer's when an email is known, sales counters grow.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use hme_kernel::backends::Documents;
use hme_kernel::events::payloads::{self, Address, Courier, Customer, Item, OrderCreated, PinCode, ProductDeleted, StatusChanged};
use hme_kernel::events::EventEnvelope;
use hme_kernel::testing::embedded_test_db;
use hme_products::{ProductsModule, ProductsSettings};
use hme_worker::{WorkerModule, WorkerPorts, WorkerSettings};
use serde_json::json;
use support::*;

fn order(id: &str, customer: Customer, address: Address, items: Vec<Item>, courier: Courier, method: &str) -> EventEnvelope {
    let amount = items.iter().map(Item::total).sum::<f64>() + 250.0;
    let data = OrderCreated {
        order_id: id.to_owned(),
        user_id: "user_variant".into(),
        customer,
        address,
        items,
        shipping_fee: 250.0,
        amount,
        date: json!("2026-06-01T10:20:00.000Z"),
        status: "Order Placed".into(),
        payment_method: method.into(),
        payment_status: "pending".into(),
        courier,
    };
    EventEnvelope::new(payloads::ORDER_CREATED, payloads::data(&data))
}

fn full_address(pin: Option<PinCode>) -> Address {
    Address {
        id: Some("6650a1b2c3d4e5f601234599".into()),
        full_name: Some("Sara Ahmed".into()),
        phone_number: Some("03001234567".into()),
        pin_code: pin,
        area: Some("12 Mall Road".into()),
        city: Some("Lahore".into()),
        state: Some("Punjab".into()),
        text: Some("Sara Ahmed, 12 Mall Road, Lahore, Punjab".into()),
    }
}

fn item(product: &str, qty: f64) -> Item {
    Item { product_id: product.to_owned(), name: "Widget".into(), unit_price: 100.0, quantity: qty, line_total: Some(100.0 * qty) }
}

#[tokio::test]
async fn every_event_variant_a_producer_emits_is_processed_by_every_consumer() {
    let (db, _dir) = embedded_test_db();
    let platform = platform(Documents::Embedded(db.clone()), embedded_bus(db));
    let products = ProductsModule::build(&platform, ProductsSettings::default()).await.unwrap();
    products.seed_demo(&std::collections::HashMap::new()).await.unwrap();
    let known = hme_products::seed::demo_products(&std::collections::HashMap::new())[0].id.to_hex();
    let outbox = tempfile::tempdir().unwrap();
    let settings = WorkerSettings { owner_email: Some("owner@example.com".into()), outbox_dir: Some(outbox.path().to_owned()), ..WorkerSettings::default() };
    let ports = WorkerPorts { sales: Some(products.sales(&platform)), ..WorkerPorts::default() };
    let worker = WorkerModule::build(&platform, &settings, ports).unwrap();

    let profile = Customer { name: Some("Ayesha Khan".into()), email: Some("ayesha@example.com".into()) };
    let booked = Courier { courier_name: Some("tcs".into()), courier_tracking_number: Some("TCS-12345678".into()), courier_status: Some("Booked".into()) };
    let jazzcash_address = Address { id: Some("Sara Ahmed, Gulberg, Lahore, Punjab".into()), text: Some("Sara Ahmed, Gulberg, Lahore, Punjab".into()), ..Address::default() };
    let variants = vec![
        ("full", order("6650a1b2c3d4e5f601230001", profile.clone(), full_address(Some(PinCode::Number(54000))), vec![item(&known, 2.0)], booked.clone(), "cod")),
        ("missing profile", order("6650a1b2c3d4e5f601230002", Customer::default(), full_address(Some(PinCode::Number(54000))), vec![item(&known, 1.0)], booked.clone(), "cod")),
        ("deleted product", order("6650a1b2c3d4e5f601230003", profile.clone(), full_address(None), vec![item("665f1c2b9a1e4b0012345678", 1.0), item(&known, 1.0)], booked.clone(), "cod")),
        ("no courier", order("6650a1b2c3d4e5f601230004", profile.clone(), full_address(None), vec![item(&known, 1.0)], Courier::default(), "cod")),
        ("jazzcash free-text address", order("6650a1b2c3d4e5f601230005", Customer::default(), jazzcash_address, vec![item(&known, 1.0)], Courier::default(), "jazzcash")),
        ("string pin code", order("6650a1b2c3d4e5f601230006", profile.clone(), full_address(Some(PinCode::Text("54000".into()))), vec![item(&known, 1.0)], booked, "cod")),
        (
            "status change without a profile",
            EventEnvelope::new(payloads::ORDER_STATUS_CHANGED, payloads::data(&StatusChanged { order_id: "6650a1b2c3d4e5f601230002".into(), user_id: "u".into(), customer: Customer::default(), from: None, to: "Processing".into(), changed_by: "s".into(), at: json!("2026-06-01T10:20:00.000Z") })),
        ),
        (
            "status change",
            EventEnvelope::new(payloads::ORDER_STATUS_CHANGED, payloads::data(&StatusChanged { order_id: "6650a1b2c3d4e5f601230001".into(), user_id: "u".into(), customer: profile, from: Some("Order Placed".into()), to: "Processing".into(), changed_by: "s".into(), at: json!("2026-06-01T10:20:00.000Z") })),
        ),
        ("product deleted without images", EventEnvelope::new(payloads::PRODUCT_DELETED, payloads::data(&ProductDeleted { product_id: known.clone(), ..ProductDeleted::default() }))),
    ];
    let sales_before = products.catalog().product_documents(std::slice::from_ref(&known)).await.unwrap()[0]["sales"].as_f64().unwrap_or(0.0);
    for (name, event) in &variants {
        let mut consumers = 0;
        for h in worker.handlers() {
            if !h.event_types().iter().any(|t| hme_kernel::events::topic_matches(t, &event.event_type)) {
                continue;
            }
            consumers += 1;
            if let Err(e) = h.handle(event).await {
                panic!("{name}: {} refused it: {e}", h.consumer());
            }
        }
        if event.event_type == payloads::PRODUCT_DELETED {
            // images.cleanup runs only with the images module (tests/images.rs); the
            // payload it reads is the same type.
            let read: ProductDeleted = payloads::read(event).unwrap();
            assert_eq!(read.product_id, known);
        } else {
            assert!(consumers > 0, "{name}: no consumer");
        }
    }
    // Each order's owner email, plus the customers' with an email (4 orders), plus one
    // status email.
    let emails: Vec<String> = std::fs::read_dir(outbox.path()).unwrap().flatten().filter(|e| e.path().extension().is_some_and(|x| x == "eml")).map(|e| std::fs::read_to_string(e.path()).unwrap()).collect();
    let to_owner = emails.iter().filter(|m| m.contains("To: owner@example.com")).count();
    assert_eq!(to_owner, 6, "the owner hears of every order");
    assert_eq!(emails.iter().filter(|m| m.contains("To: ayesha@example.com")).count(), 4 + 1);
    assert!(emails.iter().any(|m| m.contains("Sara Ahmed (no profile yet)")), "without a profile the owner email names the recipient");
    let sales_after = products.catalog().product_documents(std::slice::from_ref(&known)).await.unwrap()[0]["sales"].as_f64().unwrap_or(0.0);
    assert_eq!(sales_after - sales_before, 2.0 + 1.0 + 1.0 + 1.0 + 1.0 + 1.0, "sales counted for every order, the deleted product skipped");
}
