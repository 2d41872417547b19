//! The Kubernetes example (`deploy/k8s`): every manifest is listed by the
//! kustomization; each Deployment runs an image of the compose file (so its feature
//! set is known), its environment (ConfigMap, Secrets, env) loads as settings and names
//! only real ones, its probes are `/healthz` (liveness) and `/readyz` (readiness) on
//! the port it listens on, and the URLs to other modules reach a Service in front of a
//! Deployment built with that module. Services select one Deployment; HPAs scale the
//! API and the worker; the Ingress sends every public route to its module and routes
//! nothing under `/internal` (nor `/metrics`, scraped in-cluster).

use std::collections::{BTreeMap, BTreeSet};

use hme::configuration::Settings;
use serde_norway::Value;

use super::compose::image_name;
use super::settings::check_env;
use super::{internal_probes, routes, scalar, service_urls, yaml_docs};

/// One Deployment, as far as the checks need it.
struct Deployment {
    labels: BTreeMap<String, String>,
    features: BTreeSet<String>,
    /// Named container ports and their numbers.
    ports: BTreeMap<String, u16>,
    settings: Option<Settings>,
    serves_http: bool,
}

/// One Service.
struct Service {
    selector: BTreeMap<String, String>,
    /// (name, port, targetPort) of each port.
    ports: Vec<(Option<String>, u16, String)>,
}

fn str_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_mapping).map(|m| m.iter().filter_map(|(k, v)| Some((scalar(k)?, scalar(v)?))).collect()).unwrap_or_default()
}

fn seq(v: Option<&Value>) -> Vec<Value> {
    v.and_then(Value::as_sequence).cloned().unwrap_or_default()
}

fn path<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().try_fold(v, |v, k| v.get(*k))
}

/// Checks the manifests (file name → text) against the compose file's images.
pub fn check(files: &BTreeMap<String, String>, features_by_image: &BTreeMap<String, BTreeSet<String>>, image_env: &BTreeMap<String, String>) -> Vec<String> {
    let mut errors = Vec::new();
    let mut docs: Vec<(String, Value)> = Vec::new();
    for (file, text) in files {
        match yaml_docs(text) {
            Ok(d) => docs.extend(d.into_iter().map(|d| (file.clone(), d))),
            Err(e) => errors.push(format!("{file}: {e}")),
        }
    }
    let of_kind = |kind: &str| -> Vec<(String, String, Value)> {
        docs.iter()
            .filter(|(_, d)| d.get("kind").and_then(scalar).as_deref() == Some(kind))
            .map(|(f, d)| (f.clone(), path(d, &["metadata", "name"]).and_then(scalar).unwrap_or_default(), d.clone()))
            .collect()
    };

    if let Some(kustomization) = files.get("kustomization.yaml") {
        let listed: BTreeSet<String> = yaml_docs(kustomization).ok().and_then(|d| d.first().map(|d| seq(d.get("resources")))).unwrap_or_default().iter().filter_map(scalar).collect();
        let present: BTreeSet<String> = files.keys().filter(|f| *f != "kustomization.yaml").cloned().collect();
        if listed != present {
            errors.push(format!("kustomization.yaml lists {listed:?}, the folder has {present:?}"));
        }
    } else {
        errors.push("no kustomization.yaml".into());
    }

    let mut sources: BTreeMap<(String, String), BTreeMap<String, String>> = BTreeMap::new();
    for (_, name, d) in of_kind("ConfigMap") {
        sources.insert(("configMapRef".into(), name), str_map(d.get("data")));
    }
    for (_, name, d) in of_kind("Secret") {
        let mut values = str_map(d.get("stringData"));
        for k in str_map(d.get("data")).into_keys() {
            values.entry(k).or_insert_with(|| "set".into());
        }
        sources.insert(("secretRef".into(), name), values);
    }

    let mut deployments: BTreeMap<String, Deployment> = BTreeMap::new();
    for (file, name, d) in of_kind("Deployment") {
        let who = format!("{file}: Deployment {name}");
        let spec = path(&d, &["spec", "template", "spec"]).cloned().unwrap_or_default();
        let labels = str_map(path(&d, &["spec", "template", "metadata", "labels"]));
        let selector = str_map(path(&d, &["spec", "selector", "matchLabels"]));
        if selector.is_empty() || !selector.iter().all(|(k, v)| labels.get(k) == Some(v)) {
            errors.push(format!("{who}: its selector {selector:?} does not match its pod labels {labels:?}"));
        }
        let containers = seq(spec.get("containers"));
        let [container] = containers.as_slice() else {
            errors.push(format!("{who}: expected one container"));
            continue;
        };
        let image = container.get("image").and_then(scalar).unwrap_or_default();
        let Some(features) = features_by_image.get(&image_name(&image)).cloned() else {
            errors.push(format!("{who}: image `{image}` is none of the compose file's hme images {:?}", features_by_image.keys()));
            continue;
        };
        let mut env = image_env.clone();
        for from in seq(container.get("envFrom")) {
            for kind in ["configMapRef", "secretRef"] {
                if let Some(src) = path(&from, &[kind, "name"]).and_then(scalar) {
                    match sources.get(&(kind.to_owned(), src.clone())) {
                        Some(values) => env.extend(values.clone()),
                        None => errors.push(format!("{who}: envFrom {kind} `{src}` is not defined")),
                    }
                }
            }
        }
        for e in seq(container.get("env")) {
            if let Some(k) = e.get("name").and_then(scalar) {
                env.insert(k, e.get("value").and_then(scalar).unwrap_or_else(|| "set".into()));
            }
        }
        let checked = check_env(&who, &env, &features);
        errors.extend(checked.errors);
        let ports: BTreeMap<String, u16> = seq(container.get("ports"))
            .iter()
            .filter_map(|p| Some((p.get("name").and_then(scalar).unwrap_or_default(), p.get("containerPort")?.as_u64()? as u16)))
            .collect();
        let resolve = |port: &Value| -> Option<u16> { port.as_u64().map(|p| p as u16).or_else(|| ports.get(&scalar(port)?).copied()) };
        if let Some(s) = &checked.settings {
            if !ports.values().any(|p| *p == s.server.port) {
                errors.push(format!("{who}: declares ports {ports:?}, but listens on {}", s.server.port));
            }
            for (probe, wanted) in [("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")] {
                let get = path(container, &[probe, "httpGet"]);
                let p = get.and_then(|g| g.get("path")).and_then(scalar);
                let port = get.and_then(|g| g.get("port")).and_then(resolve);
                if p.as_deref() != Some(wanted) || port != Some(s.server.port) {
                    errors.push(format!("{who}: {probe} must GET {wanted} on port {} (has {p:?} on {port:?})", s.server.port));
                }
            }
        }
        let non_root = [path(&spec, &["securityContext", "runAsNonRoot"]), path(container, &["securityContext", "runAsNonRoot"])].iter().any(|v| v.and_then(Value::as_bool) == Some(true));
        if !non_root {
            errors.push(format!("{who}: runAsNonRoot is not set"));
        }
        let args: Vec<String> = seq(container.get("args")).iter().filter_map(scalar).collect();
        let serves_http = args.is_empty() || args == ["serve"];
        deployments.insert(name, Deployment { labels, features, ports, settings: checked.settings, serves_http });
    }

    let mut services: BTreeMap<String, Service> = BTreeMap::new();
    for (file, name, d) in of_kind("Service") {
        let selector = str_map(path(&d, &["spec", "selector"]));
        let ports = seq(path(&d, &["spec", "ports"]))
            .iter()
            .filter_map(|p| Some((p.get("name").and_then(scalar), p.get("port")?.as_u64()? as u16, p.get("targetPort").and_then(scalar).unwrap_or_default())))
            .collect();
        let selected: Vec<&String> = deployments.iter().filter(|(_, dep)| !selector.is_empty() && selector.iter().all(|(k, v)| dep.labels.get(k) == Some(v))).map(|(n, _)| n).collect();
        if selected.len() != 1 {
            errors.push(format!("{file}: Service {name} selects {selected:?}, expected one Deployment"));
        }
        services.insert(name, Service { selector, ports });
    }
    // The Deployment behind a Service port, and the container port it reaches.
    let backend = |service: &str, port: &Value| -> Option<(&String, &Deployment, u16)> {
        let svc = services.get(service)?;
        let (_, _, target) = svc.ports.iter().find(|(n, p, _)| port.as_u64() == Some(u64::from(*p)) || (n.is_some() && scalar(port) == n.clone()))?;
        let (dname, dep) = deployments.iter().find(|(_, d)| svc.selector.iter().all(|(k, v)| d.labels.get(k) == Some(v)))?;
        let container_port = target.parse().ok().or_else(|| dep.ports.get(target).copied())?;
        Some((dname, dep, container_port))
    };

    for (name, dep) in &deployments {
        let who = format!("Deployment {name}");
        let Some(s) = &dep.settings else { continue };
        let urls = service_urls(s);
        for d in hme::modules::DEPENDENCIES {
            if dep.features.contains(d.module) && !dep.features.contains(d.needs) && !urls.iter().any(|(m, _)| *m == d.needs) {
                errors.push(format!("{who}: the {} module needs the {} module: set {}", d.module, d.needs, d.setting));
            }
        }
        if !dep.features.contains("auth") && !urls.iter().any(|(m, _)| *m == "auth") {
            errors.push(format!("{who}: without the auth module it needs HME_AUTH_URL to verify our own tokens (JWKS)"));
        }
        if urls.iter().any(|(m, _)| !dep.features.contains(*m)) && s.services.service_token.is_none() {
            errors.push(format!("{who}: calls other modules without HME_SERVICE_TOKEN"));
        }
        for (var, set) in [("MONGODB_URI", s.mongodb.uri.is_some()), ("REDIS_URL", s.redis.url.is_some()), ("RABBITMQ_URL", s.rabbitmq.url.is_some())] {
            if !set {
                errors.push(format!("{who}: {var} is unset: the embedded default is one process only"));
            }
        }
        for (module, url) in urls {
            let Ok(u) = url::Url::parse(&url) else {
                errors.push(format!("{who}: the {module} URL `{url}` does not parse"));
                continue;
            };
            let host = u.host_str().unwrap_or_default().split('.').next().unwrap_or_default().to_owned();
            let port = Value::from(u.port_or_known_default().unwrap_or(80));
            match backend(&host, &port) {
                None => errors.push(format!("{who}: the {module} URL `{url}` reaches no Service port")),
                Some((target, t, container_port)) => {
                    if !t.features.contains(module) {
                        errors.push(format!("{who}: the {module} URL `{url}` reaches {target}, which is not built with {module}"));
                    }
                    if t.settings.as_ref().is_some_and(|ts| ts.server.port != container_port) {
                        errors.push(format!("{who}: the {module} URL `{url}` reaches container port {container_port} of {target}, which listens elsewhere"));
                    }
                    if t.settings.as_ref().is_some_and(|ts| ts.services.service_token.is_none()) {
                        errors.push(format!("{who}: {target} has no HME_SERVICE_TOKEN: its internal endpoints are off"));
                    }
                }
            }
        }
    }

    let mut scaled = BTreeSet::new();
    for (file, name, d) in of_kind("HorizontalPodAutoscaler") {
        let target = path(&d, &["spec", "scaleTargetRef", "name"]).and_then(scalar).unwrap_or_default();
        match deployments.get(&target) {
            Some(dep) => {
                scaled.insert(if dep.features.contains("worker") { "worker" } else { "api" });
            }
            None => errors.push(format!("{file}: HPA {name} scales `{target}`, which is no Deployment")),
        }
        let (min, max) = (path(&d, &["spec", "minReplicas"]).and_then(Value::as_u64), path(&d, &["spec", "maxReplicas"]).and_then(Value::as_u64));
        if !matches!((min, max), (Some(a), Some(b)) if a <= b) {
            errors.push(format!("{file}: HPA {name}: minReplicas {min:?} / maxReplicas {max:?}"));
        }
    }
    for wanted in ["api", "worker"] {
        if !scaled.contains(wanted) {
            errors.push(format!("no HPA scales the {wanted}"));
        }
    }

    let ingresses = of_kind("Ingress");
    if ingresses.is_empty() {
        errors.push("no Ingress".into());
    }
    for (file, name, d) in ingresses {
        let who = format!("{file}: Ingress {name}");
        let mut paths = Vec::new();
        for rule in seq(path(&d, &["spec", "rules"])) {
            for p in seq(path(&rule, &["http", "paths"])) {
                let (Some(at), Some(kind)) = (p.get("path").and_then(scalar), p.get("pathType").and_then(scalar)) else { continue };
                let service = path(&p, &["backend", "service", "name"]).and_then(scalar).unwrap_or_default();
                let port = path(&p, &["backend", "service", "port"]).and_then(|p| p.get("name").or_else(|| p.get("number"))).cloned().unwrap_or_default();
                if backend(&service, &port).is_none() {
                    errors.push(format!("{who}: {at} goes to {service}:{port:?}, which is no Service port"));
                }
                if at.starts_with("/internal") {
                    errors.push(format!("{who}: routes {at}: nothing under /internal may be routed"));
                }
                paths.push((at, kind, service, port));
            }
        }
        // Kubernetes' rule: an Exact match wins, else the longest Prefix (by whole segments).
        let resolve = |p: &str| {
            let hit = |at: &str, kind: &str| match kind {
                "Exact" => at == p,
                _ => {
                    let at = at.trim_end_matches('/');
                    at.is_empty() || p == at || p.starts_with(&format!("{at}/"))
                }
            };
            let matching = paths.iter().filter(|(at, kind, _, _)| hit(at, kind));
            paths.iter().find(|(at, kind, _, _)| kind == "Exact" && at == p).or_else(|| matching.max_by_key(|(at, _, _, _)| at.len()))
        };
        for route in routes().into_iter().filter(|r| r.module != "core") {
            let hidden = route.sample == "/metrics";
            match (resolve(&route.sample), hidden) {
                (Some((at, _, service, _)), true) => errors.push(format!("{who}: {} is routed (by {at} to {service}): scrape it in-cluster instead", route.name)),
                (None, true) => {}
                (None, false) => errors.push(format!("{who}: {} is not routed", route.name)),
                (Some((at, _, service, port)), false) => match backend(service, port) {
                    Some((dname, dep, _)) if dep.features.contains(&route.module) && dep.serves_http => {
                        let _ = dname;
                    }
                    Some((dname, _, _)) => errors.push(format!("{who}: {} ({} module) goes by {at} to {dname}, which does not serve it", route.name, route.module)),
                    None => {}
                },
            }
        }
        for probe in internal_probes() {
            if let Some((at, _, service, _)) = resolve(&probe) {
                errors.push(format!("{who}: {probe} is routed by {at} to {service}: nothing under /internal may be"));
            }
        }
    }
    errors
}

/// Every `.yaml` file of `deploy/k8s`, by file name.
pub fn manifests() -> BTreeMap<String, String> {
    let dir = super::root().join("deploy/k8s");
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .map(|p| (p.file_name().unwrap_or_default().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap_or_default()))
        .collect()
}

#[test]
fn the_kubernetes_example_matches_the_binary_and_the_images() {
    let image = super::dockerfile::check(&super::read("Dockerfile"));
    let compose = super::compose::check(&super::read("docker-compose.yml"), &super::read("deploy/gateway/nginx.conf"), &image);
    let errors = check(&manifests(), &compose.features_by_image(), &image.env);
    super::assert_clean("deploy/k8s", &errors);
}
