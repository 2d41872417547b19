//! Text fields from clients: what no stored name, address or message may contain.
//!
//! NUL and the other control characters break exports, logs and some drivers, and
//! bidirectional overrides (U+202A..U+202E, U+2066..U+2069) make a name display as
//! something else ("admin\u{202e}nimda"). Ordinary right-to-left text, combining marks
//! and emoji are fine.

/// Why `s` may not be stored, when it may not: the name of the first offending
/// character class. `multiline` allows line breaks and tabs (descriptions, messages).
pub fn forbidden_char(s: &str, multiline: bool) -> Option<&'static str> {
    s.chars().find_map(|c| match c {
        '\n' | '\r' | '\t' if multiline => None,
        '\0' => Some("a NUL character"),
        c if c.is_control() => Some("a control character"),
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => Some("a bidirectional override"),
        _ => None,
    })
}

/// `Err(message)` naming `field` and the problem when `s` has a forbidden character.
pub fn check(s: &str, field: &str, multiline: bool) -> Result<(), String> {
    match forbidden_char(s, multiline) {
        Some(what) => Err(format!("{field} must not contain {what}")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_any_script_pass_and_controls_and_overrides_do_not() {
        for ok in ["سماعات", "Kopfhörer 🎧 👨‍👩‍👧", "e\u{301}", "עברית 123"] {
            assert_eq!(forbidden_char(ok, false), None, "{ok}");
        }
        assert_eq!(forbidden_char("a\0b", true), Some("a NUL character"));
        assert_eq!(forbidden_char("a\u{7}b", false), Some("a control character"));
        assert_eq!(forbidden_char("line\nbreak", false), Some("a control character"));
        assert_eq!(forbidden_char("line\nbreak\ttab", true), None);
        assert_eq!(forbidden_char("admin\u{202e}nimda", true), Some("a bidirectional override"));
        assert_eq!(forbidden_char("x\u{2067}y", false), Some("a bidirectional override"));
        assert_eq!(check("a\0", "Name", false), Err("Name must not contain a NUL character".to_owned()));
    }
}
