#![allow(dead_code)]
//! A local TCS stub following the adapter's request and response fields: `POST /booking`
//! answers `{success, trackingNumber}`, `GET /track/<cn>` the tracking shape (history
//! oldest first, with `remarks`, `time` and a field hme does not know); `bare` makes
//! tracking answer `{success:true}` alone; `down()` makes every call answer 503.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Default)]
pub struct State {
    pub down: AtomicBool,
    pub bare: AtomicBool,
    pub next: AtomicU64,
    pub bookings: Mutex<Vec<(Value, Option<String>)>>,
    pub booked: Mutex<Vec<String>>,
}

pub struct TcsStub {
    pub url: String,
    pub state: Arc<State>,
}

impl TcsStub {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(State::default());
        let s = state.clone();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    let (head, body) = loop {
                        let Ok(n) = sock.read(&mut chunk).await else { return };
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&buf[..i]).into_owned();
                            let len = head
                                .lines()
                                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap_or(0)))
                                .unwrap_or(0);
                            while buf.len() < i + 4 + len {
                                let Ok(n) = sock.read(&mut chunk).await else { return };
                                if n == 0 {
                                    break;
                                }
                                buf.extend_from_slice(&chunk[..n]);
                            }
                            break (head, buf[i + 4..].to_vec());
                        }
                    };
                    let (status, reply) = respond(&s, &head, &body);
                    let text = reply.to_string();
                    let resp = format!("HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}", text.len());
                    let _ = sock.write_all(resp.as_bytes()).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        Self { url, state }
    }

    pub fn down(&self) {
        self.state.down.store(true, Ordering::SeqCst);
    }
    pub fn up(&self) {
        self.state.down.store(false, Ordering::SeqCst);
    }
    pub fn booking_count(&self) -> usize {
        self.state.bookings.lock().unwrap().len()
    }
}

fn respond(s: &State, head: &str, body: &[u8]) -> (&'static str, Value) {
    if s.down.load(Ordering::SeqCst) {
        return ("503 Service Unavailable", json!({"success": false, "message": "down"}));
    }
    let first = head.lines().next().unwrap_or_default().to_owned();
    let mut parts = first.split_whitespace();
    let (method, path) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
    let auth = head.lines().find_map(|l| l.strip_prefix("authorization: ").or_else(|| l.strip_prefix("Authorization: ")).map(str::to_owned));
    match (method, path) {
        ("POST", "/booking") => {
            let req: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            s.bookings.lock().unwrap().push((req, auth));
            let cn = format!("779{:08}", s.next.fetch_add(1, Ordering::SeqCst) + 1);
            s.booked.lock().unwrap().push(cn.clone());
            ("200 OK", json!({"success": true, "trackingNumber": cn}))
        }
        ("GET", p) if p.starts_with("/track/") => {
            let cn = &p["/track/".len()..];
            if s.booked.lock().unwrap().iter().any(|b| b == cn) && s.bare.load(Ordering::SeqCst) {
                ("200 OK", json!({"success": true}))
            } else if s.booked.lock().unwrap().iter().any(|b| b == cn) {
                ("200 OK", json!({"success": true, "status": "Out for delivery", "currentLocation": "Lahore",
                    "history": [{"status": "Booked", "remarks": "Shipment booked", "location": "Karachi", "date": "2025-06-01", "time": "10:00", "code": "BK"},
                                {"status": "Arrived", "remarks": "Arrived at Lahore hub", "location": "Lahore", "date": "2025-06-02", "time": "09:00"}]}))
            } else {
                ("404 Not Found", json!({"success": false, "message": "not found"}))
            }
        }
        _ => ("404 Not Found", json!({"success": false})),
    }
}
