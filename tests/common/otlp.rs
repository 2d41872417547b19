//! The test OTLP receiver (scripts/otlp_receiver.py: decodes the published protobuf
//! format, one JSON line per span) and the checks made on what it received: one trace,
//! found by its id, whose spans name their parents.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hme_kernel::testing::service_env;
use serde_json::Value;

use super::Proc;

/// Starts scripts/otlp_receiver.py on a free port writing to `out` (refusing the first
/// `fail_first` exports); None when the test services (its venv) are not set up.
pub fn start_receiver(out: &Path, fail_first: u32) -> Option<(Proc, u16)> {
    let python = service_env("HME_TEST_PYTHON")?;
    let script = service_env("HME_TEST_OTLP_RECEIVER")?;
    let mut child = Command::new(python)
        .args([script.as_str(), "--port", "0", "--out", out.to_str().unwrap(), "--fail-first", &fail_first.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let port = line.trim().strip_prefix("listening ").unwrap_or_else(|| panic!("receiver: {line:?}")).parse().unwrap();
    Some((Proc(child), port))
}

/// The environment that turns tracing on, exporting to the receiver on `port` with the
/// standard variables: every span sampled, batches sent every 100 ms.
pub fn tracing_env(port: u16) -> Vec<(String, String)> {
    [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://127.0.0.1:{port}")),
        ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio".to_owned()),
        ("OTEL_TRACES_SAMPLER_ARG", "1.0".to_owned()),
        ("OTEL_BSP_SCHEDULE_DELAY", "100".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// The spans received so far.
pub fn spans(out: &Path) -> Vec<Value> {
    std::fs::read_to_string(out).unwrap_or_default().lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

/// Polls until `done` holds for the received spans (at most 30 s).
pub async fn wait_spans(out: &Path, what: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let s = spans(out);
        if done(&s) {
            return s;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{what}: not received within 30 s; got {:#?}", s.iter().map(|s| (&s["service"], &s["name"], &s["trace_id"])).collect::<Vec<_>>());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A random W3C trace id and span id (the caller's, as a gateway would send them).
pub fn caller_context() -> (String, String) {
    let id = uuid::Uuid::new_v4().simple().to_string();
    (id, uuid::Uuid::new_v4().simple().to_string()[..16].to_owned())
}

/// The spans of one trace.
pub struct Trace<'a> {
    pub id: String,
    pub spans: Vec<&'a Value>,
}

impl<'a> Trace<'a> {
    /// The spans of `all` whose trace id is `id`.
    pub fn of(all: &'a [Value], id: &str) -> Self {
        Self { id: id.to_owned(), spans: all.iter().filter(|s| s["trace_id"] == id).collect() }
    }

    /// Whether a span of `service` named `name` is in the trace.
    pub fn has(&self, service: &str, name: &str) -> bool {
        self.spans.iter().any(|s| s["service"] == service && s["name"] == name)
    }

    /// The spans of `service` whose name starts with `prefix`.
    pub fn all(&self, service: &str, prefix: &str) -> Vec<&'a Value> {
        self.spans.iter().copied().filter(|s| s["service"] == service && s["name"].as_str().is_some_and(|n| n.starts_with(prefix))).collect()
    }

    /// The one span of `service` named `name`; fails showing the trace when there is none
    /// or more than one.
    pub fn one(&self, service: &str, name: &str) -> &'a Value {
        let found: Vec<&Value> = self.spans.iter().copied().filter(|s| s["service"] == service && s["name"] == name).collect();
        assert_eq!(found.len(), 1, "{} span(s) {name:?} of {service} in trace {}:\n{}", found.len(), self.id, self.tree());
        found[0]
    }

    /// The span with id `span_id`.
    pub fn by_id(&self, span_id: &str) -> Option<&'a Value> {
        self.spans.iter().copied().find(|s| s["span_id"] == span_id)
    }

    /// `child`'s parent is `parent`.
    pub fn assert_parent(&self, child: &Value, parent: &Value) {
        assert_eq!(
            child["parent_span_id"], parent["span_id"],
            "the parent of {} ({}) is not {} ({}):\n{}",
            child["name"], child["service"], parent["name"], parent["service"], self.tree()
        );
    }

    /// Whether `ancestor` is `span`'s parent, its parent's parent...
    pub fn descends_from(&self, span: &Value, ancestor: &Value) -> bool {
        let mut at = span;
        for _ in 0..64 {
            if at["parent_span_id"] == ancestor["span_id"] {
                return true;
            }
            match self.by_id(at["parent_span_id"].as_str().unwrap_or_default()) {
                Some(p) => at = p,
                None => return false,
            }
        }
        false
    }

    /// Every span but the root has its parent in the trace; the root's parent is
    /// `root_parent` (the caller's span, or "" for a trace started here).
    pub fn assert_connected(&self, root_parent: &str) {
        for s in &self.spans {
            let parent = s["parent_span_id"].as_str().unwrap();
            assert!(self.by_id(parent).is_some() || parent == root_parent, "span {} ({}) has parent {parent}, which is not in the trace:\n{}", s["name"], s["service"], self.tree());
        }
    }

    /// The trace as an indented tree (`service: name [kind]`), for failure messages.
    pub fn tree(&self) -> String {
        let mut children: HashMap<&str, Vec<&Value>> = HashMap::new();
        for s in &self.spans {
            children.entry(s["parent_span_id"].as_str().unwrap_or_default()).or_default().push(s);
        }
        for list in children.values_mut() {
            list.sort_by_key(|s| s["start"].as_u64());
        }
        let mut out = String::new();
        let roots: Vec<&Value> = self.spans.iter().copied().filter(|s| self.by_id(s["parent_span_id"].as_str().unwrap_or_default()).is_none()).collect();
        fn walk(out: &mut String, s: &Value, depth: usize, children: &HashMap<&str, Vec<&Value>>) {
            out.push_str(&format!("{}{}: {} [{}]\n", "  ".repeat(depth), s["service"].as_str().unwrap_or(""), s["name"].as_str().unwrap_or(""), s["kind"].as_str().unwrap_or("")));
            for c in children.get(s["span_id"].as_str().unwrap_or_default()).into_iter().flatten() {
                walk(out, c, depth + 1, children);
            }
        }
        for r in roots {
            walk(&mut out, r, 0, &children);
        }
        out
    }
}
