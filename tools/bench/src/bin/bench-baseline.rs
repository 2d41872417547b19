//! The benchmark's ceiling: a minimal actix-web server that serves, from memory, the
//! exact bytes a running hme answered for each benchmarked request.
//!
//! `bench-baseline <spec.json> <port>`; the spec is a JSON array of
//! `{"url": "http://127.0.0.1:8080/api/product/list", "method": "GET", "headers": {...}, "body": "..."}`.
//! Each request is made once at start (without decompression, so a gzip or br answer is
//! kept compressed); the server then answers any method on the same path with the
//! captured status, `Content-Type`, `Content-Encoding` and body, picking the encoding
//! variant the client's `Accept-Encoding` allows (br, then gzip, then identity).
//! It prints `ready <port>` once listening.

// A benchmark tool, not shipped: failing loudly at start-up is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use bytes::Bytes;
use serde::Deserialize;

#[derive(Deserialize)]
struct Fetch {
    url: String,
    #[serde(default = "get")]
    method: String,
    #[serde(default)]
    headers: HashMap<String, String>,
    #[serde(default)]
    body: Option<String>,
}

fn get() -> String {
    "GET".to_owned()
}

#[derive(Clone)]
struct Captured {
    status: u16,
    content_type: Option<String>,
    encoding: Option<String>,
    body: Bytes,
}

/// path -> variants (identity, gzip, br)
type Table = HashMap<String, Vec<Captured>>;

async fn capture(client: &reqwest::Client, f: &Fetch) -> (String, Captured) {
    let url = reqwest::Url::parse(&f.url).expect("spec url");
    let mut req = client.request(f.method.parse().expect("method"), url.clone());
    for (k, v) in &f.headers {
        req = req.header(k, v);
    }
    if let Some(b) = &f.body {
        req = req.body(b.clone());
    }
    let resp = req.send().await.expect("fetch from hme");
    let status = resp.status().as_u16();
    let h = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (content_type, encoding) = (h("content-type"), h("content-encoding"));
    let body = resp.bytes().await.expect("body");
    eprintln!("captured {} {} -> {status} {} bytes encoding={encoding:?}", f.method, url.path(), body.len());
    (url.path().to_owned(), Captured { status, content_type, encoding, body })
}

fn pick<'a>(variants: &'a [Captured], accept: &str) -> Option<&'a Captured> {
    let want = |e: &str| variants.iter().find(|c| c.encoding.as_deref() == Some(e));
    let accept = accept.to_ascii_lowercase();
    (accept.contains("br").then(|| want("br")).flatten())
        .or_else(|| accept.contains("gzip").then(|| want("gzip")).flatten())
        .or_else(|| variants.iter().find(|c| c.encoding.is_none()))
        .or_else(|| variants.first())
}

async fn serve(req: HttpRequest, table: web::Data<Arc<Table>>) -> HttpResponse {
    let accept = req.headers().get("accept-encoding").and_then(|v| v.to_str().ok()).unwrap_or("");
    let Some(c) = table.get(req.path()).and_then(|v| pick(v, accept)) else {
        return HttpResponse::NotFound().finish();
    };
    let mut resp = HttpResponse::build(StatusCode::from_u16(c.status).unwrap_or(StatusCode::OK));
    if let Some(ct) = &c.content_type {
        resp.insert_header((HeaderName::from_static("content-type"), HeaderValue::from_str(ct).unwrap()));
    }
    if let Some(enc) = &c.encoding {
        resp.insert_header((HeaderName::from_static("content-encoding"), HeaderValue::from_str(enc).unwrap()));
    }
    resp.body(c.body.clone())
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let spec: Vec<Fetch> = serde_json::from_str(&std::fs::read_to_string(&args[1]).expect("spec file")).expect("spec json");
    let port: u16 = args.get(2).map(|p| p.parse().expect("port")).unwrap_or(0);
    let client = reqwest::Client::new();
    let mut table = Table::new();
    for f in &spec {
        let (path, c) = capture(&client, f).await;
        table.entry(path).or_default().push(c);
    }
    let table = web::Data::new(Arc::new(table));
    let server = HttpServer::new(move || App::new().app_data(table.clone()).default_service(web::to(serve))).bind(("127.0.0.1", port))?;
    let port = server.addrs()[0].port();
    println!("ready {port}");
    server.run().await
}
