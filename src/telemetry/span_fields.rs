//! The fields of a span as JSON, for the JSON log format: the object a log line written
//! inside the span carries under `span` (`request_id`, `method`, `path` of the request).
//!
//! `tracing-subscriber`'s own `JsonFields` gathers the fields into a map of
//! `serde_json::Value`s and serializes it: allocations for every field, done for every
//! span at its creation, logged or not. For the request span that was about 7,300
//! instructions of a cached `GET /api/product/{id}`'s 110,000 (callgrind, release
//! build). This writes each field straight into the span's buffer. What a log line
//! carries is the same object: the JSON event formatter parses the buffer back when it
//! writes a line (keys in the order they were recorded here; a JSON object's keys are
//! unordered, and the formatter's map sorts them as before).

use std::fmt::{self, Write};

use tracing::field::{Field, Visit};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FormatFields, FormattedFields};

/// Formats span fields as one JSON object (see the module doc).
#[derive(Debug, Default, Clone, Copy)]
pub struct JsonSpanFields;

impl<'writer> FormatFields<'writer> for JsonSpanFields {
    fn format_fields<R: RecordFields>(&self, mut writer: Writer<'writer>, fields: R) -> fmt::Result {
        // Written into a local buffer first: the writer is a `dyn Write` (a call per
        // piece) and the span's buffer would grow in steps; the request span's fields
        // fit in one allocation.
        let mut json = String::with_capacity(128);
        let mut visitor = Visitor { out: &mut json, first: true, result: Ok(()) };
        fields.record(&mut visitor);
        visitor.result?;
        if json.is_empty() {
            json.push('{'); // no field: still an object (the event formatter parses it)
        }
        json.push('}');
        writer.write_str(&json)
    }

    /// Fields recorded later (`span.record`) go before the closing brace; a field
    /// recorded twice appears twice, and the parse that reads the buffer keeps the last.
    fn add_fields(&self, current: &'writer mut FormattedFields<Self>, fields: &tracing::span::Record<'_>) -> fmt::Result {
        if current.fields.is_empty() || current.fields == "{}" {
            current.fields.clear();
            return self.format_fields(current.as_writer(), fields);
        }
        let closing = current.fields.pop();
        debug_assert_eq!(closing, Some('}'));
        let mut visitor = Visitor { out: &mut current.fields, first: false, result: Ok(()) };
        fields.record(&mut visitor);
        visitor.result?;
        current.fields.push('}');
        Ok(())
    }
}

struct Visitor<'a, W> {
    out: &'a mut W,
    first: bool,
    result: fmt::Result,
}

impl<W: Write> Visitor<'_, W> {
    /// Writes `"name":` (with the separator before it), then `value`.
    fn field(&mut self, field: &Field, value: impl FnOnce(&mut W) -> fmt::Result) {
        let name = field.name();
        let name = name.strip_prefix("r#").unwrap_or(name);
        if self.result.is_err() || name.starts_with("log.") {
            return;
        }
        self.result = (|| {
            self.out.write_char(if self.first { '{' } else { ',' })?;
            self.first = false;
            write_str(self.out, name)?;
            self.out.write_char(':')?;
            value(self.out)
        })();
    }
}

impl<W: Write> Visit for Visitor<'_, W> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        // as serde_json: a non-finite number is null
        self.field(field, |w| if value.is_finite() { write!(w, "{}", serde_json::Number::from_f64(value).map_or_else(String::new, |n| n.to_string())) } else { w.write_str("null") });
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.field(field, |w| write!(w, "{value}"));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.field(field, |w| write!(w, "{value}"));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.field(field, |w| w.write_str(if value { "true" } else { "false" }));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.field(field, |w| write_str(w, value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.field(field, |w| {
            w.write_char('"')?;
            write!(Escaped(w), "{value:?}")?;
            w.write_char('"')
        });
    }
}

/// `value` as a JSON string.
fn write_str(w: &mut impl Write, value: &str) -> fmt::Result {
    w.write_char('"')?;
    Escaped(w).write_str(value)?;
    w.write_char('"')
}

/// Escapes what it is given as the inside of a JSON string.
struct Escaped<'a, W: Write>(&'a mut W);

impl<W: Write> Write for Escaped<'_, W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // Bytes, not chars: what needs escaping is ASCII, and a multi-byte character's
        // bytes are all >= 0x80, so every cut below falls between characters.
        let mut start = 0;
        for (i, &b) in s.as_bytes().iter().enumerate() {
            let escape = match b {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0..0x20 => "",
                _ => continue,
            };
            self.0.write_str(&s[start..i])?;
            if escape.is_empty() {
                write!(self.0, "\\u{b:04x}")?;
            } else {
                self.0.write_str(escape)?;
            }
            start = i + 1;
        }
        self.0.write_str(&s[start..])
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use serde_json::{json, Value};
    use tracing_subscriber::layer::SubscriberExt;

    use super::JsonSpanFields;

    /// The log lines a JSON-format subscriber with these span fields writes.
    fn lines(run: impl FnOnce()) -> Vec<Value> {
        #[derive(Clone, Default)]
        struct Sink(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Sink {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let sink = Sink::default();
        let out = sink.clone();
        let layer = tracing_subscriber::fmt::layer().json().flatten_event(true).with_current_span(true).fmt_fields(JsonSpanFields).with_writer(move || out.clone());
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), run);
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
    }

    #[test]
    fn a_log_line_carries_its_span_fields_as_json_values() {
        let id = uuid::Uuid::nil();
        let got = lines(|| {
            let span = tracing::info_span!("request", request_id = %id, method = %"GET", path = "/api/x\"y\\z\n\u{1}é", n = 3_u64, neg = -2_i64, ok = true, ratio = 0.5, late = tracing::field::Empty);
            let _in = span.enter();
            tracing::info!("inside");
            span.record("late", 404_u16);
            tracing::info!("after a record");
        });
        let span = json!({"name": "request", "request_id": id.to_string(), "method": "GET", "path": "/api/x\"y\\z\n\u{1}é", "n": 3, "neg": -2, "ok": true, "ratio": 0.5});
        assert_eq!(got[0]["span"], span, "{}", got[0]);
        assert_eq!(got[1]["span"]["late"], json!(404), "{}", got[1]);
        assert_eq!(got[1]["span"]["path"], span["path"]);
    }

    #[test]
    fn a_span_without_fields_is_named_only_until_one_is_recorded() {
        let got = lines(|| {
            let span = tracing::info_span!("bare", late = tracing::field::Empty);
            let _in = span.enter();
            tracing::info!("inside");
            span.record("late", "now");
            tracing::info!("after a record");
        });
        assert_eq!(got[0]["span"], json!({"name": "bare"}));
        assert_eq!(got[1]["span"], json!({"name": "bare", "late": "now"}));
    }
}
