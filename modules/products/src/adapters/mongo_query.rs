//! MongoDB filters and sorts of list queries.

use mongodb::bson::{doc, Bson, Document};

use crate::domain::{ProductFilter, SortOrder};

/// `s` with every regex metacharacter escaped, so user input matches literally. A NUL
/// becomes `\x00`: a BSON regex pattern is a C string, which cannot hold one (the driver
/// would refuse the whole query).
pub fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c == '\0' {
            out.push_str("\\x00");
            continue;
        }
        if "\\^$.|?*+()[]{}-/#&~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The MongoDB filter of `f`; text search uses `$text` when `text_index` is true,
/// else a case-insensitive regex over name, description and tags.
pub fn filter_document(f: &ProductFilter, text_index: bool) -> Document {
    let mut d = Document::new();
    if let Some(u) = &f.user_id {
        d.insert("userId", u.as_str());
    }
    if let Some(c) = &f.category {
        d.insert("category", c.as_str());
    }
    if let Some(q) = &f.text {
        if text_index {
            d.insert("$text", doc! {"$search": q.as_str()});
        } else {
            let re = Bson::RegularExpression(mongodb::bson::Regex { pattern: regex_escape(q), options: "i".into() });
            d.insert("$or", vec![doc! {"name": re.clone()}, doc! {"description": re.clone()}, doc! {"tags": re}]);
        }
    }
    let mut price = Document::new();
    if let Some(m) = f.min_price {
        price.insert("$gte", m);
    }
    if let Some(m) = f.max_price {
        price.insert("$lte", m);
    }
    if !price.is_empty() {
        d.insert("price", price);
    }
    if let Some(b) = f.in_stock {
        // A document without `inStock` is in stock (the schema default).
        d.insert("inStock", if b { doc! {"$ne": false} } else { doc! {"$eq": false} });
    }
    if let Some(b) = f.promotion {
        d.insert("promotion", if b { doc! {"$eq": true} } else { doc! {"$ne": true} });
    }
    d
}

/// The sort document of `s`, ties on `_id`; None for [`SortOrder::Natural`], which is
/// an unsorted `find` (MongoDB's natural order, what the legacy `Product.find({})` gave).
pub fn sort_document(s: SortOrder) -> Option<Document> {
    Some(match s {
        SortOrder::Natural => return None,
        SortOrder::PriceAsc => doc! {"price": 1, "_id": 1},
        SortOrder::PriceDesc => doc! {"price": -1, "_id": 1},
        SortOrder::DateAsc => doc! {"date": 1, "_id": 1},
        SortOrder::DateDesc => doc! {"date": -1, "_id": 1},
        SortOrder::SalesDesc => doc! {"sales": -1, "_id": 1},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_input_is_escaped() {
        assert_eq!(regex_escape("a.b*(c)"), "a\\.b\\*\\(c\\)");
        assert_eq!(regex_escape("usb c"), "usb c");
        assert_eq!(regex_escape("a\0b"), "a\\x00b");
    }
}
