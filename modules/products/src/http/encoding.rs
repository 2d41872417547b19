//! Content codings of cached bodies: which one a client accepts, and making it once.
//!
//! Cached bodies are compressed once per body (see [`crate::cache::CachedBody::encoded`])
//! and served with `Content-Encoding` set, so the HTTP layer's per-request compression
//! passes them through untouched. Brotli is offered here only, never per request: run
//! on every request, it held ~500 MB under load (migrations-docs/performance.md).

use std::io::Write;

use actix_web::http::header::{HeaderMap, ACCEPT_ENCODING};
use bytes::Bytes;

/// Brotli quality for cached bodies: made once per body, so well above the per-request
/// default (the list, ~300 KB, takes tens of milliseconds once).
const BROTLI_QUALITY: u32 = 9;
/// Largest brotli window (log2 bytes). The window used is the smallest that holds the
/// body: a larger one compresses no better and costs memory while compressing (4 MB of
/// ring buffer alone at 22).
const BROTLI_MAX_WINDOW: u32 = 22;
/// Smallest brotli window brotli accepts (log2 bytes).
const BROTLI_MIN_WINDOW: u32 = 10;

/// The brotli window for a body of `len` bytes.
fn brotli_window(len: usize) -> u32 {
    let bits = usize::BITS - len.max(1).saturating_sub(1).leading_zeros();
    bits.clamp(BROTLI_MIN_WINDOW, BROTLI_MAX_WINDOW)
}

/// A content coding we serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `br`.
    Brotli,
    /// `gzip`.
    Gzip,
    /// The body as is.
    Identity,
}

impl Encoding {
    /// The `Content-Encoding` value (None for identity).
    pub fn header_value(self) -> Option<&'static str> {
        match self {
            Encoding::Brotli => Some("br"),
            Encoding::Gzip => Some("gzip"),
            Encoding::Identity => None,
        }
    }
}

/// The coding to answer with, from `Accept-Encoding`: br over gzip (smaller), each only
/// when accepted with a quality above 0, by name or through `*`; identity otherwise.
pub fn negotiate(headers: &HeaderMap) -> Encoding {
    let (mut br, mut gzip, mut star) = (None::<bool>, None::<bool>, None::<bool>);
    for value in headers.get_all(ACCEPT_ENCODING).filter_map(|v| v.to_str().ok()) {
        for item in value.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim();
            let accepted = parts
                .filter_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
                .map(|q| q.trim().parse::<f32>().is_ok_and(|q| q > 0.0))
                .next_back()
                .unwrap_or(true);
            let slot = if name.eq_ignore_ascii_case("br") {
                &mut br
            } else if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
                &mut gzip
            } else if name == "*" {
                &mut star
            } else {
                continue;
            };
            *slot = Some(accepted);
        }
    }
    if br.or(star).unwrap_or(false) {
        Encoding::Brotli
    } else if gzip.or(star).unwrap_or(false) {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

/// `body` compressed with `encoding` (blocking: call off the async threads).
pub fn compress(encoding: Encoding, body: &[u8]) -> std::io::Result<Bytes> {
    match encoding {
        Encoding::Gzip => {
            let mut w = flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 4), flate2::Compression::best());
            w.write_all(body)?;
            w.finish().map(Bytes::from)
        }
        Encoding::Brotli => {
            let mut w = brotli::CompressorWriter::new(Vec::with_capacity(body.len() / 4), 64 * 1024, BROTLI_QUALITY, brotli_window(body.len()));
            w.write_all(body)?;
            Ok(Bytes::from(w.into_inner()))
        }
        Encoding::Identity => Ok(Bytes::copy_from_slice(body)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::io::Read;

    use actix_web::http::header::{HeaderMap, HeaderValue, ACCEPT_ENCODING};

    use super::*;

    fn accept(values: &[&str]) -> Encoding {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
        }
        negotiate(&h)
    }

    #[test]
    fn negotiation_follows_the_accept_encoding_header() {
        assert_eq!(accept(&[]), Encoding::Identity);
        assert_eq!(accept(&["gzip"]), Encoding::Gzip);
        assert_eq!(accept(&["br"]), Encoding::Brotli);
        assert_eq!(accept(&["gzip, deflate, br"]), Encoding::Brotli);
        assert_eq!(accept(&["gzip;q=1.0, br;q=0"]), Encoding::Gzip);
        assert_eq!(accept(&["br;q=0, gzip;q=0"]), Encoding::Identity);
        assert_eq!(accept(&["*"]), Encoding::Brotli);
        assert_eq!(accept(&["*;q=0.5, br;q=0"]), Encoding::Gzip);
        assert_eq!(accept(&["identity"]), Encoding::Identity);
        assert_eq!(accept(&["deflate", "GZIP"]), Encoding::Gzip);
    }

    #[test]
    fn the_brotli_window_is_the_smallest_holding_the_body() {
        assert_eq!(brotli_window(0), 10);
        assert_eq!(brotli_window(1024), 10);
        assert_eq!(brotli_window(1025), 11);
        assert_eq!(brotli_window(329_587), 19);
        assert_eq!(brotli_window(1 << 19), 19);
        assert_eq!(brotli_window(100 << 20), 22);
    }

    #[test]
    fn compressed_bodies_decompress_to_the_original() {
        let body: Vec<u8> = (0..5000).flat_map(|i: u32| format!("{{\"n\":{i}}},").into_bytes()).collect();
        let gz = compress(Encoding::Gzip, &body).unwrap();
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut back).unwrap();
        assert_eq!(back, body);
        let br = compress(Encoding::Brotli, &body).unwrap();
        let mut back = Vec::new();
        brotli::Decompressor::new(&br[..], 4096).read_to_end(&mut back).unwrap();
        assert_eq!(back, body);
        assert!(br.len() < body.len() / 4 && gz.len() < body.len() / 4);
    }
}
