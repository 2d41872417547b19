//! The [`SalesLedger`] port over HTTP: the products module's internal endpoint and
//! [`RemoteSalesLedger`], the worker's client of it.

use std::sync::Arc;

use actix_web::{web, HttpResponse};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use hme_kernel::remote::{Idempotency, ServiceClient};
use hme_kernel::remote::wire;
use crate::sales::{SalesError, SalesLedger};

pub(crate) const RECORD: &str = "/sales/record";

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Line {
    product_id: String,
    quantity: i64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    event_id: Uuid,
    lines: Vec<Line>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Recorded {
    changed: bool,
}

/// Registers the sales ledger's internal endpoint over `ledger` (the products module).
pub fn serve(cfg: &mut web::ServiceConfig, ledger: Arc<dyn SalesLedger>) {
    cfg.service(web::resource(RECORD).app_data(web::Data::from(ledger)).route(web::post().to(record)));
}

async fn record(port: web::Data<dyn SalesLedger>, body: web::Json<Record>) -> HttpResponse {
    let lines: Vec<(String, i64)> = body.lines.iter().map(|l| (l.product_id.clone(), l.quantity)).collect();
    match port.record_sales(body.event_id, &lines).await {
        Ok(changed) => wire::ok(&Recorded { changed }),
        Err(e) => wire::unavailable(e),
    }
}

/// The [`SalesLedger`] of a products module running elsewhere. Recording is
/// idempotent by event id, so calls are retried within the client's bounds.
pub struct RemoteSalesLedger {
    client: ServiceClient,
}

impl RemoteSalesLedger {
    /// A ledger kept by the products module behind `client`.
    pub fn new(client: ServiceClient) -> Self {
        Self { client }
    }
}

#[async_trait]
impl SalesLedger for RemoteSalesLedger {
    async fn record_sales(&self, event_id: Uuid, lines: &[(String, i64)]) -> Result<bool, SalesError> {
        let body = Record { event_id, lines: lines.iter().map(|(id, q)| Line { product_id: id.clone(), quantity: *q }).collect() };
        let answer: Recorded = self.client.call(RECORD, &body, Idempotency::Idempotent).await.map_err(|e| SalesError::Unavailable(e.reason()))?;
        Ok(answer.changed)
    }
}
