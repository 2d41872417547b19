//! The JazzCash `pp_*` form of a checkout (HTTP POST page redirection, version 1.1):
//! the legacy handler's field set and values, except `pp_Amount`, which is the amount
//! computed on the server as a whole number of paisa (the legacy sent the client's
//! amount x 100 as a float string, e.g. "1998.9999999999998").

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, FixedOffset, Utc};

use super::hash::secure_hash;

/// What the form is built from.
pub struct FormInput<'a> {
    /// `JAZZCASH_MERCHANT_ID`.
    pub merchant_id: &'a str,
    /// `JAZZCASH_PASSWORD`.
    pub password: &'a str,
    /// `JAZZCASH_INTEGRITY_SALT`.
    pub salt: &'a str,
    /// `pp_TxnRefNo` (also the order's `paymentTxnRef`).
    pub txn_ref: &'a str,
    /// The amount computed on the server, PKR.
    pub amount: f64,
    /// `pp_BillReference`: the order's `_id` (hex), as the legacy sent it.
    pub bill_reference: &'a str,
    /// `pp_ReturnURL`.
    pub return_url: &'a str,
    /// When the transaction starts.
    pub now: DateTime<Utc>,
    /// Hours until it expires.
    pub expiry_hours: i64,
}

/// `pp_Description`, the legacy text.
pub const DESCRIPTION: &str = "HMElectronics Order Checkout Payment Request";

/// `YYYYMMDDHHMMSS` in Pakistan time (UTC+5), in which JazzCash reads its dates (the
/// legacy printed the server's local time: the same on a server set to PKT).
pub fn pkt(d: DateTime<Utc>) -> String {
    match FixedOffset::east_opt(5 * 3600) {
        Some(o) => d.with_timezone(&o).format("%Y%m%d%H%M%S").to_string(),
        None => d.format("%Y%m%d%H%M%S").to_string(),
    }
}

/// `pp_Amount`: the amount in paisa (PKR x 100), as digits.
pub fn paisa(amount: f64) -> String {
    format!("{:.0}", (amount * 100.0).round())
}

/// Whether a received `pp_Amount` is `amount` PKR: hme's whole paisa, or the legacy's
/// float string (amount x 100 in JS, e.g. "1998.9999999999998" for 19.99), within half
/// a paisa.
pub fn amount_matches(received: &str, amount: f64) -> bool {
    received.trim().parse::<f64>().is_ok_and(|p| p.is_finite() && (p - amount * 100.0).abs() < 0.5)
}

/// `pp_TxnRefNo` as the legacy made it: `TXN` + `pp_TxnDateTime` (17 characters).
/// Two checkouts in the same second share it, as they did on the legacy; the callback
/// finds the order by `pp_BillReference` (the order id) first, so they cannot be mixed
/// up here (JazzCash may refuse the second as a duplicate reference).
pub fn txn_ref(now: DateTime<Utc>) -> String {
    format!("TXN{}", pkt(now))
}

/// The `pp_*` fields, `pp_SecureHash` included.
pub fn form(i: &FormInput<'_>) -> BTreeMap<String, String> {
    let mut f: BTreeMap<String, String> = [
        ("pp_Version", "1.1".to_owned()),
        ("pp_TxnType", "MWALLET".to_owned()),
        ("pp_Language", "EN".to_owned()),
        ("pp_MerchantID", i.merchant_id.to_owned()),
        ("pp_Password", i.password.to_owned()),
        ("pp_TxnRefNo", i.txn_ref.to_owned()),
        ("pp_Amount", paisa(i.amount)),
        ("pp_TxnCurrency", "PKR".to_owned()),
        ("pp_TxnDateTime", pkt(i.now)),
        ("pp_BillReference", i.bill_reference.to_owned()),
        ("pp_Description", DESCRIPTION.to_owned()),
        ("pp_TxnExpiryDateTime", pkt(i.now + Duration::hours(i.expiry_hours))),
        ("pp_ReturnURL", i.return_url.to_owned()),
        ("pp_BankID", "TBANK".to_owned()),
        ("pp_ProductID", "RETL".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let hash = secure_hash(i.salt, &f);
    f.insert("pp_SecureHash".to_owned(), hash);
    f
}
