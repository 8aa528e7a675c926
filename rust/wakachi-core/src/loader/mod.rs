//! Stage 5: shards → training batches, on a background thread, in an order that is a pure
//! function of (seed, epoch), with dynamic masking keyed by (seed, epoch, row) and a state of
//! (epoch, global rows consumed) from which any world size resumes exactly.
//!
//! - [`source`]: the directory — manifest, memory-mapped shards checked before the first batch;
//! - [`order`]: the epoch's row order, global batches and each rank's slice of them;
//! - [`mask`]: the dynamic masking rules (RoBERTa/Google budget, UER exact count, ELECTRA);
//! - [`batch`]: rows → padded `i64` arrays (ids, attention, segments, labels, predicted
//!   positions, NSP labels), laid out as torch wants them.
//!
//! One call of [`Loader::next_step`] hands over one global batch's share of this rank, cut into
//! `micro_batches` micro-batches (gradient accumulation), each padded on its own.

pub mod batch;
pub mod mask;
pub mod order;
pub mod source;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use serde::Deserialize;

pub use batch::Batch;
pub use mask::{MaskConfig, MaskRule, MaskVocab};
pub use source::{ShardFetch, Source};

use crate::error::{Error, Result};
use order::{rank_slice, row_permutation, EpochOrder};
use source::{RowData, ShardData};

/// What the loader makes of a row.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Objective {
    /// The masks stored in the shard (`bert`): labels from `masked_positions`/`masked_ids`.
    Static,
    /// A new mask per (seed, epoch, row); stored masks (if any) are undone first.
    Dynamic {
        /// The masking policy.
        mask: MaskConfig,
    },
    /// Causal LM: inputs `row[:-1]`, labels `row[1:]`.
    Causal,
    /// Inputs only (labels all -100): evaluation or feature extraction.
    None,
}

/// Settings of a loader (the Python API fills every field).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoaderConfig {
    /// The shard directory.
    pub dir: PathBuf,
    /// Rows per global batch (all ranks, all micro-batches of a step).
    pub global_batch: u64,
    /// Micro-batches per step and rank.
    pub micro_batches: u64,
    /// This rank.
    pub rank: u64,
    /// Number of ranks.
    pub world_size: u64,
    /// Seed of the order and the masks.
    pub seed: u64,
    /// Permute shards and rows per epoch (false: the directory's order).
    pub shuffle: bool,
    /// Stop after this many epochs (`None`: endless).
    pub epochs: Option<u64>,
    /// Pad every batch to this length (static shapes); `None`: to the longest row, rounded up.
    pub pad_to: Option<usize>,
    /// Round the longest row up to a multiple of this.
    pub pad_multiple: usize,
    /// Labels.
    pub objective: Objective,
    /// Ids besides `[CLS]`, `[SEP]`, `[MASK]`, `[PAD]` never masked nor drawn as replacements.
    pub special_ids: Vec<u32>,
    /// Check every shard's sha256 before the first batch.
    pub verify_sha256: bool,
    /// Steps assembled ahead.
    pub prefetch: usize,
}

/// What a directory holds, for the caller's checks.
#[derive(Debug, Clone)]
pub struct Info {
    /// Instance format (`bert`, `roberta`, …).
    pub format: String,
    /// Vocabulary size.
    pub vocab_size: u32,
    /// `[CLS]`, `[SEP]`, `[MASK]`, `[PAD]`.
    pub specials: [u32; 4],
    /// Rows in the directory.
    pub rows: u64,
    /// Shards.
    pub shards: usize,
    /// Longest row the format writes.
    pub max_row_len: usize,
    /// The tokenizer fingerprint recorded by `pack`.
    pub tokenizer: String,
    /// The resolved pack settings (JSON).
    pub settings: serde_json::Value,
}

/// Where the stream stands: the next global batch is rows `[samples, samples + G)` of `epoch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct State {
    /// Epoch.
    pub epoch: u64,
    /// Rows of the epoch consumed by completed global batches (a multiple of the global batch).
    pub samples: u64,
}

/// One step's micro-batches for this rank.
#[derive(Debug)]
pub struct Step {
    /// Its epoch.
    pub epoch: u64,
    /// Its global batch index within the epoch.
    pub index: u64,
    /// Micro-batches.
    pub batches: Vec<Batch>,
}

/// The result of waiting for a step.
#[derive(Debug)]
pub enum Next {
    /// The next step.
    Step(Step),
    /// The last epoch is done.
    End,
    /// Not ready within the timeout.
    Pending,
}

/// Reads a shard directory as a stream of steps.
pub struct Loader {
    cfg: Arc<LoaderConfig>,
    source: Arc<Source>,
    vocab: Arc<MaskVocab>,
    info: Info,
    state: State,
    worker: Option<Worker>,
}

struct Worker {
    rx: Receiver<Result<Option<Step>>>,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Unblock a producer waiting on a full channel, then wait for it.
        while self.rx.try_recv().is_ok() {}
        if let Some(h) = self.handle.take() {
            while !h.is_finished() {
                while self.rx.try_recv().is_ok() {}
                std::thread::sleep(Duration::from_millis(1));
            }
            let _ = h.join();
        }
    }
}

impl Loader {
    /// Opens the directory and checks the settings against it; no batch is built yet.
    pub fn open(cfg: LoaderConfig) -> Result<Loader> {
        Loader::open_with(cfg, None)
    }

    /// [`Loader::open`]; with `fetch`, the directory holds only the manifest and each shard is
    /// fetched when first needed (see [`Source::open_fetched`]).
    pub fn open_with(cfg: LoaderConfig, fetch: Option<Arc<dyn ShardFetch>>) -> Result<Loader> {
        let conf = |m: String| Err(Error::Config(m));
        if cfg.world_size == 0 || cfg.rank >= cfg.world_size {
            return conf(format!("rank {} is not in a world of {}", cfg.rank, cfg.world_size));
        }
        if cfg.micro_batches == 0 || cfg.global_batch == 0 {
            return conf("global_batch and micro_batches must be > 0".into());
        }
        if !cfg.global_batch.is_multiple_of(cfg.world_size * cfg.micro_batches) {
            return conf(format!(
                "the global batch of {} rows does not divide into {} ranks × {} micro-batches",
                cfg.global_batch, cfg.world_size, cfg.micro_batches
            ));
        }
        if cfg.pad_multiple == 0 || cfg.prefetch == 0 {
            return conf("pad_multiple and prefetch must be > 0".into());
        }
        let source = match fetch {
            None => Source::open(&cfg.dir, cfg.verify_sha256)?,
            Some(f) => Source::open_fetched(&cfg.dir, cfg.verify_sha256, f)?,
        };
        let info = info(&source)?;
        if let Objective::Static = cfg.objective {
            if info.format != "bert" {
                return conf(format!(
                    "{}: static masks need `bert` shards (format {:?} stores no masks; use dynamic masking)",
                    cfg.dir.display(),
                    info.format
                ));
            }
        }
        if let Objective::Dynamic { mask } = &cfg.objective {
            let ok = |x: f64| (0.0..=1.0).contains(&x);
            let p = match mask.rule {
                MaskRule::Budget { prob, .. } | MaskRule::Exact { prob } | MaskRule::Bernoulli { prob, .. } => prob,
            };
            if !ok(p) || !ok(mask.mask_share) || !ok(mask.random_share) || mask.mask_share + mask.random_share > 1.0 {
                return conf("masking probabilities must lie in [0, 1] (and mask + random shares ≤ 1)".into());
            }
        }
        if source.total_rows() < cfg.global_batch {
            return conf(format!(
                "{} holds {} rows, fewer than one global batch of {}",
                cfg.dir.display(),
                source.total_rows(),
                cfg.global_batch
            ));
        }
        let [cls, sep, mask_id, pad] = info.specials;
        let mut special: Vec<u32> =
            [cls, sep, mask_id, pad].into_iter().chain(cfg.special_ids.iter().copied()).collect();
        special.sort_unstable();
        special.dedup();
        if let Some(&bad) = special.iter().find(|&&id| id >= info.vocab_size) {
            return conf(format!("special id {bad} is outside the vocabulary of {}", info.vocab_size));
        }
        if special.len() as u32 >= info.vocab_size {
            return conf("every id of the vocabulary is special: nothing to mask".into());
        }
        let vocab = MaskVocab { mask_id, pad_id: pad, vocab_size: info.vocab_size, special };
        Ok(Loader {
            cfg: Arc::new(cfg),
            source: Arc::new(source),
            vocab: Arc::new(vocab),
            info,
            state: State::default(),
            worker: None,
        })
    }

    /// What the directory holds.
    pub fn info(&self) -> &Info {
        &self.info
    }

    /// Global batches per epoch (the tail that does not fill one is dropped).
    pub fn steps_per_epoch(&self) -> u64 {
        self.source.total_rows() / self.cfg.global_batch
    }

    /// Stops the background thread (it is started again by the next [`Loader::next_step`]).
    pub fn stop(&mut self) {
        self.worker = None;
    }

    /// Where the stream stands.
    pub fn state(&self) -> State {
        self.state
    }

    /// Moves the stream to `state` (from a checkpoint, possibly of another world size).
    pub fn set_state(&mut self, state: State) -> Result<()> {
        if !state.samples.is_multiple_of(self.cfg.global_batch)
            || state.samples / self.cfg.global_batch > self.steps_per_epoch()
        {
            return Err(Error::Config(format!(
                "loader state (epoch {}, {} rows) does not fall on a global batch of {} rows in an epoch of {} batches: \
                 resume with the global batch size of the run that saved it",
                state.epoch,
                state.samples,
                self.cfg.global_batch,
                self.steps_per_epoch()
            )));
        }
        self.worker = None;
        self.state = state;
        Ok(())
    }

    /// Waits up to `timeout` for the next step.
    pub fn next_step(&mut self, timeout: Duration) -> Result<Next> {
        if self.worker.is_none() {
            self.worker = Some(self.spawn());
        }
        let Some(w) = self.worker.as_ref() else { return Ok(Next::Pending) };
        match w.rx.recv_timeout(timeout) {
            Ok(Ok(Some(step))) => {
                let per_epoch = self.steps_per_epoch();
                self.state = if step.index + 1 >= per_epoch {
                    State { epoch: step.epoch + 1, samples: 0 }
                } else {
                    State { epoch: step.epoch, samples: (step.index + 1) * self.cfg.global_batch }
                };
                Ok(Next::Step(step))
            }
            Ok(Ok(None)) => Ok(Next::End),
            Ok(Err(e)) => {
                self.worker = None;
                Err(e)
            }
            Err(RecvTimeoutError::Timeout) => Ok(Next::Pending),
            Err(RecvTimeoutError::Disconnected) => {
                self.worker = None;
                Err(Error::Config("the loader's worker thread stopped".into()))
            }
        }
    }

    fn spawn(&self) -> Worker {
        let (tx, rx) = sync_channel(self.cfg.prefetch);
        let stop = Arc::new(AtomicBool::new(false));
        let (cfg, source, vocab, state, flag) =
            (self.cfg.clone(), self.source.clone(), self.vocab.clone(), self.state, stop.clone());
        let handle = std::thread::Builder::new()
            .name("wakachi-loader".into())
            .spawn(move || {
                let mut producer = Producer {
                    cfg: &cfg,
                    source: &source,
                    vocab: &vocab,
                    cache: Vec::new(),
                    epoch: u64::MAX,
                    order: None,
                };
                let mut state = state;
                loop {
                    if flag.load(Ordering::Relaxed) {
                        return;
                    }
                    let item = producer.step(&mut state);
                    let done = !matches!(item, Ok(Some(_)));
                    if tx.send(item).is_err() || done {
                        return;
                    }
                }
            })
            .ok();
        Worker { rx, stop, handle }
    }
}

/// The directory's format, specials and sizes, from its manifest.
fn info(source: &Source) -> Result<Info> {
    let m = &source.manifest;
    let path = source.dir.join(crate::shards::manifest::MANIFEST);
    let settings = m.identity.settings.clone();
    let bad = |what: &str| Error::shard(&path, format!("identity.settings lacks {what}"));
    let format_obj = settings.get("format").and_then(|f| f.as_object()).ok_or_else(|| bad("format"))?;
    let (format, fcfg) = format_obj.iter().next().ok_or_else(|| bad("format"))?;
    let sp = settings.pointer("/tokenizer/specials").ok_or_else(|| bad("tokenizer.specials"))?;
    let get =
        |k: &str| sp.get(k).and_then(|v| v.as_u64()).map(|v| v as u32).ok_or_else(|| bad(&format!("specials.{k}")));
    let specials = [get("cls")?, get("sep")?, get("mask")?, get("pad")?];
    let len_key = if format == "gpt2" {
        "block_size"
    } else if format == "uer" {
        "seq_length"
    } else {
        "max_seq_length"
    };
    let mut max_row_len =
        fcfg.get(len_key).and_then(|v| v.as_u64()).ok_or_else(|| bad(&format!("format.{format}.{len_key}")))? as usize;
    if format == "gpt2" {
        max_row_len += 1;
    }
    Ok(Info {
        format: format.clone(),
        vocab_size: m.identity.schema.vocab_size,
        specials,
        rows: source.total_rows(),
        shards: source.num_shards(),
        max_row_len,
        tokenizer: m.identity.tokenizer.clone(),
        settings,
    })
}

/// The producer thread's state: the epoch order and the shards being read.
struct Producer<'a> {
    cfg: &'a LoaderConfig,
    source: &'a Source,
    vocab: &'a MaskVocab,
    /// Recently read shards of `epoch` with their row permutation (at most three).
    cache: Vec<(usize, Arc<ShardData>, Arc<Vec<u32>>)>,
    /// The epoch whose order and shards are held (`u64::MAX`: none yet).
    epoch: u64,
    /// That epoch's shard order, computed once per epoch.
    order: Option<Arc<EpochOrder>>,
}

impl Producer<'_> {
    /// The step at `state`, advancing it; `None` after the last epoch.
    fn step(&mut self, state: &mut State) -> Result<Option<Step>> {
        let g = self.cfg.global_batch;
        let per_epoch = self.source.total_rows() / g;
        if state.samples / g >= per_epoch {
            *state = State { epoch: state.epoch + 1, samples: 0 };
        }
        if self.cfg.epochs.is_some_and(|n| state.epoch >= n) {
            return Ok(None);
        }
        let order = match &self.order {
            Some(o) if self.epoch == state.epoch => o.clone(),
            _ => {
                let rows: Vec<u64> = (0..self.source.num_shards()).map(|i| self.source.shard_rows(i)).collect();
                let o = Arc::new(EpochOrder::new(self.cfg.seed, state.epoch, &rows, self.cfg.shuffle));
                self.order = Some(o.clone());
                self.cache.clear();
                self.epoch = state.epoch;
                o
            }
        };
        let index = state.samples / g;
        let range = rank_slice(index, g, self.cfg.rank, self.cfg.world_size);
        let micro = (range.end - range.start) / self.cfg.micro_batches;
        let mut batches = Vec::with_capacity(self.cfg.micro_batches as usize);
        let mut rows_buf: Vec<(RowData, u64)> = Vec::with_capacity(micro as usize);
        for k in 0..self.cfg.micro_batches {
            rows_buf.clear();
            for p in range.start + k * micro..range.start + (k + 1) * micro {
                let (shard, off) = order.locate(p);
                let (data, perm) = self.shard(shard, state.epoch, &order)?;
                let r = perm[off as usize] as usize;
                let mut row = RowData::default();
                data.row(r, &mut row)?;
                rows_buf.push((row, self.source.row_starts[shard] + r as u64));
            }
            batches.push(batch::assemble(&mut rows_buf, self.cfg, self.vocab, state.epoch)?);
        }
        state.samples += g;
        Ok(Some(Step { epoch: state.epoch, index, batches }))
    }

    fn shard(&mut self, i: usize, epoch: u64, order: &EpochOrder) -> Result<(Arc<ShardData>, Arc<Vec<u32>>)> {
        if let Some(k) = self.cache.iter().position(|c| c.0 == i) {
            let c = &self.cache[k];
            return Ok((c.1.clone(), c.2.clone()));
        }
        let next = if self.source.fetches() { self.upcoming(i, epoch, order) } else { Vec::new() };
        let data = Arc::new(self.source.load(i, &next)?);
        let perm = Arc::new(row_permutation(self.cfg.seed, epoch, i, self.source.shard_rows(i), self.cfg.shuffle));
        if self.cache.len() >= 3 {
            self.cache.remove(0);
        }
        self.cache.push((i, data.clone(), perm.clone()));
        Ok((data, perm))
    }

    /// The shards read after shard `i` of `epoch` (up to [`FETCH_AHEAD`], into the next epoch
    /// when there is one), for a fetched directory to bring in ahead.
    fn upcoming(&self, i: usize, epoch: u64, order: &EpochOrder) -> Vec<usize> {
        let at = order.shards.iter().position(|&s| s == i).map_or(order.shards.len(), |k| k + 1);
        let mut next: Vec<usize> = order.shards[at..].iter().take(FETCH_AHEAD).copied().collect();
        if next.len() < FETCH_AHEAD && self.cfg.epochs.is_none_or(|n| epoch + 1 < n) {
            let rows: Vec<u64> = (0..self.source.num_shards()).map(|s| self.source.shard_rows(s)).collect();
            let following = EpochOrder::new(self.cfg.seed, epoch + 1, &rows, self.cfg.shuffle);
            next.extend(following.shards.iter().take(FETCH_AHEAD - next.len()));
        }
        next
    }
}

/// Shards a fetched directory is told to bring in ahead of the one being read.
pub const FETCH_AHEAD: usize = 2;
