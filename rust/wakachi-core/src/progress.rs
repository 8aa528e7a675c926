//! Progress lines for long runs: amount done, rate, and ETA when the total is known.

use std::time::{Duration, Instant};

/// Prints at most one progress line per interval to stderr (overwriting itself on a terminal).
pub struct Progress {
    what: &'static str,
    total_bytes: Option<u64>,
    started: Instant,
    last: Option<Instant>,
    every: Duration,
    enabled: bool,
}

impl Progress {
    /// A progress printer for `what`; `total_bytes` enables the ETA.
    pub fn new(what: &'static str, total_bytes: Option<u64>, enabled: bool) -> Self {
        Progress { what, total_bytes, started: Instant::now(), last: None, every: Duration::from_millis(500), enabled }
    }

    /// Reports `bytes` done and `items` (with its unit name) so far.
    pub fn update(&mut self, bytes: u64, items: u64, unit: &str) {
        self.update_counts(bytes, &[(items, unit)]);
    }

    /// Reports `bytes` done and several counts with their unit names.
    pub fn update_counts(&mut self, bytes: u64, counts: &[(u64, &str)]) {
        let now = Instant::now();
        if !self.enabled || self.last.is_some_and(|l| now - l < self.every) {
            return;
        }
        self.last = Some(now);
        eprint!("\r{}", self.line(bytes, counts));
    }

    /// Prints the final figures (whatever the interval) and ends the line.
    pub fn finish_counts(&mut self, bytes: u64, counts: &[(u64, &str)]) {
        if self.enabled {
            eprintln!("\r{}", self.line(bytes, counts));
            self.last = None;
        }
    }

    /// Ends the progress line.
    pub fn finish(&self) {
        if self.enabled && self.last.is_some() {
            eprintln!();
        }
    }

    fn line(&self, bytes: u64, counts: &[(u64, &str)]) -> String {
        let secs = self.started.elapsed().as_secs_f64().max(1e-9);
        let mbs = bytes as f64 / 1e6 / secs;
        let mut s = format!("{}: {:.1} MB", self.what, bytes as f64 / 1e6);
        for (n, unit) in counts {
            s += &format!(", {n} {unit}");
        }
        s += &format!(", {mbs:.2} MB/s");
        if let Some(total) = self.total_bytes.filter(|&t| t > 0) {
            let left = total.saturating_sub(bytes) as f64 / 1e6 / mbs.max(1e-9);
            s += &format!(", {:.0}%, ETA {}", 100.0 * bytes as f64 / total as f64, hms(left));
        }
        s
    }
}

/// `1h02m03s`, `2m03s` or `3s`.
pub fn hms(secs: f64) -> String {
    let s = secs.round() as u64;
    match (s / 3600, s / 60 % 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m{s:02}s"),
        (h, m, s) => format!("{h}h{m:02}m{s:02}s"),
    }
}
