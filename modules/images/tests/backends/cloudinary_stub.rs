//! A local stand-in for Cloudinary's upload API that checks requests the way its docs
//! define them: `api_key` is the account's, `timestamp` is within the hour, and
//! `signature` = SHA-1 hex of the parameters (except file, cloud_name, resource_type,
//! api_key, signature; empty ones dropped) sorted by name, joined `k=v&...`, with the
//! API secret appended. Written from the docs, independently of the crate's signer.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use actix_multipart::Multipart;
use actix_web::{web, App, HttpResponse, HttpServer};
use futures::StreamExt;
use serde_json::json;
use sha1::{Digest, Sha1};

/// What the stub saw and holds.
pub struct Stub {
    pub cloud: String,
    pub api_key: String,
    pub secret: String,
    pub images: Mutex<HashMap<String, Vec<u8>>>,
    pub requests: Mutex<Vec<BTreeMap<String, String>>>,
}

fn error(status: u16, message: &str) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).json(json!({"error": {"message": message}}))
}

fn verify(stub: &Stub, params: &BTreeMap<String, String>) -> Result<(), (u16, String)> {
    if params.get("api_key") != Some(&stub.api_key) {
        return Err((401, "Invalid api_key".into()));
    }
    let ts: i64 = params.get("timestamp").and_then(|t| t.parse().ok()).ok_or((400, "Missing required parameter - timestamp".to_owned()))?;
    if (chrono::Utc::now().timestamp() - ts).abs() > 3600 {
        return Err((400, "Stale request".into()));
    }
    let to_sign: Vec<String> = params
        .iter()
        .filter(|(k, v)| !["file", "cloud_name", "resource_type", "api_key", "signature"].contains(&k.as_str()) && !v.is_empty())
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let digest = Sha1::digest(format!("{}{}", to_sign.join("&"), stub.secret).as_bytes());
    let expected: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    if params.get("signature") != Some(&expected) {
        return Err((401, format!("Invalid Signature {:?}. String to sign - '{}'.", params.get("signature"), to_sign.join("&"))));
    }
    Ok(())
}

async fn upload(stub: web::Data<Stub>, cloud: web::Path<String>, mut form: Multipart) -> HttpResponse {
    let mut params = BTreeMap::new();
    let mut file = None;
    while let Some(field) = form.next().await {
        let Ok(mut field) = field else { return error(400, "bad multipart") };
        let name = field.name().unwrap_or_default().to_owned();
        let mut bytes = Vec::new();
        while let Some(Ok(chunk)) = field.next().await {
            bytes.extend_from_slice(&chunk);
        }
        if name == "file" {
            file = Some(bytes);
        } else {
            params.insert(name, String::from_utf8(bytes).unwrap());
        }
    }
    if *cloud != stub.cloud {
        return error(404, "unknown cloud");
    }
    stub.requests.lock().unwrap().push(params.clone());
    if let Err((status, message)) = verify(&stub, &params) {
        return error(status, &message);
    }
    let Some(file) = file else { return error(400, "Missing required parameter - file") };
    let public_id = params.get("public_id").cloned().unwrap_or_else(|| "generated".into());
    stub.images.lock().unwrap().insert(public_id.clone(), file);
    let url = format!("https://res.cloudinary.com/{}/image/upload/v1712345678/{public_id}.png", stub.cloud);
    HttpResponse::Ok().json(json!({"public_id": public_id, "version": 1712345678, "format": "png", "secure_url": url, "url": url.replace("https", "http")}))
}

async fn destroy(stub: web::Data<Stub>, form: web::Form<HashMap<String, String>>) -> HttpResponse {
    let params: BTreeMap<String, String> = form.into_inner().into_iter().collect();
    stub.requests.lock().unwrap().push(params.clone());
    if let Err((status, message)) = verify(&stub, &params) {
        return error(status, &message);
    }
    let removed = params.get("public_id").and_then(|id| stub.images.lock().unwrap().remove(id));
    HttpResponse::Ok().json(json!({"result": if removed.is_some() { "ok" } else { "not found" }}))
}

/// Starts the stub on a free port; returns it and its base URL.
pub fn start(cloud: &str, api_key: &str, secret: &str) -> (Arc<Stub>, String) {
    let stub = Arc::new(Stub { cloud: cloud.into(), api_key: api_key.into(), secret: secret.into(), images: Mutex::default(), requests: Mutex::default() });
    let data = web::Data::from(Arc::clone(&stub));
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/v1_1/{cloud}/image/upload", web::post().to(upload))
            .route("/v1_1/{cloud}/image/destroy", web::post().to(destroy))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let port = server.addrs()[0].port();
    actix_web::rt::spawn(server.run());
    (stub, format!("http://127.0.0.1:{port}"))
}
