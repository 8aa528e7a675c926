//! Segmenters that need no model: pre-segmented text and characters.

use super::{Feature, Span};

/// Words are the runs between whitespace (any Unicode whitespace, as `str::split_whitespace`).
pub fn whitespace<'s>(text: &str, out: &mut Vec<Span<'s>>) {
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push(Span { start: s, end: i, feature: Feature::NONE });
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(Span { start: s, end: text.len(), feature: Feature::NONE });
    }
}

/// Every character that is not whitespace is a word.
pub fn chars<'s>(text: &str, out: &mut Vec<Span<'s>>) {
    out.extend(text.char_indices().filter(|(_, c)| !c.is_whitespace()).map(|(i, c)| Span {
        start: i,
        end: i + c.len_utf8(),
        feature: Feature::NONE,
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(f: fn(&str, &mut Vec<Span<'static>>), t: &str) -> Vec<String> {
        let mut v = Vec::new();
        f(t, &mut v);
        v.iter().map(|s| t[s.start..s.end].to_string()).collect()
    }

    #[test]
    fn whitespace_and_chars() {
        assert_eq!(words(whitespace, " 今日 は\u{3000}晴れ  "), ["今日", "は", "晴れ"]);
        assert_eq!(words(chars, "日 本\t語"), ["日", "本", "語"]);
        assert!(words(whitespace, "   ").is_empty());
    }
}
