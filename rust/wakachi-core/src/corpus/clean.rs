//! cl-tohoku's cleaning of one CirrusSearch page (`preprocess_text` in bert-japanese's
//! `make_corpus_wiki.py`), step by step and in its order:
//!
//! 1. NFKC;
//! 2. drop the characters Python's `str.isprintable()` rejects (every control, format, private-use,
//!    unassigned and separator character but the ASCII space — so no line break survives);
//! 3. footnote marks `\[\d+?\]`, then `\[要.+?\]`, then templates `\{\{+[^{}]+?\}\}+`;
//! 4. the breadcrumb `^.+? \> TITLE` (the title as given, not normalised);
//! 5. everything from the first `" ^ "` that has a character after it (`" \^ .+"`);
//! 6. annotations `\[(要出典|リンク切れ|.+?\?)\]`;
//! 7. runs of white space to one space, then strip.
//!
//! Each regular expression is a hand-written matcher with the semantics of Python's `re.sub`
//! (leftmost match, lazy/greedy as written, scanning resumes after a match, one pass over the
//! string as it was before that step). `\d` is Unicode's `Nd` and `\s` Python's `str.isspace()`.
//! After step 2 no `\n` is left, so `.` matches every character. The searches that look ahead
//! (`]`, `?]`) remember their last answer, so a page full of unclosed brackets stays linear.

use unicode_general_category::{get_general_category, GeneralCategory};

use crate::encode::normalize::{nfkc, py_split};
use crate::vocab::alphabet::is_printable;

/// cl-tohoku's cleaning of page `text` whose title is `title` (`None`: no breadcrumb removal, as
/// for a JSON `null` title).
pub fn clean(text: &str, title: Option<&str>) -> String {
    let t: String = nfkc(text).chars().filter(|&c| is_printable(c)).collect();
    let t = replace_all(&t, |s, i| footnote_mark(s, i).ok_or(i + 1));
    let mut yo = yo_mark();
    let t = replace_all(&t, |s, i| yo(s, i).ok_or(i + 1));
    let t = replace_all(&t, template);
    let t = match title {
        Some(title) => without_breadcrumb(&t, title),
        None => t,
    };
    let t = without_caret_tail(t);
    let mut ann = annotation();
    let t = replace_all(&t, |s, i| ann(s, i).ok_or(i + 1));
    py_split(&t).collect::<Vec<_>>().join(" ")
}

/// Whether a sentence holds an equation (`filter_text`: the literal `\displaystyle`).
pub fn has_displaystyle(sentence: &str) -> bool {
    sentence.contains("\\displaystyle")
}

/// Where a match tried at `i` ends (`Ok`), or where the next try may start (`Err`: every start
/// before it fails too).
type Try = std::result::Result<usize, usize>;

/// `re.sub(pattern, "", s)` for a pattern given as `matcher(s, i)`, tried at every `[` or `{`.
fn replace_all(s: &str, mut matcher: impl FnMut(&str, usize) -> Try) -> String {
    let mut out = String::with_capacity(s.len());
    let (mut at, mut copied) = (0, 0);
    while let Some(off) = s[at..].find(['[', '{']) {
        let i = at + off;
        match matcher(s, i) {
            Ok(end) => {
                out.push_str(&s[copied..i]);
                copied = end;
                at = end;
            }
            Err(next) => at = next,
        }
    }
    out.push_str(&s[copied..]);
    out
}

/// `\[\d+?\]`.
fn footnote_mark(s: &str, i: usize) -> Option<usize> {
    let rest = s[i..].strip_prefix('[')?;
    let digits: usize = rest
        .chars()
        .take_while(|&c| get_general_category(c) == GeneralCategory::DecimalNumber)
        .map(char::len_utf8)
        .sum();
    (digits > 0 && rest[digits..].starts_with(']')).then_some(i + 1 + digits + 1)
}

/// The first occurrence of `needle` at or after byte `from`, remembered between calls whose
/// `from` only grows.
struct NextOf {
    needle: &'static str,
    memo: Option<(usize, Option<usize>)>,
}

impl NextOf {
    fn new(needle: &'static str) -> Self {
        NextOf { needle, memo: None }
    }

    fn find(&mut self, s: &str, from: usize) -> Option<usize> {
        if let Some((asked, found)) = self.memo {
            if asked <= from && found.is_none_or(|f| f >= from) {
                return found;
            }
        }
        let found = s[from..].find(self.needle).map(|k| from + k);
        self.memo = Some((from, found));
        found
    }
}

/// The byte just after the character at `p`, if there is one.
fn after_one_char(s: &str, p: usize) -> Option<usize> {
    s[p..].chars().next().map(|c| p + c.len_utf8())
}

/// `\[要.+?\]`: `[要`, at least one character, up to the first `]` after it.
fn yo_mark() -> impl FnMut(&str, usize) -> Option<usize> {
    let mut close = NextOf::new("]");
    move |s, i| {
        let p = i + s[i..].strip_prefix("[要").map(|_| "[要".len())?;
        let q = after_one_char(s, p)?;
        close.find(s, q).map(|k| k + 1)
    }
}

/// `\{\{+[^{}]+?\}\}+`: two or more `{`, a non-empty run without braces, two or more `}`. A
/// failed try fails from every `{` of the same run, so the next try starts after it.
fn template(s: &str, i: usize) -> Try {
    let b = s.as_bytes();
    let open = b[i..].iter().take_while(|&&c| c == b'{').count();
    if open < 2 {
        return Err(i + open.max(1));
    }
    let body = i + open;
    let inner = b[body..].iter().take_while(|&&c| c != b'{' && c != b'}').count();
    let close_at = body + inner;
    let close = b[close_at..].iter().take_while(|&&c| c == b'}').count();
    if inner > 0 && close >= 2 {
        Ok(close_at + close)
    } else {
        Err(i + open)
    }
}

/// `\[(要出典|リンク切れ|.+?\?)\]`, its alternatives tried in order.
fn annotation() -> impl FnMut(&str, usize) -> Option<usize> {
    let mut close = NextOf::new("?]");
    move |s, i| {
        let rest = s[i..].strip_prefix('[')?;
        for word in ["要出典]", "リンク切れ]"] {
            if rest.starts_with(word) {
                return Some(i + 1 + word.len());
            }
        }
        let q = after_one_char(s, i + 1)?;
        close.find(s, q).map(|k| k + 2)
    }
}

/// `re.sub(r"^.+? \> " + re.escape(title), "", s)`: the shortest non-empty prefix followed by
/// `" > TITLE"`, with it, removed (once: `^` is the start of the string).
fn without_breadcrumb(s: &str, title: &str) -> String {
    let Some(first) = after_one_char(s, 0) else { return s.to_string() };
    let needle = format!(" > {title}");
    match s[first..].find(needle.as_str()) {
        Some(k) => s[first + k + needle.len()..].to_string(),
        None => s.to_string(),
    }
}

/// `re.sub(r" \^ .+", "", s)` on a string without `\n`: cut at the first `" ^ "` followed by a
/// character.
fn without_caret_tail(mut s: String) -> String {
    if let Some(k) = s.find(" ^ ") {
        if k + 3 < s.len() {
            s.truncate(k);
        }
    }
    s
}

#[cfg(test)]
#[path = "clean_test.rs"]
mod tests;
