//! Rows → one padded batch of `i64` arrays, row-major `[rows, len]`, as torch takes them.

use super::mask::mask_row;
use super::order::TAG_MASK;
use super::source::RowData;
use super::{LoaderConfig, MaskVocab, Objective};
use crate::error::{Error, Result};

/// Label of a position that is not predicted (PyTorch's `ignore_index`).
pub const IGNORE: i64 = -100;

/// A padded batch.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    /// Rows.
    pub rows: usize,
    /// Padded length.
    pub len: usize,
    /// `[rows, len]` token ids (padding: `[PAD]`).
    pub input_ids: Vec<i64>,
    /// `[rows, len]` 1 on tokens, 0 on padding.
    pub attention_mask: Vec<i64>,
    /// `[rows, len]` segment ids, for formats that store them.
    pub token_type_ids: Option<Vec<i64>>,
    /// `[rows, len]` the original id where a token is predicted, -100 elsewhere.
    pub labels: Vec<i64>,
    /// Flat indices (`row × len + position`), ascending, of the predicted positions (masked
    /// language modelling; empty for causal LM, where every labelled position is predicted).
    pub masked_index: Vec<i64>,
    /// `[rows]` NSP labels (`bert`): 1 random next, 0 true next, -100 for a row without B.
    pub next_sentence_label: Option<Vec<i64>>,
    /// `[rows]` each row's number in the directory (shards in manifest order, rows in file order).
    pub row_ids: Vec<i64>,
    /// Positions with a label (all rows).
    pub predicted: u64,
    /// Non-padding input tokens (all rows).
    pub tokens: u64,
}

/// Builds a batch from `rows` (each with its directory-wide row number, which keys its mask).
pub fn assemble(rows: &mut [(RowData, u64)], cfg: &LoaderConfig, vocab: &MaskVocab, epoch: u64) -> Result<Batch> {
    let causal = matches!(cfg.objective, Objective::Causal);
    let input_len = |r: &RowData| if causal { r.ids.len().saturating_sub(1) } else { r.ids.len() };
    let longest = rows.iter().map(|(r, _)| input_len(r)).max().unwrap_or(0);
    let len = match cfg.pad_to {
        Some(n) => {
            if longest > n {
                return Err(Error::Config(format!(
                    "a row of {longest} tokens does not fit pad_to={n} (use a length ≥ the shards' max_seq_length)"
                )));
            }
            n
        }
        None => longest.div_ceil(cfg.pad_multiple) * cfg.pad_multiple,
    };
    let n = rows.len();
    let has_segments = rows.iter().any(|(r, _)| !r.segments.is_empty());
    let has_nsp = matches!(cfg.objective, Objective::Static | Objective::Dynamic { .. })
        && rows.iter().any(|(r, _)| r.nsp.is_some() || !r.masked.is_empty());
    let mut b = Batch {
        rows: n,
        len,
        input_ids: vec![i64::from(vocab.pad_id); n * len],
        attention_mask: vec![0; n * len],
        token_type_ids: has_segments.then(|| vec![0; n * len]),
        labels: vec![IGNORE; n * len],
        masked_index: Vec::new(),
        next_sentence_label: has_nsp.then(|| vec![IGNORE; n]),
        row_ids: rows.iter().map(|(_, uid)| *uid as i64).collect(),
        predicted: 0,
        tokens: 0,
    };
    for (i, (row, uid)) in rows.iter_mut().enumerate() {
        let base = i * len;
        let predicted: Vec<(u32, u32)> = match &cfg.objective {
            Objective::Static => std::mem::take(&mut row.masked),
            Objective::Dynamic { mask } => {
                for &(p, orig) in &row.masked {
                    row.ids[p as usize] = orig;
                }
                mask_row(&mut row.ids, &row.starts, mask, vocab, &[TAG_MASK, cfg.seed, epoch, *uid])
            }
            Objective::Causal | Objective::None => Vec::new(),
        };
        let m = input_len(row);
        for (j, &id) in row.ids[..m].iter().enumerate() {
            b.input_ids[base + j] = i64::from(id);
            b.attention_mask[base + j] = 1;
        }
        let pads = row.ids[..m].iter().rev().take_while(|&&id| id == vocab.pad_id).count();
        b.tokens += (m - pads) as u64;
        if let Some(t) = b.token_type_ids.as_mut() {
            for (j, &s) in row.segments.iter().take(m).enumerate() {
                t[base + j] = i64::from(s);
            }
        }
        if causal {
            for (j, &id) in row.ids[1..].iter().enumerate() {
                b.labels[base + j] = i64::from(id);
            }
            b.predicted += m as u64;
        } else {
            for (p, orig) in predicted {
                b.labels[base + p as usize] = i64::from(orig);
                b.masked_index.push((base + p as usize) as i64);
                b.predicted += 1;
            }
        }
        if let Some(nsp) = b.next_sentence_label.as_mut() {
            nsp[i] = row.nsp.map_or(IGNORE, i64::from);
        }
    }
    Ok(b)
}
