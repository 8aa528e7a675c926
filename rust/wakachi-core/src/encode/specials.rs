//! Added (special) tokens such as `[MASK]`: transformers cuts them out of the text before the
//! word tokenizer sees it, leftmost match first, longest match at that position.

/// A piece of the input: text for the word tokenizer, or an added token's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'t> {
    /// Plain text.
    Text(&'t str),
    /// An added token.
    Token(u32),
}

/// The added tokens of a tokenizer (contents and ids).
#[derive(Debug, Clone)]
pub struct Specials {
    tokens: Vec<(String, u32)>,
    first_bytes: [bool; 256],
}

impl Default for Specials {
    fn default() -> Self {
        Specials { tokens: Vec::new(), first_bytes: [false; 256] }
    }
}

impl Specials {
    /// Adds `content` with `id`; empty contents are ignored, repeated ones keep the first id.
    pub fn add(&mut self, content: &str, id: u32) {
        if content.is_empty() || self.id(content).is_some() {
            return;
        }
        self.first_bytes[content.as_bytes()[0] as usize] = true;
        self.tokens.push((content.to_string(), id));
        // Longest first, so the first match at a position is the longest.
        self.tokens.sort_by_key(|t| std::cmp::Reverse(t.0.len()));
    }

    /// The id of an added token.
    pub fn id(&self, content: &str) -> Option<u32> {
        self.tokens.iter().find(|(t, _)| t == content).map(|&(_, id)| id)
    }

    /// The contents, longest first.
    pub fn contents(&self) -> impl Iterator<Item = &str> {
        self.tokens.iter().map(|(t, _)| t.as_str())
    }

    /// Calls `f` on each piece of `text` in order (no empty text pieces).
    pub fn split<'t>(&self, text: &'t str, mut f: impl FnMut(Piece<'t>)) {
        self.split_at(text, |p, _, _| f(p));
    }

    /// [`Specials::split`], also giving each piece's byte range in `text`.
    pub fn split_at<'t>(&self, text: &'t str, mut f: impl FnMut(Piece<'t>, usize, usize)) {
        let bytes = text.as_bytes();
        let (mut from, mut i) = (0, 0);
        while i < bytes.len() {
            if self.first_bytes[bytes[i] as usize] {
                if let Some((t, id)) = self.tokens.iter().find(|(t, _)| bytes[i..].starts_with(t.as_bytes())) {
                    if from < i {
                        f(Piece::Text(&text[from..i]), from, i);
                    }
                    f(Piece::Token(*id), i, i + t.len());
                    i += t.len();
                    from = i;
                    continue;
                }
            }
            i += 1;
        }
        if from < bytes.len() {
            f(Piece::Text(&text[from..]), from, bytes.len());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftmost_longest() {
        let mut s = Specials::default();
        s.add("[MASK]", 4);
        s.add("[CLS]", 2);
        s.add("ab", 7);
        s.add("abcd", 8);
        let mut out = Vec::new();
        s.split("x[MASK][CLS]yabcdabc[MAS", |p| out.push(p));
        use Piece::*;
        assert_eq!(out, [Text("x"), Token(4), Token(2), Text("y"), Token(8), Token(7), Text("c[MAS")]);
    }
}
