//! The TCS adapter of the [`Courier`] port over HTTP (`TCS_API_URL`, `TCS_API_KEY`).
//!
//! Booking: `POST <base>/booking` with `Authorization: Bearer <key>` and
//! `{orderRefNo, consigneeName, consigneeAddress, consigneeMobNo, destinationCityName,
//! pieces, weight, codAmount, productDetails, services:"O"}`; answer
//! `{success:true, trackingNumber}` (or `consignmentNo`). Tracking:
//! `GET <base>/track/<trackingNumber>`; answer `{success, status, currentLocation,
//! history:[{status, remarks, location, date, time, ...}]}` (every field of a history
//! step is kept; the steps are returned latest first: a history the courier lists
//! oldest first, as judged by its first and last dates, is reversed). Transport errors and 5xx are
//! [`CourierError::Unavailable`]; 4xx or `success:false` are [`CourierError::Rejected`]
//! (404 on tracking: [`CourierError::NotFound`]).

use std::time::Duration;

use async_trait::async_trait;
use crate::courier::port::{Booking, Courier, CourierError, Shipment, Tracking, TrackingEvent};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};

/// TCS over HTTP.
pub struct TcsCourier {
    base: String,
    key: Option<SecretString>,
    http: reqwest::Client,
}

fn down(e: impl std::fmt::Display) -> CourierError {
    CourierError::Unavailable(format!("TCS: {e}"))
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned).filter(|s| !s.is_empty())
}

impl TcsCourier {
    /// The adapter at `base` (no trailing slash needed), with `key` and a timeout per call.
    pub fn new(base: &str, key: Option<SecretString>, timeout: Duration) -> Result<Self, CourierError> {
        let http = reqwest::Client::builder().timeout(timeout).build().map_err(down)?;
        Ok(Self { base: base.trim().trim_end_matches('/').to_owned(), key, http })
    }

    fn authorized(&self, r: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.key {
            Some(k) => r.bearer_auth(k.expose_secret()),
            None => r,
        }
    }

    async fn answer(resp: reqwest::Response) -> Result<Value, CourierError> {
        let status = resp.status();
        if status.is_server_error() {
            return Err(down(format!("HTTP {status}")));
        }
        if status == reqwest::StatusCode::NOT_FOUND {
            return Err(CourierError::NotFound);
        }
        let body: Value = resp.json().await.map_err(down)?;
        if status.is_client_error() || body["success"] == json!(false) {
            let msg = text(&body["message"]).or_else(|| text(&body["error"])).unwrap_or_else(|| format!("HTTP {status}"));
            return Err(CourierError::Rejected(msg));
        }
        Ok(body)
    }
}

#[async_trait]
impl Courier for TcsCourier {
    fn name(&self) -> &'static str {
        "TCS"
    }

    async fn book(&self, s: &Shipment) -> Result<Booking, CourierError> {
        let body = json!({
            "orderRefNo": s.reference, "consigneeName": s.consignee_name, "consigneeAddress": s.consignee_address,
            "consigneeMobNo": s.consignee_phone, "destinationCityName": s.city, "pieces": s.pieces, "weight": 0.5,
            "codAmount": s.cod_amount, "productDetails": s.description, "services": "O",
        });
        let resp = self.authorized(self.http.post(format!("{}/booking", self.base)).json(&body)).send().await.map_err(down)?;
        let body = match Self::answer(resp).await {
            Err(CourierError::NotFound) => return Err(CourierError::Rejected("booking endpoint not found".to_owned())),
            other => other?,
        };
        let tn = text(&body["trackingNumber"]).or_else(|| text(&body["consignmentNo"]));
        tn.map(|tracking_number| Booking { tracking_number }).ok_or_else(|| CourierError::Rejected("no tracking number in the answer".to_owned()))
    }

    async fn track(&self, tracking_number: &str) -> Result<Tracking, CourierError> {
        let url = format!("{}/track/{}", self.base, urlencode(tracking_number));
        let resp = self.authorized(self.http.get(url)).send().await.map_err(down)?;
        let body = Self::answer(resp).await?;
        let mut history: Vec<TrackingEvent> = body["history"].as_array().into_iter().flatten().filter_map(step).collect();
        if oldest_first(&history) {
            history.reverse();
        }
        Ok(Tracking { status: text(&body["status"]), current_location: text(&body["currentLocation"]), history })
    }
}

/// One history step, every field kept; None when it is not an object.
fn step(h: &Value) -> Option<TrackingEvent> {
    let fields = h.as_object()?.clone();
    Some(TrackingEvent {
        status: text(&h["status"]).unwrap_or_default(),
        location: text(&h["location"]),
        date: text(&h["date"]),
        time: text(&h["time"]),
        remarks: text(&h["remarks"]),
        fields,
    })
}

/// A sortable `YYYYMMDDHHMMSS` of a step's `date` (+ `time`): `YYYY-MM-DD`, `YYYY/MM/DD`,
/// `DD-MM-YYYY`, `DD/MM/YYYY`, optionally followed (or completed by `time`) by `HH:MM[:SS]`.
fn moment(e: &TrackingEvent) -> Option<String> {
    let joined = format!("{} {}", e.date.as_deref()?, e.time.as_deref().unwrap_or_default());
    let digits: Vec<&str> = joined.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).collect();
    let (y, m, d, rest) = match digits.as_slice() {
        [a, b, c, rest @ ..] if a.len() == 4 => (*a, *b, *c, rest),
        [a, b, c, rest @ ..] if c.len() == 4 => (*c, *b, *a, rest),
        _ => return None,
    };
    let mut out = format!("{y}{m:0>2}{d:0>2}");
    for part in rest.iter().take(3) {
        out.push_str(&format!("{part:0>2}"));
    }
    Some(out)
}

/// Whether the history runs oldest first (its first step is earlier than its last).
fn oldest_first(history: &[TrackingEvent]) -> bool {
    match (history.first().and_then(moment), history.last().and_then(moment)) {
        (Some(a), Some(b)) => a < b,
        _ => false,
    }
}

/// Percent-encodes everything but unreserved characters.
fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// The courier used when `TCS_API_URL` is not set: always unavailable, so bookings
/// keep their provisional number and are retried.
pub struct UnconfiguredCourier;

#[async_trait]
impl Courier for UnconfiguredCourier {
    fn name(&self) -> &'static str {
        "TCS"
    }

    async fn book(&self, _: &Shipment) -> Result<Booking, CourierError> {
        Err(CourierError::Unavailable("TCS_API_URL is not set".to_owned()))
    }

    async fn track(&self, _: &str) -> Result<Tracking, CourierError> {
        Err(CourierError::Unavailable("TCS_API_URL is not set".to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(date: &str, time: Option<&str>) -> TrackingEvent {
        TrackingEvent { date: Some(date.to_owned()), time: time.map(str::to_owned), ..TrackingEvent::default() }
    }

    #[test]
    fn histories_listed_oldest_first_are_recognised_in_the_usual_date_formats() {
        assert!(oldest_first(&[at("2025-06-01 10:00", None), at("2025-06-02", Some("09:00"))]));
        assert!(!oldest_first(&[at("02/06/2025", Some("09:00")), at("01/06/2025", Some("10:00"))]));
        assert!(oldest_first(&[at("01/06/2025", Some("9:05")), at("01/06/2025", Some("10:00"))]));
        assert!(!oldest_first(&[at("yesterday", None), at("today", None)]), "unknown formats keep the courier's order");
    }
}
