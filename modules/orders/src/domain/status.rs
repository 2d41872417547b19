//! The order lifecycle: "Order Placed" → "Processing" → "Shipped" → "Delivered", and
//! "Cancelled" before shipping.

use serde::{Deserialize, Serialize};

/// The statuses hme moves an order through (legacy orders may hold others; they
/// cannot be moved).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum OrderStatus {
    /// The initial status.
    #[serde(rename = "Order Placed")]
    Placed,
    /// The seller is preparing it.
    Processing,
    /// Handed to the courier.
    Shipped,
    /// Received by the customer.
    Delivered,
    /// Cancelled; its stock was returned.
    Cancelled,
}

impl OrderStatus {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Placed => "Order Placed",
            OrderStatus::Processing => "Processing",
            OrderStatus::Shipped => "Shipped",
            OrderStatus::Delivered => "Delivered",
            OrderStatus::Cancelled => "Cancelled",
        }
    }

    /// Parses the stored text; None for a status hme does not know.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Placed, Self::Processing, Self::Shipped, Self::Delivered, Self::Cancelled].into_iter().find(|v| v.as_str() == s)
    }

    /// Whether a seller may move an order from `self` to `to`: one step forward, or
    /// cancel before shipping.
    pub fn seller_may(self, to: Self) -> bool {
        use OrderStatus::{Cancelled, Delivered, Placed, Processing, Shipped};
        matches!((self, to), (Placed, Processing) | (Processing, Shipped) | (Shipped, Delivered) | (Placed | Processing, Cancelled))
    }

    /// Whether the customer may cancel an order in this status.
    pub fn customer_may_cancel(self) -> bool {
        self == OrderStatus::Placed
    }
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::*;

    #[test]
    fn sellers_move_one_step_forward_or_cancel_before_shipping() {
        assert!(Placed.seller_may(Processing) && Processing.seller_may(Shipped) && Shipped.seller_may(Delivered));
        assert!(Placed.seller_may(Cancelled) && Processing.seller_may(Cancelled));
        assert!(!Shipped.seller_may(Cancelled) && !Placed.seller_may(Shipped) && !Delivered.seller_may(Placed));
        assert!(!Cancelled.seller_may(Processing) && !Placed.seller_may(Placed));
    }

    #[test]
    fn customers_cancel_only_placed_orders() {
        assert!(Placed.customer_may_cancel());
        assert!(!Processing.customer_may_cancel());
    }
}
