//! The emails' bodies: the legacy order confirmation (customer), new-order notice
//! (owner) and the status update. Every user-provided value goes through
//! [`escape_html`] in the HTML part.

use std::fmt::Write;

use crate::mail::{escape_html as e, Email};
use crate::payload::{display_date, OrderCreated, StatusChanged};

/// Money as the shop shows it: `Rs. 1,250` (two decimals only when not whole).
pub fn money(currency: &str, v: f64) -> String {
    let whole = v.trunc() as i64;
    let mut digits = whole.abs().to_string();
    let mut i = digits.len() as i64 - 3;
    while i > 0 {
        digits.insert(i as usize, ',');
        i -= 3;
    }
    let sign = if v < 0.0 { "-" } else { "" };
    let cents = ((v.abs().fract()) * 100.0).round() as i64;
    if cents == 0 { format!("{currency} {sign}{digits}") } else { format!("{currency} {sign}{digits}.{cents:02}") }
}

fn or_dash(v: &Option<String>) -> &str {
    v.as_deref().filter(|s| !s.is_empty()).unwrap_or("-")
}

fn text(v: &Option<String>) -> String {
    v.as_deref().map(str::trim).unwrap_or_default().to_owned()
}

fn address_lines(o: &OrderCreated) -> Vec<String> {
    let a = &o.address;
    let pin = a.pin_code.as_ref().map(ToString::to_string).unwrap_or_default();
    let city = [text(&a.city), text(&a.state), pin].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(", ");
    let mut lines: Vec<String> = [text(&a.full_name), text(&a.area), city, text(&a.phone_number)].into_iter().filter(|s| !s.is_empty()).collect();
    let free = text(&a.text);
    if lines.is_empty() && !free.is_empty() {
        lines.push(free);
    }
    lines
}

/// The customer's name: the profile's, else the address's recipient, else "there".
fn greeting(o: &OrderCreated) -> String {
    let name = text(&o.customer.name);
    if !name.is_empty() {
        return name;
    }
    let recipient = text(&o.address.full_name);
    if recipient.is_empty() { "there".to_owned() } else { recipient }
}

fn order_text(o: &OrderCreated, cur: &str) -> String {
    let mut t = format!("Order: {}\nDate: {}\nStatus: {}\n\nItems:\n", o.order_id, display_date(&o.date), o.status);
    for i in &o.items {
        let _ = writeln!(t, "- {} x {} @ {} = {}", i.name, i.quantity, money(cur, i.unit_price), money(cur, i.total()));
    }
    let _ = write!(t, "\nShipping: {}\nTotal: {}\nPayment: {} ({})\n", money(cur, o.shipping_fee), money(cur, o.amount), o.payment_method, o.payment_status);
    let _ = write!(t, "\nDeliver to:\n{}\n", address_lines(o).join("\n"));
    let c = &o.courier;
    let _ = write!(t, "\nCourier: {}\nTracking number: {}\nCourier status: {}\n", or_dash(&c.courier_name), or_dash(&c.courier_tracking_number), or_dash(&c.courier_status));
    t
}

fn order_html(o: &OrderCreated, cur: &str) -> String {
    let mut h = format!(
        "<p><strong>Order:</strong> {}<br><strong>Date:</strong> {}<br><strong>Status:</strong> {}</p>\n<table border=\"1\" cellpadding=\"6\" cellspacing=\"0\"><tr><th>Product</th><th>Qty</th><th>Unit price</th><th>Total</th></tr>\n",
        e(&o.order_id), e(&display_date(&o.date)), e(&o.status)
    );
    for i in &o.items {
        let _ = writeln!(h, "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", e(&i.name), i.quantity, e(&money(cur, i.unit_price)), e(&money(cur, i.total())));
    }
    let _ = write!(
        h,
        "</table>\n<p>Shipping: {}<br><strong>Total: {}</strong><br>Payment: {} ({})</p>\n",
        e(&money(cur, o.shipping_fee)), e(&money(cur, o.amount)), e(&o.payment_method), e(&o.payment_status)
    );
    let addr: Vec<String> = address_lines(o).iter().map(|l| e(l)).collect();
    let _ = writeln!(h, "<p><strong>Deliver to:</strong><br>{}</p>", addr.join("<br>"));
    let c = &o.courier;
    let _ = writeln!(
        h,
        "<p><strong>Courier:</strong> {}<br><strong>Tracking number:</strong> {}<br><strong>Courier status:</strong> {}</p>",
        e(or_dash(&c.courier_name)), e(or_dash(&c.courier_tracking_number)), e(or_dash(&c.courier_status))
    );
    h
}

fn wrap(shop: &str, body: &str) -> String {
    format!("<!doctype html><html><body style=\"font-family:sans-serif\">\n{body}<p>— {}</p>\n</body></html>\n", e(shop))
}

/// The customer's order confirmation.
pub fn customer_order_email(o: &OrderCreated, to: &str, shop: &str, cur: &str) -> Email {
    let name = greeting(o);
    let name = name.as_str();
    Email {
        to: vec![to.to_owned()],
        subject: format!("Your {shop} order {} is confirmed", o.order_id),
        text: format!("Hi {name},\n\nThank you for your order. Here are the details.\n\n{}\n— {shop}\n", order_text(o, cur)),
        html: wrap(shop, &format!("<p>Hi {},</p>\n<p>Thank you for your order. Here are the details.</p>\n{}", e(name), order_html(o, cur))),
    }
}

/// The shop owner's new-order notice.
pub fn owner_order_email(o: &OrderCreated, to: &str, shop: &str, cur: &str) -> Email {
    let name = text(&o.customer.name);
    let who = match (name.as_str(), o.customer.email.as_deref().map(str::trim).filter(|m| !m.is_empty())) {
        (n, Some(m)) if !n.is_empty() => format!("{n} <{m}>"),
        (_, Some(m)) => m.to_owned(),
        (n, None) if !n.is_empty() => n.to_owned(),
        _ => match text(&o.address.full_name) {
            r if r.is_empty() => o.user_id.clone(),
            r => format!("{r} (no profile yet)"),
        },
    };
    Email {
        to: vec![to.to_owned()],
        subject: format!("New order {} — {}", o.order_id, money(cur, o.amount)),
        text: format!("A new order was placed by {who} (user {}).\n\n{}", o.user_id, order_text(o, cur)),
        html: wrap(shop, &format!("<p>A new order was placed by {} (user {}).</p>\n{}", e(&who), e(&o.user_id), order_html(o, cur))),
    }
}

/// The customer's status update.
pub fn status_email(s: &StatusChanged, to: &str, shop: &str) -> Email {
    let name = text(&s.customer.name);
    let name = if name.is_empty() { "there" } else { name.as_str() };
    let from = s.from.as_deref().map(|f| format!(" (was {f})")).unwrap_or_default();
    let when = display_date(&s.at);
    Email {
        to: vec![to.to_owned()],
        subject: format!("Your {shop} order {} is now {}", s.order_id, s.to),
        text: format!("Hi {name},\n\nYour order {} is now: {}{from}.\n{}\n— {shop}\n", s.order_id, s.to, if when.is_empty() { String::new() } else { format!("Updated: {when}\n") }),
        html: wrap(
            shop,
            &format!(
                "<p>Hi {},</p>\n<p>Your order <strong>{}</strong> is now: <strong>{}</strong>{}.</p>\n<p>{}</p>\n",
                e(name), e(&s.order_id), e(&s.to), e(&from), e(&when)
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_groups_thousands_and_keeps_cents() {
        assert_eq!(money("Rs.", 1250.0), "Rs. 1,250");
        assert_eq!(money("Rs.", 1234567.5), "Rs. 1,234,567.50");
        assert_eq!(money("Rs.", 99.0), "Rs. 99");
    }

    #[test]
    fn user_values_are_escaped_in_html() {
        let o: OrderCreated = serde_json::from_value(serde_json::json!({
            "orderId": "o1", "customer": {"name": "<script>x</script>", "email": "a@b.c"},
            "items": [{"productId": "p", "name": "A & B <i>", "unitPrice": 10, "quantity": 1}], "amount": 260
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let m = customer_order_email(&o, "a@b.c", "HME", "Rs.");
        assert!(!m.html.contains("<script>") && m.html.contains("&lt;script&gt;"), "{}", m.html);
        assert!(m.html.contains("A &amp; B &lt;i&gt;"), "{}", m.html);
    }
}
