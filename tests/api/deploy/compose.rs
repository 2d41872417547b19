//! `docker-compose.yml` and the gateway it runs: services, dependencies, ports,
//! volumes, every hme container's environment and feature set, the URLs by which the
//! split containers reach each other, and the gateway's routes.

use std::collections::{BTreeMap, BTreeSet};

use hme::configuration::Settings;
use serde_norway::Value;

use super::dockerfile::Image;
use super::settings::check_env;
use super::{cargo_features, gateway, internal_probes, root, routes, scalar, service_urls, yaml_docs};

/// One compose service.
pub struct Service {
    /// Its `image`.
    pub image: Option<String>,
    /// The `FEATURES` it is built with (hme containers only).
    pub features: Option<BTreeSet<String>>,
    /// Its `profiles` (empty: always started).
    pub profiles: BTreeSet<String>,
    /// `depends_on` entries with their condition.
    pub depends_on: BTreeMap<String, String>,
    /// Its `volumes` (short syntax).
    pub volumes: Vec<String>,
    /// Its loaded settings (hme containers whose environment loads).
    pub settings: Option<Settings>,
}

/// The checked compose file.
pub struct Compose {
    /// Services by name.
    pub services: BTreeMap<String, Service>,
    /// Every problem found.
    pub errors: Vec<String>,
}

impl Compose {
    /// The feature set of each hme image name (`hme-orders` → {orders}).
    pub fn features_by_image(&self) -> BTreeMap<String, BTreeSet<String>> {
        self.services.values().filter_map(|s| Some((image_name(s.image.as_deref()?), s.features.clone()?))).collect()
    }
}

/// `registry.example/hme-orders:1.0` → `hme-orders`.
pub fn image_name(image: &str) -> String {
    let last = image.rsplit('/').next().unwrap_or(image);
    last.split(':').next().unwrap_or(last).to_owned()
}

/// Compose's variable substitution with every variable unset: `${X:-d}` and `${X-d}`
/// give `d`, `${X}` and `$X` give nothing, `$$` is `$`; `${X:?msg}` is an error.
pub fn interpolate(s: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(r) = after.strip_prefix('$') {
            out.push('$');
            rest = r;
        } else if let Some(r) = after.strip_prefix('{') {
            let end = r.find('}').ok_or_else(|| format!("`{s}`: unterminated ${{"))?;
            let expr = &r[..end];
            if expr.contains('?') {
                return Err(format!("`${{{expr}}}` requires the variable to be set"));
            }
            if let Some((_, default)) = expr.split_once(":-").or_else(|| expr.split_once('-')) {
                out.push_str(default);
            }
            rest = &r[end + 1..];
        } else {
            let n = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
            rest = &after[n..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Sequence(items)) => items.iter().filter_map(scalar).collect(),
        Some(v) => scalar(v).into_iter().collect(),
        None => Vec::new(),
    }
}

/// A `KEY: value` mapping or a `["KEY=value"]` list (null values, taken from the
/// host, are left out).
fn key_values(v: Option<&Value>, errors: &mut Vec<String>, who: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut put = |k: String, raw: String| match interpolate(&raw) {
        Ok(v) => {
            out.insert(k, v);
        }
        Err(e) => errors.push(format!("{who}: {k}: {e}")),
    };
    match v {
        Some(Value::Mapping(m)) => {
            for (k, v) in m {
                if let (Some(k), Some(v)) = (scalar(k), scalar(v)) {
                    put(k, v);
                }
            }
        }
        Some(Value::Sequence(items)) => {
            for item in items.iter().filter_map(scalar) {
                if let Some((k, v)) = item.split_once('=') {
                    put(k.to_owned(), v.to_owned());
                }
            }
        }
        _ => {}
    }
    out
}

/// `host:container` pairs of a service's published ports.
fn published(ports: &[String]) -> Vec<(Option<String>, String)> {
    ports
        .iter()
        .map(|p| {
            let p = p.split('/').next().unwrap_or(p);
            match p.rsplit_once(':') {
                Some((host, container)) => (Some(host.rsplit(':').next().unwrap_or(host).to_owned()), container.to_owned()),
                None => (None, p.to_owned()),
            }
        })
        .collect()
}

/// Whether `from` can rely on `to` being started: `to` runs in every profile `from` runs in.
fn started_with(from: &Service, to: &Service) -> bool {
    to.profiles.is_empty() || (!from.profiles.is_empty() && from.profiles.is_subset(&to.profiles))
}

/// Parses and checks the compose text and the gateway configuration it mounts.
pub fn check(text: &str, nginx: &str, image: &Image) -> Compose {
    let mut errors = Vec::new();
    let doc = match yaml_docs(text) {
        Ok(docs) if docs.len() == 1 => docs.into_iter().next().unwrap_or_default(),
        Ok(docs) => return Compose { services: BTreeMap::new(), errors: vec![format!("{} YAML documents, expected 1", docs.len())] },
        Err(e) => return Compose { services: BTreeMap::new(), errors: vec![e] },
    };
    let declared_volumes: BTreeSet<String> = doc.get("volumes").and_then(Value::as_mapping).map(|m| m.keys().filter_map(scalar).collect()).unwrap_or_default();
    let Some(raw) = doc.get("services").and_then(Value::as_mapping) else {
        return Compose { services: BTreeMap::new(), errors: vec!["no services".into()] };
    };

    let mut services = BTreeMap::new();
    let mut ports_seen: BTreeMap<String, String> = BTreeMap::new();
    for (name, svc) in raw {
        let Some(name) = scalar(name) else { continue };
        let who = format!("service {name}");
        let image_ref = svc.get("image").and_then(scalar);
        let build = svc.get("build");
        if image_ref.is_none() && build.is_none() {
            errors.push(format!("{who}: neither image nor build"));
        }
        let features = build.map(|b| {
            let args = key_values(b.get("args"), &mut errors, &who);
            let set: BTreeSet<String> = args.get("FEATURES").map_or(cargo_features(), |f| f.split(',').map(|x| x.trim().to_owned()).filter(|x| !x.is_empty()).collect());
            for f in set.iter().filter(|f| !cargo_features().contains(*f)) {
                errors.push(format!("{who}: FEATURES names `{f}`, which is no feature of hme ({:?})", cargo_features()));
            }
            if set.is_empty() {
                errors.push(format!("{who}: FEATURES is empty"));
            }
            let context = b.get("context").and_then(scalar).or_else(|| scalar(b)).unwrap_or_default();
            if context != "." {
                errors.push(format!("{who}: build context `{context}` is not the repository root"));
            }
            set
        });
        let depends_on = match svc.get("depends_on") {
            Some(Value::Mapping(m)) => m.iter().filter_map(|(k, v)| Some((scalar(k)?, v.get("condition").and_then(scalar).unwrap_or_else(|| "service_started".into())))).collect(),
            other => strings(other).into_iter().map(|d| (d, "service_started".to_owned())).collect(),
        };
        let profiles = strings(svc.get("profiles")).into_iter().collect();
        let volumes = strings(svc.get("volumes"));
        for v in &volumes {
            let source = v.split(':').next().unwrap_or_default();
            if let Some(rel) = source.strip_prefix("./") {
                if !root().join(rel).exists() {
                    errors.push(format!("{who}: mounts ./{rel}, which is not in the repository"));
                }
            } else if !source.starts_with('/') && !declared_volumes.contains(source) {
                errors.push(format!("{who}: volume `{source}` is not declared under the top-level volumes"));
            }
        }
        let ports = strings(svc.get("ports"));
        for (host, _) in published(&ports) {
            if let Some(host) = host {
                if let Some(other) = ports_seen.insert(host.clone(), name.clone()) {
                    errors.push(format!("{who}: host port {host} is also published by {other}"));
                }
            }
        }
        let mut settings = None;
        if let Some(features) = &features {
            let mut env = image.env.clone();
            env.extend(key_values(svc.get("environment"), &mut errors, &who));
            let checked = check_env(&who, &env, features);
            errors.extend(checked.errors);
            if let Some(s) = &checked.settings {
                for (_, container) in published(&ports) {
                    if container != s.server.port.to_string() {
                        errors.push(format!("{who}: publishes container port {container}, but it listens on {}", s.server.port));
                    }
                }
            }
            settings = checked.settings;
        }
        services.insert(name, Service { image: image_ref, features, profiles, depends_on, volumes, settings });
    }

    for (name, svc) in &services {
        for (dep, condition) in &svc.depends_on {
            match services.get(dep) {
                None => errors.push(format!("service {name}: depends on `{dep}`, which is not defined")),
                Some(target) => {
                    if !started_with(svc, target) {
                        errors.push(format!("service {name}: depends on {dep}, which is not started in the same profiles"));
                    }
                    let has_check = target.features.is_some() || raw.get(dep.as_str()).and_then(|t| t.get("healthcheck")).is_some();
                    if condition == "service_healthy" && !has_check {
                        errors.push(format!("service {name}: waits for {dep} to be healthy, which has no healthcheck"));
                    }
                }
            }
        }
        if let (Some(features), Some(s)) = (&svc.features, &svc.settings) {
            check_hme_links(name, svc, features, s, &services, &mut errors);
        }
    }
    check_tokens(&services, &mut errors);
    check_gateway(nginx, text, &services, &mut errors);
    Compose { services, errors }
}

/// An hme container's links: what its modules need elsewhere is configured, every
/// URL reaches a container built with that module on the port it listens on, and the
/// shared backends are set and defined.
fn check_hme_links(name: &str, svc: &Service, features: &BTreeSet<String>, s: &Settings, services: &BTreeMap<String, Service>, errors: &mut Vec<String>) {
    let who = format!("service {name}");
    let urls = service_urls(s);
    for d in hme::modules::DEPENDENCIES {
        if features.contains(d.module) && !features.contains(d.needs) && !urls.iter().any(|(m, _)| *m == d.needs) {
            errors.push(format!("{who}: the {} module needs the {} module: set {}", d.module, d.needs, d.setting));
        }
    }
    if !features.contains("auth") && !urls.iter().any(|(m, _)| *m == "auth") {
        errors.push(format!("{who}: without the auth module it needs HME_AUTH_URL to verify our own tokens (JWKS)"));
    }
    for (module, url) in &urls {
        let parsed = url::Url::parse(url);
        let (host, port) = match &parsed {
            Ok(u) => (u.host_str().unwrap_or_default().to_owned(), u.port_or_known_default()),
            Err(e) => {
                errors.push(format!("{who}: the {module} URL `{url}`: {e}"));
                continue;
            }
        };
        match services.get(&host) {
            None => errors.push(format!("{who}: the {module} URL `{url}` names `{host}`, which is no service")),
            Some(target) => {
                if !target.features.as_ref().is_some_and(|f| f.contains(*module)) {
                    errors.push(format!("{who}: the {module} URL `{url}` reaches {host}, which is not built with {module}"));
                }
                if let Some(t) = &target.settings {
                    if port != Some(t.server.port) {
                        errors.push(format!("{who}: the {module} URL `{url}` uses port {port:?}, but {host} listens on {}", t.server.port));
                    }
                }
                if !started_with(svc, target) {
                    errors.push(format!("{who}: the {module} URL reaches {host}, which is not started in the same profiles"));
                }
            }
        }
    }
    use secrecy::ExposeSecret;
    let backends = [
        ("MONGODB_URI", s.mongodb.uri.as_ref().map(|u| u.expose_secret().to_owned())),
        ("REDIS_URL", s.redis.url.as_ref().map(|u| u.expose_secret().to_owned())),
        ("RABBITMQ_URL", s.rabbitmq.url.as_ref().map(|u| u.expose_secret().to_owned())),
    ];
    for (var, url) in backends {
        match url.as_deref().map(url::Url::parse) {
            None => errors.push(format!("{who}: {var} is unset: the embedded default is one process only, not a deploy")),
            Some(Err(e)) => errors.push(format!("{who}: {var}: {e}")),
            Some(Ok(u)) => {
                let host = u.host_str().unwrap_or_default();
                if !services.contains_key(host) {
                    errors.push(format!("{who}: {var} names `{host}`, which is no service"));
                } else if !svc.depends_on.contains_key(host) {
                    errors.push(format!("{who}: uses {host} ({var}) without depending on it"));
                }
            }
        }
    }
}

/// Every hme container that calls another one's internal endpoints, and each one it
/// calls, carries the same `HME_SERVICE_TOKEN`.
fn check_tokens(services: &BTreeMap<String, Service>, errors: &mut Vec<String>) {
    use secrecy::ExposeSecret;
    let token = |s: &Service| s.settings.as_ref().and_then(|s| s.services.service_token.as_ref()).map(|t| t.expose_secret().to_owned()).filter(|t| !t.is_empty());
    for (name, svc) in services {
        let (Some(features), Some(s)) = (&svc.features, &svc.settings) else { continue };
        for (module, url) in service_urls(s).into_iter().filter(|(m, _)| !features.contains(*m)) {
            let host = url::Url::parse(&url).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default();
            let Some(target) = services.get(&host) else { continue };
            match (token(svc), token(target)) {
                (Some(a), Some(b)) if a == b => {}
                (None, _) => errors.push(format!("service {name}: calls {module} at {host} without HME_SERVICE_TOKEN")),
                (_, None) => errors.push(format!("service {host}: is called by {name} but has no HME_SERVICE_TOKEN (its internal endpoints are off)")),
                _ => errors.push(format!("service {name}: its HME_SERVICE_TOKEN differs from {host}'s")),
            }
        }
    }
}

/// The gateway: every public route reaches a container built with its module, and
/// nothing under `/internal` is routed.
fn check_gateway(nginx: &str, compose_text: &str, services: &BTreeMap<String, Service>, errors: &mut Vec<String>) {
    let mounted = "./deploy/gateway/nginx.conf";
    let gateways: Vec<(&String, &Service)> = services.iter().filter(|(_, s)| s.volumes.iter().any(|v| v.starts_with(mounted))).collect();
    let [(gw_name, gw)] = gateways.as_slice() else {
        errors.push(format!("expected exactly one service mounting {mounted}, found {}", gateways.len()));
        return;
    };
    let who = format!("gateway ({gw_name})");
    let conf = match gateway::parse(nginx) {
        Ok(c) => c,
        Err(e) => {
            errors.push(format!("{who}: {e}"));
            return;
        }
    };
    let published_containers: Vec<String> = yaml_docs(compose_text)
        .ok()
        .and_then(|d| d.first().and_then(|d| d.get("services")?.get(gw_name.as_str())?.get("ports").cloned()))
        .map(|p| published(&strings(Some(&p))).into_iter().map(|(_, c)| c).collect())
        .unwrap_or_default();
    for c in &published_containers {
        if !conf.listen.iter().any(|l| l.to_string() == *c) {
            errors.push(format!("{who}: publishes port {c}, but nginx listens on {:?}", conf.listen));
        }
    }
    // target (upstream or host:port) → the features of every container behind it
    let mut behind: BTreeMap<String, Vec<BTreeSet<String>>> = BTreeMap::new();
    for loc in &conf.locations {
        let Some(target) = &loc.proxy else { continue };
        if loc.path.starts_with("/internal") {
            errors.push(format!("{who}: routes {} to {target}: nothing under /internal may be routed", loc.path));
        }
        for server in conf.servers_of(target) {
            let (host, port) = server.rsplit_once(':').unwrap_or((server.as_str(), "80"));
            match services.get(host) {
                Some(t) if t.features.is_some() => {
                    if let Some(s) = &t.settings {
                        if port != s.server.port.to_string() {
                            errors.push(format!("{who}: sends {} to {host}:{port}, but {host} listens on {}", loc.path, s.server.port));
                        }
                    }
                    if !gw.depends_on.contains_key(host) {
                        errors.push(format!("{who}: proxies to {host} without depending on it"));
                    }
                    if !started_with(gw, t) {
                        errors.push(format!("{who}: proxies to {host}, which is not started in the same profiles"));
                    }
                    behind.entry(target.clone()).or_default().extend(t.features.clone());
                }
                _ => errors.push(format!("{who}: proxies {} to `{host}`, which is no hme service", loc.path)),
            }
        }
    }
    for route in routes() {
        match conf.resolve(&route.sample).and_then(|l| l.proxy.as_ref().map(|t| (l, t))) {
            None => errors.push(format!("{who}: {} is not routed", route.name)),
            Some((loc, target)) => {
                let sets = behind.get(target).cloned().unwrap_or_default();
                let serves = !sets.is_empty() && (route.module == "core" || sets.iter().all(|f| f.contains(&route.module)));
                if !serves {
                    errors.push(format!("{who}: {} ({} module) goes to {target} by `location {}`, which is not built with it", route.name, route.module, loc.path));
                }
            }
        }
    }
    for probe in internal_probes() {
        if let Some(target) = conf.resolve(&probe).and_then(|l| l.proxy.as_ref()) {
            errors.push(format!("{who}: {probe} is routed to {target}: nothing under /internal may be"));
        }
    }
}

#[test]
fn the_compose_file_and_its_gateway_match_the_binary() {
    let image = super::dockerfile::check(&super::read("Dockerfile"));
    let compose = check(&super::read("docker-compose.yml"), &super::read("deploy/gateway/nginx.conf"), &image);
    super::assert_clean("docker-compose.yml", &compose.errors);
    let split: Vec<&BTreeSet<String>> = compose.services.values().filter(|s| s.profiles.contains("split")).filter_map(|s| s.features.as_ref()).collect();
    for feature in cargo_features() {
        assert!(split.iter().any(|f| f.len() == 1 && f.contains(&feature)), "the split profile has no container built with only {feature}");
    }
    assert!(compose.services.values().any(|s| s.profiles.is_empty() && s.features.as_ref() == Some(&cargo_features())), "no all-in-one hme service");
}

#[test]
fn the_deployment_guide_documents_every_image_port_and_variable_of_the_compose_file() {
    let guide = super::read("migrations-docs/deployment.md");
    let section = guide.split("\n## The Compose services").nth(1).and_then(|s| s.split("\n## ").next()).unwrap_or_default();
    let doc = yaml_docs(&super::read("docker-compose.yml")).unwrap().remove(0);
    let mut missing = Vec::new();
    let mut need = |what: String, text: String| {
        if !section.contains(&text) {
            missing.push(what);
        }
    };
    for (name, svc) in doc["services"].as_mapping().unwrap() {
        let name = scalar(name).unwrap();
        need(format!("service {name}"), format!("`{name}`"));
        if let Some(image) = svc.get("image").and_then(scalar) {
            need(format!("image {image}"), format!("`{image}`"));
        }
        for (host, _) in published(&strings(svc.get("ports"))) {
            need(format!("{name}'s port {host:?}"), host.unwrap_or_default());
        }
        let mut errors = Vec::new();
        let args = svc.get("build").map(|b| key_values(b.get("args"), &mut errors, &name)).unwrap_or_default();
        for var in args.keys().chain(key_values(svc.get("environment"), &mut errors, &name).keys()) {
            need(format!("{name}'s variable {var}"), format!("`{var}`"));
        }
    }
    assert!(missing.is_empty(), "migrations-docs/deployment.md (The Compose services) does not mention: {missing:?}");
}
