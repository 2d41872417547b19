//! The gateway's nginx configuration: parsed into upstreams and locations, and a
//! request path resolved the way nginx does (an exact `=` location first, else the
//! longest prefix). Regular-expression locations are refused, so that resolution is
//! exact.

use std::collections::BTreeMap;

/// One `location`.
#[derive(Debug, Clone)]
pub struct Location {
    /// `=`, `^~` or empty.
    pub modifier: String,
    /// The path or prefix.
    pub path: String,
    /// The `proxy_pass` target without its scheme (`hme-products`), if any.
    pub proxy: Option<String>,
}

/// The parsed configuration.
#[derive(Debug, Default)]
pub struct Gateway {
    /// `upstream` name → its `server host:port` entries.
    pub upstreams: BTreeMap<String, Vec<String>>,
    /// The `server` block's locations.
    pub locations: Vec<Location>,
    /// The ports it listens on.
    pub listen: Vec<u16>,
}

#[derive(Debug)]
struct Directive {
    name: String,
    args: Vec<String>,
    block: Option<Vec<Directive>>,
}

fn tokens(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '#' {
            while chars.next().is_some_and(|c| c != '\n') {}
        } else if matches!(c, '{' | '}' | ';') {
            out.push(c.to_string());
            chars.next();
        } else if matches!(c, '\'' | '"') {
            chars.next();
            let mut s = String::new();
            loop {
                match chars.next() {
                    Some(q) if q == c => break,
                    Some('\\') => s.extend(chars.next()),
                    Some(x) => s.push(x),
                    None => return Err("unterminated quoted string".into()),
                }
            }
            out.push(s);
        } else {
            let mut s = String::new();
            while let Some(&x) = chars.peek() {
                if x.is_whitespace() || matches!(x, '{' | '}' | ';') {
                    break;
                }
                s.push(x);
                chars.next();
            }
            out.push(s);
        }
    }
    Ok(out)
}

fn directives(tokens: &mut std::iter::Peekable<std::vec::IntoIter<String>>, nested: bool) -> Result<Vec<Directive>, String> {
    let mut out = Vec::new();
    while let Some(name) = tokens.next() {
        if name == "}" {
            return if nested { Ok(out) } else { Err("unbalanced `}`".into()) };
        }
        let mut args = Vec::new();
        loop {
            match tokens.next().as_deref() {
                Some(";") => {
                    out.push(Directive { name, args, block: None });
                    break;
                }
                Some("{") => {
                    let block = directives(tokens, true)?;
                    out.push(Directive { name, args, block: Some(block) });
                    break;
                }
                Some(arg) => args.push(arg.to_owned()),
                None => return Err(format!("`{name}` is not terminated")),
            }
        }
    }
    if nested { Err("missing `}`".into()) } else { Ok(out) }
}

/// Parses the configuration text.
pub fn parse(text: &str) -> Result<Gateway, String> {
    let mut it = tokens(text)?.into_iter().peekable();
    let top = directives(&mut it, false)?;
    let mut gateway = Gateway::default();
    for d in &top {
        match (d.name.as_str(), &d.block) {
            ("upstream", Some(block)) => {
                let name = d.args.first().cloned().ok_or("upstream without a name")?;
                let servers = block.iter().filter(|s| s.name == "server").filter_map(|s| s.args.first().cloned()).collect();
                gateway.upstreams.insert(name, servers);
            }
            ("server", Some(block)) => {
                for s in block {
                    match (s.name.as_str(), &s.block) {
                        ("listen", None) => gateway.listen.extend(s.args.first().and_then(|a| a.rsplit(':').next()?.parse::<u16>().ok())),
                        ("location", Some(body)) => {
                            let (modifier, path) = match s.args.as_slice() {
                                [path] => (String::new(), path.clone()),
                                [m, path] if m == "=" || m == "^~" => (m.clone(), path.clone()),
                                other => return Err(format!("location {other:?}: only prefix and `=` locations are allowed (no regular expressions)")),
                            };
                            let proxy = body.iter().find(|x| x.name == "proxy_pass").and_then(|x| x.args.first()).map(|t| t.trim_start_matches("http://").trim_end_matches('/').to_owned());
                            gateway.locations.push(Location { modifier, path, proxy });
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    Ok(gateway)
}

impl Gateway {
    /// The location nginx picks for `path`.
    pub fn resolve(&self, path: &str) -> Option<&Location> {
        if let Some(exact) = self.locations.iter().find(|l| l.modifier == "=" && l.path == path) {
            return Some(exact);
        }
        self.locations.iter().filter(|l| l.modifier != "=" && path.starts_with(&l.path)).max_by_key(|l| l.path.len())
    }

    /// The `host:port` entries a `proxy_pass` target stands for.
    pub fn servers_of(&self, target: &str) -> Vec<String> {
        self.upstreams.get(target).cloned().unwrap_or_else(|| vec![target.to_owned()])
    }
}
