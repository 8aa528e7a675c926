//! wakachi-core: the pure-Rust engine of wakachi.
//!
//! Stages are modules and data flows one way: [`segment`] (text → words) → encode → instances →
//! shards. This crate has no Python types; the `wakachi-py` crate only converts and delegates.
#![deny(missing_docs)]

pub mod alloc;
pub mod corpus;
pub mod encode;
pub mod error;
pub mod fsio;
pub mod instances;
pub mod lines;
pub mod loader;
pub mod pack;
pub mod pipeline;
pub mod profile;
pub mod progress;
pub mod segment;
pub mod shards;
pub mod split;
pub mod stop;
pub mod vocab;

pub use error::{Error, Result};
