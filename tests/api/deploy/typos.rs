//! Each check fails on a typo: the real files with one mistake put in.

use std::collections::BTreeMap;

use super::{compose, dockerfile, k8s, read};

fn mutated(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "`{from}` is not in the file any more: update this test");
    text.replacen(from, to, 1)
}

fn caught(errors: &[String], needle: &str) {
    assert!(errors.iter().any(|e| e.contains(needle)), "`{needle}` not reported; the report was:\n  {}", errors.join("\n  "));
}

fn compose_errors(compose_text: &str, nginx: &str) -> Vec<String> {
    let image = dockerfile::check(&read("Dockerfile"));
    compose::check(compose_text, nginx, &image).errors
}

fn compose_with(from: &str, to: &str) -> Vec<String> {
    compose_errors(&mutated(&read("docker-compose.yml"), from, to), &read("deploy/gateway/nginx.conf"))
}

fn gateway_with(from: &str, to: &str) -> Vec<String> {
    compose_errors(&read("docker-compose.yml"), &mutated(&read("deploy/gateway/nginx.conf"), from, to))
}

fn k8s_with(file: &str, from: &str, to: &str) -> Vec<String> {
    let image = dockerfile::check(&read("Dockerfile"));
    let compose = compose::check(&read("docker-compose.yml"), &read("deploy/gateway/nginx.conf"), &image);
    let mut files: BTreeMap<String, String> = k8s::manifests();
    let text = files.get(file).cloned().unwrap_or_default();
    files.insert(file.to_owned(), mutated(&text, from, to));
    k8s::check(&files, &compose.features_by_image(), &image.env)
}

#[test]
fn a_misspelt_setting_in_the_compose_file_is_reported() {
    caught(&compose_with("HME__ACCOUNTS__TRUST_FORWARDED_FOR", "HME__ACCOUNTS__TRUST_FORWARED_FOR"), "`accounts.trust_forwared_for` is no setting");
    caught(&compose_with("HME__IMAGES__PUBLIC_BASE_URL", "HME__IMAGS__PUBLIC_BASE_URL"), "HME__IMAGS__PUBLIC_BASE_URL");
    caught(&compose_with("REDIS_URL: \"redis://redis:6379\"", "REDIS_URI: \"redis://redis:6379\""), "REDIS_URI is no setting");
    caught(&compose_with("HME_SERVICE_TOKEN:", "HME_SERVICES_TOKEN:"), "HME_SERVICES_TOKEN is no setting");
    caught(&compose_with("FEATURES: \"orders\"", "FEATURES: \"order\""), "`order`, which is no feature");
    caught(&compose_with("PORT: \"8080\"\n    volumes", "PORT: \"not-a-port\"\n    volumes"), "do not load");
}

#[test]
fn a_wrong_link_between_compose_services_is_reported() {
    caught(&compose_with("http://hme-products:8080", "http://hme-products:8081"), "listens on 8080");
    caught(&compose_with("http://hme-auth:8080", "http://hme-auht:8080"), "`hme-auht`, which is no service");
    caught(&compose_with("depends_on: *backends-ready\n\n  # ---- split", "depends_on: {mongo: {condition: service_healthy}}\n\n  # ---- split"), "uses redis (REDIS_URL) without depending on it");
    caught(&compose_with("ports: [\"8000:8000\"]", "ports: [\"8080:8000\"]"), "host port 8080 is also published");
}

#[test]
fn a_gateway_route_to_the_wrong_module_or_to_internal_is_reported() {
    caught(&gateway_with("location /api/order/    { proxy_pass http://hme-orders; }", "location /api/order/    { proxy_pass http://hme-products; }"), "POST /api/order/create (orders module)");
    caught(&gateway_with("location = /api/contact   { proxy_pass http://hme-worker; }", ""), "POST /api/contact (worker module)");
    caught(&gateway_with("location = /api/webhooks/clerk", "location = /api/webhook/clerk"), "POST /api/webhooks/clerk (auth module)");
    caught(&gateway_with("    # products\n", "    location /internal/v1/ { proxy_pass http://hme-products; }\n"), "nothing under /internal");
    caught(&gateway_with("server hme-worker:8080", "server hme-worker:9090"), "listens on 8080");
    caught(&gateway_with("location ^~ /internal {", "location ^~ /internals {"), "/internal/v1 is routed to hme-products");
}

#[test]
fn a_mistake_in_the_kubernetes_example_is_reported() {
    caught(&k8s_with("products.yaml", "path: /readyz", "path: /ready"), "readinessProbe must GET /readyz");
    caught(&k8s_with("configmap.yaml", "HME__SERVICES__TIMEOUT_MS", "HME__SERVICE__TIMEOUT_MS"), "HME__SERVICE__TIMEOUT_MS");
    caught(&k8s_with("configmap.yaml", "http://hme-images:8080", "http://hme-image:8080"), "reaches no Service port");
    caught(&k8s_with("ingress.yaml", "{path: /api/checkout, pathType: Prefix, backend: {service: {name: hme-orders", "{path: /api/checkout, pathType: Prefix, backend: {service: {name: hme-products"), "POST /api/checkout/initiate (orders module)");
    caught(&k8s_with("ingress.yaml", "{path: /api/product, pathType: Prefix", "{path: /, pathType: Prefix"), "/internal/v1 is routed by /");
    caught(&k8s_with("kustomization.yaml", "  - hpa.yaml\n", ""), "kustomization.yaml lists");
    caught(&k8s_with("hpa.yaml", "name: hme-worker}", "name: hme-workers}"), "no HPA scales the worker");
    caught(&k8s_with("auth.yaml", "HME__ACCOUNTS__TRUST_FORWARDED_FOR", "HME__ACCOUNT__TRUST_FORWARDED_FOR"), "HME__ACCOUNT__TRUST_FORWARDED_FOR");
}

#[test]
fn a_dockerfile_that_ignores_the_feature_set_or_runs_as_root_is_reported() {
    let text = read("Dockerfile");
    let errors = dockerfile::check(&mutated(&text, "cargo build --release --locked --no-default-features --features \"$FEATURES\"", "cargo build --release --locked")).errors;
    caught(&errors, "no RUN `cargo build");
    caught(&dockerfile::check(&mutated(&text, "USER hme", "USER root")).errors, "non-root");
    caught(&dockerfile::check(&mutated(&text, "PORT=8080", "PROT=8080")).errors, "PROT is no setting");
}
