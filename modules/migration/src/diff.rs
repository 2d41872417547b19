//! Structural JSON comparison with ignored fields: the differences as
//! `{path, legacy, hme}` entries, paths like `products[0].price`.

use serde::Serialize;
use serde_json::Value;

/// One difference between the legacy body and hme's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    /// Where: `$` is the root, `products[0].price` a nested field.
    pub path: String,
    /// The legacy value (absent: null).
    pub legacy: Value,
    /// hme's value (absent: null).
    pub hme: Value,
}

/// Which fields are ignored: key names at any depth, dotted paths (array indexes
/// left out: `products.date`), and exact learned paths (`products[0].date`).
#[derive(Debug, Clone, Default)]
pub struct Ignore<'a> {
    /// Configured volatile fields.
    pub volatile: &'a [String],
    /// Paths learned as noisy (Next.js differing from itself).
    pub noise: Vec<String>,
}

impl Ignore<'_> {
    fn skips(&self, path: &str, key_path: &str, key: &str) -> bool {
        self.volatile.iter().any(|v| v == key || v == key_path) || self.noise.iter().any(|n| n == path)
    }
}

/// Every difference between `legacy` and `hme`, at most `limit`.
pub fn diff(legacy: &Value, hme: &Value, ignore: &Ignore<'_>, limit: usize) -> Vec<Difference> {
    let mut out = Vec::new();
    walk(legacy, hme, "$", "", ignore, limit, &mut out);
    out
}

fn walk(a: &Value, b: &Value, path: &str, key_path: &str, ignore: &Ignore<'_>, limit: usize, out: &mut Vec<Difference>) {
    if out.len() >= limit {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))).collect();
            keys.sort();
            for k in keys {
                let p = if path == "$" { k.clone() } else { format!("{path}.{k}") };
                let kp = if key_path.is_empty() { k.clone() } else { format!("{key_path}.{k}") };
                if ignore.skips(&p, &kp, k) {
                    continue;
                }
                walk(x.get(k).unwrap_or(&Value::Null), y.get(k).unwrap_or(&Value::Null), &p, &kp, ignore, limit, out);
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                let p = format!("{path}[{i}]");
                walk(x.get(i).unwrap_or(&Value::Null), y.get(i).unwrap_or(&Value::Null), &p, key_path, ignore, limit, out);
            }
        }
        (Value::Number(x), Value::Number(y)) if x.as_f64() == y.as_f64() => {}
        _ if a == b => {}
        _ => out.push(Difference { path: path.to_owned(), legacy: a.clone(), hme: b.clone() }),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn differences_skip_volatile_fields_and_learned_noise() {
        let volatile = vec!["date".to_owned()];
        let ignore = Ignore { volatile: &volatile, noise: vec!["products[1].views".into()] };
        let a = json!({"success": true, "products": [{"price": 10, "date": "x"}, {"views": 1}]});
        let b = json!({"success": true, "products": [{"price": 10.0, "date": "y"}, {"views": 2}], "extra": 1});
        let d = diff(&a, &b, &ignore, 10);
        assert_eq!(d, vec![Difference { path: "extra".into(), legacy: Value::Null, hme: json!(1) }]);
    }
}
