//! The JazzCash `pp_*` form of a checkout (HTTP POST page redirection, version 1.1).

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
    /// `pp_Description`.
    pub description: &'a str,
    /// `pp_ReturnURL`.
    pub return_url: &'a str,
    /// When the transaction starts.
    pub now: DateTime<Utc>,
    /// Hours until it expires.
    pub expiry_hours: i64,
}

/// Pakistan time, in which JazzCash expects its dates.
fn pkt(d: DateTime<Utc>) -> String {
    match FixedOffset::east_opt(5 * 3600) {
        Some(o) => d.with_timezone(&o).format("%Y%m%d%H%M%S").to_string(),
        None => d.format("%Y%m%d%H%M%S").to_string(),
    }
}

/// `pp_Amount`: the amount in paisa (PKR x 100), as digits.
pub fn paisa(amount: f64) -> String {
    format!("{:.0}", (amount * 100.0).round())
}

/// A fresh `pp_TxnRefNo`: `T` + PKT date-time + 5 random digits (20 characters).
pub fn txn_ref(now: DateTime<Utc>) -> String {
    let digits = uuid::Uuid::new_v4().as_u128() % 100_000;
    format!("T{}{digits:05}", pkt(now))
}

/// The `pp_*` fields, `pp_SecureHash` included.
pub fn form(i: &FormInput<'_>) -> BTreeMap<String, String> {
    let mut f: BTreeMap<String, String> = [
        ("pp_Version", "1.1".to_owned()),
        ("pp_TxnType", "MWALLET".to_owned()),
        ("pp_Language", "EN".to_owned()),
        ("pp_MerchantID", i.merchant_id.to_owned()),
        ("pp_SubMerchantID", String::new()),
        ("pp_Password", i.password.to_owned()),
        ("pp_BankID", String::new()),
        ("pp_ProductID", String::new()),
        ("pp_TxnRefNo", i.txn_ref.to_owned()),
        ("pp_Amount", paisa(i.amount)),
        ("pp_TxnCurrency", "PKR".to_owned()),
        ("pp_TxnDateTime", pkt(i.now)),
        ("pp_BillReference", "billRef".to_owned()),
        ("pp_Description", i.description.to_owned()),
        ("pp_TxnExpiryDateTime", pkt(i.now + Duration::hours(i.expiry_hours))),
        ("pp_ReturnURL", i.return_url.to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let hash = secure_hash(i.salt, &f);
    f.insert("pp_SecureHash".to_owned(), hash);
    f
}
