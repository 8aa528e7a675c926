//! Integration tests of wakachi-core: one binary, one module per stage.
//!
//! Tests that need the PyPI MeCab dictionaries read their dicdirs from `WAKACHI_TEST_IPADIC` and
//! `WAKACHI_TEST_UNIDIC_LITE` (`make test` sets both from the venv); they fail when unset, so a
//! run that cannot see the dictionaries never passes silently.

mod mecab;
mod pack;
mod shards;

use std::path::PathBuf;

/// The dicdir named by `var`.
pub fn dicdir(var: &str) -> PathBuf {
    let p = std::env::var_os(var).unwrap_or_else(|| panic!("{var} is not set: run the tests through `make test`"));
    PathBuf::from(p)
}

/// A line-per-item slice of a shared corpus file.
pub fn corpus_lines(name: &str, n: usize) -> Vec<String> {
    let dir = std::env::var_os("WAKACHI_SHARED").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("../../../shared"));
    let text = std::fs::read_to_string(dir.join("corpora").join(name)).expect("shared corpora beside the repository");
    text.lines().filter(|l| !l.is_empty()).take(n).map(str::to_string).collect()
}
