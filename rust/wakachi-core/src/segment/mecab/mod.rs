//! MeCab-compatible segmentation: MeCab dictionaries (binary dicdirs or source files) translated
//! for the vibrato engine, with the settings and fixes that make its output MeCab's.

pub mod binary;
pub mod cache;
pub mod darts;
pub mod dict;
pub mod features;
pub mod lattice;
pub mod source;

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::error::{Error, Result};
pub use dict::MecabDict;
use features::FeatureTable;
use lattice::{LatticeDict, LatticeWorker};

/// MeCab's grouping limit for unknown words when `dicrc` sets none (common.h).
pub const DEFAULT_MAX_GROUPING: usize = 24;

/// The lattice search that segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// wakachi's own ([`lattice`]): a memory-mapped compiled dictionary.
    Lattice,
    /// vibrato's, over a dictionary translated for it (the reference in tests).
    Vibrato,
}

impl Engine {
    /// `WAKACHI_MECAB_ENGINE` (`lattice` or `vibrato`), else [`Engine::Lattice`].
    pub fn from_env() -> Result<Self> {
        match std::env::var("WAKACHI_MECAB_ENGINE").as_deref() {
            Err(_) | Ok("") | Ok("lattice") => Ok(Engine::Lattice),
            Ok("vibrato") => Ok(Engine::Vibrato),
            Ok(other) => Err(Error::Config(format!("WAKACHI_MECAB_ENGINE={other:?}: expected lattice or vibrato"))),
        }
    }

    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Lattice => "lattice",
            Engine::Vibrato => "vibrato",
        }
    }
}

/// How a MeCab dictionary is opened.
#[derive(Debug, Clone, Default)]
pub struct MecabOptions {
    /// Where compiled dictionaries are cached; `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
    /// The engine; `None`: [`Engine::from_env`].
    pub engine: Option<Engine>,
}

impl MecabOptions {
    /// Options with this cache directory and the default engine.
    pub fn cached(cache_dir: Option<PathBuf>) -> Self {
        MecabOptions { cache_dir, engine: None }
    }
}

/// What loading did, for reports and benchmarks.
#[derive(Debug, Clone)]
pub struct LoadReport {
    /// The dicdir.
    pub dicdir: PathBuf,
    /// `binary` or `source`.
    pub kind: &'static str,
    /// The engine ([`Engine::name`]).
    pub engine: &'static str,
    /// Whether the compiled dictionary came from the cache.
    pub from_cache: bool,
    /// The cache file used or written, if any.
    pub cache_file: Option<PathBuf>,
    /// Seconds spent loading (including building when not cached).
    pub seconds: f64,
    /// The unknown-word grouping limit in force.
    pub max_grouping: usize,
    /// A cache problem that was worked around (unreadable entry, unwritable directory).
    pub warning: Option<String>,
}

/// A loaded MeCab dictionary, ready to segment (immutable; share it across threads).
pub struct Mecab {
    inner: Inner,
    /// How it was loaded.
    pub report: LoadReport,
}

enum Inner {
    Lattice(Box<LatticeDict>),
    Vibrato(Box<VibratoMecab>),
}

/// The dictionary translated for vibrato.
struct VibratoMecab {
    tokenizer: vibrato::Tokenizer,
    /// A one-byte character that MeCab treats exactly like U+0000 and no dictionary word
    /// contains. vibrato's trie takes NUL as a key terminator (`行く\0` matches `行く`), so NUL
    /// bytes are replaced by it before segmenting; surfaces still come from the original text.
    nul_substitute: Option<u8>,
    /// The system lexicon's features (vibrato's lexicon holds empty ones), see [`features`].
    features: FeatureTable,
}

impl Mecab {
    /// Opens the MeCab dictionary in `dicdir` (binary `sys.dic`… or source `*.csv`…).
    pub fn open(dicdir: &Path, opts: &MecabOptions) -> Result<Self> {
        let t0 = Instant::now();
        let (kind, files) = dict_files(dicdir)?;
        let max_grouping = read_max_grouping(&dicdir.join("dicrc"))?;
        let engine = match opts.engine {
            Some(e) => e,
            None => Engine::from_env()?,
        };
        let mut report = LoadReport {
            dicdir: dicdir.to_path_buf(),
            kind,
            engine: engine.name(),
            from_cache: false,
            cache_file: None,
            seconds: 0.0,
            max_grouping,
            warning: None,
        };
        let inner = crate::alloc::huge_pages(|| -> Result<Inner> {
            Ok(match engine {
                Engine::Lattice => Inner::Lattice(Box::new(match &opts.cache_dir {
                    Some(dir) => load_lattice_cached(dicdir, kind, &files, dir, &mut report)?,
                    None => build_lattice(dicdir, kind, max_grouping)?,
                })),
                Engine::Vibrato => {
                    let Compiled { dict, nul_substitute, features } = match &opts.cache_dir {
                        Some(dir) => load_cached(dicdir, kind, &files, dir, &mut report)?,
                        None => build(dicdir, kind, max_grouping)?,
                    };
                    let tokenizer = vibrato::Tokenizer::new(dict)
                        .ignore_space(true)
                        .map_err(|e| Error::dict(dicdir.join("char.bin"), e.to_string()))?
                        .max_grouping_len(max_grouping);
                    Inner::Vibrato(Box::new(VibratoMecab { tokenizer, nul_substitute, features }))
                }
            })
        })?;
        report.seconds = t0.elapsed().as_secs_f64();
        Ok(Mecab { inner, report })
    }

    /// Reads the dictionary in `dicdir` into plain data (for `wakachi dict decompile`).
    pub fn read_dict(dicdir: &Path) -> Result<MecabDict> {
        read_kind(dicdir, dict_files(dicdir)?.0)
    }

    /// A per-thread worker.
    pub fn worker(&self) -> MecabWorker<'_> {
        match &self.inner {
            Inner::Lattice(d) => MecabWorker::Lattice(Box::new(d.worker())),
            Inner::Vibrato(v) => MecabWorker::Vibrato(Box::new(VibratoWorker {
                inner: v.tokenizer.new_worker(),
                nul_substitute: v.nul_substitute,
                features: &v.features,
                buf: String::new(),
            })),
        }
    }
}

/// Per-thread lattice buffers.
pub enum MecabWorker<'m> {
    /// wakachi's lattice.
    Lattice(Box<LatticeWorker<'m>>),
    /// vibrato's.
    Vibrato(Box<VibratoWorker<'m>>),
}

impl<'m> MecabWorker<'m> {
    /// Segments `text` into `out` (byte spans and features).
    pub fn segment(&mut self, text: &str, out: &mut Vec<super::Span<'m>>) {
        let t0 = crate::profile::on().then(std::time::Instant::now);
        match self {
            MecabWorker::Lattice(w) => {
                w.segment(text, |start, end, feature| out.push(super::Span { start, end, feature }))
            }
            MecabWorker::Vibrato(w) => w.segment(text, out),
        }
        if let Some(t0) = t0 {
            crate::profile::add(crate::profile::Stage::Segment, t0);
        }
    }
}

/// Per-thread buffers of vibrato's lattice.
pub struct VibratoWorker<'m> {
    inner: vibrato::tokenizer::worker::Worker<'m>,
    nul_substitute: Option<u8>,
    features: &'m FeatureTable,
    buf: String,
}

impl<'m> VibratoWorker<'m> {
    fn segment(&mut self, text: &str, out: &mut Vec<super::Span<'m>>) {
        match self.nul_substitute.filter(|_| text.contains('\0')) {
            Some(sub) => {
                self.buf.clear();
                self.buf.extend(text.chars().map(|c| if c == '\0' { char::from(sub) } else { c }));
                self.inner.reset_sentence(&self.buf);
            }
            None => self.inner.reset_sentence(text),
        }
        self.inner.tokenize();
        let features = self.features;
        out.extend(self.inner.token_iter().map(|t| {
            let r = t.range_byte();
            let w = t.word_idx();
            let feature = match w.lex_type {
                vibrato::dictionary::LexType::System => super::Feature::Table(features, w.word_id),
                _ => super::Feature::Str(t.feature()),
            };
            super::Span { start: r.start, end: r.end, feature }
        }));
    }
}

/// Says whether `dicdir` is binary or source and lists the files that define it.
fn dict_files(dicdir: &Path) -> Result<(&'static str, Vec<PathBuf>)> {
    if !dicdir.is_dir() {
        return Err(Error::dict(dicdir, "not a directory (expected a MeCab dicdir)"));
    }
    let binary = ["sys.dic", "unk.dic", "matrix.bin", "char.bin"];
    if dicdir.join("sys.dic").exists() {
        let files: Vec<PathBuf> = binary.iter().map(|f| dicdir.join(f)).collect();
        if let Some(missing) = files.iter().find(|f| !f.exists()) {
            return Err(Error::dict(missing, "missing from the MeCab binary dictionary"));
        }
        return Ok(("binary", files));
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dicdir)
        .map_err(|e| Error::io(dicdir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::dict(dicdir, "neither sys.dic (binary) nor *.csv (source): not a MeCab dictionary"));
    }
    for f in ["matrix.def", "char.def", "unk.def"] {
        let p = dicdir.join(f);
        if !p.exists() {
            return Err(Error::dict(p, "missing from the MeCab source dictionary"));
        }
        files.push(p);
    }
    Ok(("source", files))
}

/// `max-grouping-size` from `dicrc`, else (also when 0) MeCab's default.
fn read_max_grouping(dicrc: &Path) -> Result<usize> {
    let Ok(bytes) = std::fs::read(dicrc) else { return Ok(DEFAULT_MAX_GROUPING) };
    for (i, line) in String::from_utf8_lossy(&bytes).lines().enumerate() {
        if let Some((k, v)) = line.split_once('=') {
            if k.trim() == "max-grouping-size" {
                // MeCab (tokenizer.cpp `open`) takes 0 as "unset"; vibrato would take it as unlimited.
                let n: usize = v.trim().parse().map_err(|_| Error::Malformed {
                    path: dicrc.to_path_buf(),
                    line: i as u64 + 1,
                    msg: format!("max-grouping-size {:?} is not a number", v.trim()),
                })?;
                return Ok(if n == 0 { DEFAULT_MAX_GROUPING } else { n });
            }
        }
    }
    Ok(DEFAULT_MAX_GROUPING)
}

/// A compiled dictionary: vibrato's (with empty system features), the NUL substitute, the features.
struct Compiled {
    dict: vibrato::Dictionary,
    nul_substitute: Option<u8>,
    features: FeatureTable,
}

/// Reads the dictionary in `dicdir`, `kind` being what [`dict_files`] found.
fn read_kind(dicdir: &Path, kind: &str) -> Result<MecabDict> {
    if kind == "binary" {
        binary::read_dicdir(dicdir)
    } else {
        source::read_dicdir(dicdir)
    }
}

fn build(dicdir: &Path, kind: &str, max_grouping: usize) -> Result<Compiled> {
    let d = read_kind(dicdir, kind)?;
    let ((lex, feats), unk, chars) = (d.vibrato_lex_split(), d.vibrato_unk(), d.vibrato_char_def());
    let features = features::encode_section(feats.into_iter())
        .and_then(FeatureTable::from_owned)
        .map_err(|e| Error::dict(dicdir, e))?;
    let vibrato_err = |e: vibrato::errors::VibratoError| {
        Error::dict(dicdir, format!("vibrato rejected the translated dictionary: {e}"))
    };
    let dict = vibrato::SystemDictionaryBuilder::from_readers(&lex[..], d.vibrato_matrix(), &chars[..], &unk[..])
        .map_err(vibrato_err)?;
    let sub = d.nul_substitute();
    drop((d, lex, unk, chars));
    let dict = reorder_connection_ids(dict, max_grouping).map_err(vibrato_err)?;
    Ok(Compiled { dict, nul_substitute: sub, features })
}

/// Text whose segmentation decides the connection-id order (see data/README.md).
const CONNID_TRAINING_TEXT: &str = include_str!("../../../data/connid_train_ja.txt");

/// Renumbers connection ids by how often they occur in segmenting [`CONNID_TRAINING_TEXT`], so
/// frequent ids share cache lines in the cost matrix. Output is unchanged; unidic-lite's 5981 x
/// 5981 matrix (72 MB) is where this pays.
fn reorder_connection_ids(
    dict: vibrato::Dictionary,
    max_grouping: usize,
) -> vibrato::errors::Result<vibrato::Dictionary> {
    let mut bytes = Vec::new();
    dict.write(&mut bytes)?;
    let tokenizer = vibrato::Tokenizer::new(dict).ignore_space(true)?.max_grouping_len(max_grouping);
    let mut worker = tokenizer.new_worker();
    worker.init_connid_counter();
    for line in CONNID_TRAINING_TEXT.lines() {
        worker.reset_sentence(line);
        worker.tokenize();
        worker.update_connid_counts();
    }
    let (lprobs, rprobs) = worker.compute_connid_probs();
    drop(worker);
    drop(tokenizer);
    let fresh = vibrato::Dictionary::read(&bytes[..])?;
    drop(bytes);
    let ids = |p: Vec<(usize, f64)>| p.into_iter().map(|(id, _)| id as u16).collect::<Vec<_>>();
    fresh.map_connection_ids_from_iter(ids(lprobs), ids(rprobs))
}

/// The compiled dictionary file's contents (see [`lattice`]).
fn compile_lattice(dicdir: &Path, kind: &str, max_grouping: usize) -> Result<Vec<u64>> {
    let d = read_kind(dicdir, kind)?;
    LatticeDict::compile(&d, max_grouping, CONNID_TRAINING_TEXT).map_err(|e| Error::dict(dicdir, e))
}

fn build_lattice(dicdir: &Path, kind: &str, max_grouping: usize) -> Result<LatticeDict> {
    let words = compile_lattice(dicdir, kind, max_grouping)?;
    LatticeDict::open_owned(words, max_grouping).map_err(|e| Error::dict(dicdir, e))
}

/// Opens the compiled dictionary from the cache (memory-mapped, so its pages are shared by every
/// process that uses it), building and writing it first when it is missing or unreadable.
fn load_lattice_cached(
    dicdir: &Path,
    kind: &str,
    files: &[PathBuf],
    dir: &Path,
    report: &mut LoadReport,
) -> Result<LatticeDict> {
    let max_grouping = report.max_grouping;
    let (path, found) = cache_entry(dir, files, "lattice", report, |p| LatticeDict::open_file(p, max_grouping))?;
    if let Some(d) = found {
        return Ok(d);
    }
    let words = compile_lattice(dicdir, kind, max_grouping)?;
    if let Err(e) = cache::write_atomic(&path, lattice::as_bytes(&words)) {
        not_written(report, e);
        return LatticeDict::open_owned(words, max_grouping).map_err(|e| Error::dict(dicdir, e));
    }
    drop(words);
    LatticeDict::open_file(&path, report.max_grouping).map_err(|e| Error::dict(&path, e))
}

/// Cache file layout: this magic, one byte (the NUL substitute, 0 for none), the feature
/// section's length (`u64`, little-endian) and the section ([`features`]), then vibrato's
/// dictionary. The file is memory-mapped: the features are used in place.
const CACHE_MAGIC: &[u8] = b"wakachi mecab cache 2\n";

fn load_cached(dicdir: &Path, kind: &str, files: &[PathBuf], dir: &Path, report: &mut LoadReport) -> Result<Compiled> {
    let open = |p: &Path| std::fs::File::open(p).and_then(|f| read_cache(&f)).map_err(|e| e.to_string());
    let (path, found) = cache_entry(dir, files, "vibrato", report, open)?;
    if let Some(c) = found {
        return Ok(c);
    }
    let c = build(dicdir, kind, report.max_grouping)?;
    let written = cache::write_atomic_with(&path, |f| {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
        let section = c.features.section();
        std::io::Write::write_all(&mut w, CACHE_MAGIC)?;
        std::io::Write::write_all(&mut w, &[c.nul_substitute.unwrap_or(0)])?;
        std::io::Write::write_all(&mut w, &(section.len() as u64).to_le_bytes())?;
        std::io::Write::write_all(&mut w, section)?;
        c.dict.write(&mut w).map_err(std::io::Error::other)?;
        std::io::Write::flush(&mut w)
    });
    if let Err(e) = written {
        not_written(report, e);
    }
    Ok(c)
}

/// The cache entry for `files` (`mecab-DIGEST.EXT` in `dir`, recorded in `report`) and what
/// `open` made of it, when it is there and readable; a warning in `report` says why not.
fn cache_entry<T>(
    dir: &Path,
    files: &[PathBuf],
    ext: &str,
    report: &mut LoadReport,
    open: impl FnOnce(&Path) -> std::result::Result<T, String>,
) -> Result<(PathBuf, Option<T>)> {
    let digest = cache::fingerprint_memo(dir, files)?;
    let path = dir.join(format!("mecab-{digest}.{ext}"));
    report.cache_file = Some(path.clone());
    if !path.exists() {
        return Ok((path, None));
    }
    match open(&path) {
        Ok(d) => {
            report.from_cache = true;
            Ok((path, Some(d)))
        }
        Err(e) => {
            report.warning = Some(format!("{}: unreadable cache entry, rebuilt ({e})", path.display()));
            Ok((path, None))
        }
    }
}

/// Records that the built dictionary could not be cached (it is used all the same).
fn not_written(report: &mut LoadReport, e: Error) {
    report.warning = Some(format!("could not write the dictionary cache: {e}"));
    report.cache_file = None;
}

fn read_cache(f: &std::fs::File) -> std::io::Result<Compiled> {
    let bad = |m: String| std::io::Error::other(m);
    // SAFETY: cache entries are written once to a temporary file and renamed into place, never
    // modified afterwards; the map is read-only.
    let map = unsafe { memmap2::Mmap::map(f) }?;
    let head = CACHE_MAGIC.len() + 1 + 8;
    if map.len() < head || &map[..CACHE_MAGIC.len()] != CACHE_MAGIC {
        return Err(bad("not a wakachi cache file of this version".into()));
    }
    let sub = Some(map[CACHE_MAGIC.len()]).filter(|&b| b != 0);
    let mut len = [0u8; 8];
    len.copy_from_slice(&map[CACHE_MAGIC.len() + 1..head]);
    let dict_at = usize::try_from(u64::from_le_bytes(len)).ok().and_then(|l| l.checked_add(head));
    let dict_at = dict_at.filter(|&e| e <= map.len()).ok_or_else(|| bad("feature section past the end".into()))?;
    let dict = vibrato::Dictionary::read(&map[dict_at..]).map_err(std::io::Error::other)?;
    let features = FeatureTable::from_mapped(std::sync::Arc::new(map), head).map_err(bad)?;
    if head + features.section().len() != dict_at {
        return Err(bad("feature section length mismatch".into()));
    }
    Ok(Compiled { dict, nul_substitute: sub, features })
}
