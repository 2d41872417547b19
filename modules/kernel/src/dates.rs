//! Dates the way mongoose serializes them: ISO-8601, milliseconds, `Z`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serializer;

/// `2025-06-01T10:20:30.000Z`, as `Date.prototype.toJSON` writes it.
pub fn to_iso_millis(date: &DateTime<Utc>) -> String {
    date.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// serde helper: serialize a `DateTime<Utc>` as [`to_iso_millis`].
pub fn serialize_iso_millis<S: Serializer>(date: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&to_iso_millis(date))
}

/// Now, truncated to milliseconds (what BSON dates can hold).
pub fn now_millis() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_render_like_javascript_to_json() {
        let d = DateTime::from_timestamp_millis(1_748_773_230_000).unwrap_or_default();
        assert_eq!(to_iso_millis(&d), "2025-06-01T10:20:30.000Z");
    }
}
