//! `[transforms]`: on-the-fly transforms at `/img/…` (see [`crate::transform`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ConfigError;
use crate::transform::{OpsSegment, TransformOps};

/// On-the-fly transforms.
///
/// ```toml
/// [transforms]
/// unsigned = "presets"
/// max_side = 4096
///
/// [transforms.presets.card]
/// ops = "w_800,h_450,c_fill,g_auto"
/// ```
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TransformSettings {
    /// Which transform URLs work without a signature: `presets` (the default), `all`, or
    /// `none`. Private assets always need one.
    pub unsigned: Unsigned,
    /// Longest side of a result, in pixels (after `dpr`). Default 4096.
    pub max_side: u32,
    /// Renders run at once in this process; 0 means one per CPU (the default).
    pub max_concurrent: usize,
    /// Requests that may wait for a render slot; beyond them the answer is 503 with
    /// `Retry-After`. Default 64.
    pub max_queued: usize,
    /// Longest a render may take, in seconds, before the request gets 503. Default 10.
    pub render_timeout_seconds: u64,
    /// Bytes of stored results to keep; the least recently used go first beyond it.
    /// Default 10 GiB.
    pub cache_max_bytes: u64,
    /// Results not requested for this many days are removed. Default 30.
    pub cache_ttl_days: u32,
    /// Named ops, used in URLs as `p_NAME`.
    pub presets: BTreeMap<String, TransformPreset>,
}

/// A named set of ops (`[transforms.presets.NAME]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TransformPreset {
    /// The ops, e.g. `w_800,h_450,c_fill,g_auto` (any order; no preset inside).
    pub ops: String,
}

/// `transforms.unsigned`: which transform URLs need no signature.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Unsigned {
    /// Presets only: ad-hoc ops need a signature (the default).
    #[default]
    Presets,
    /// Every URL: anyone may ask for any ops.
    All,
    /// None: presets need a signature too.
    None,
}

impl Default for TransformSettings {
    fn default() -> Self {
        Self {
            unsigned: Unsigned::Presets,
            max_side: 4096,
            max_concurrent: 0,
            max_queued: 64,
            render_timeout_seconds: 10,
            cache_max_bytes: 10 * 1024 * 1024 * 1024,
            cache_ttl_days: 30,
            presets: BTreeMap::new(),
        }
    }
}

impl TransformSettings {
    /// Renders at once: `max_concurrent`, or one per CPU when 0.
    pub fn concurrency(&self) -> usize {
        if self.max_concurrent > 0 {
            self.max_concurrent
        } else {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        }
    }

    /// The ops of preset `name`, parsed; `None` when there is no such preset.
    pub fn preset(&self, name: &str) -> Option<TransformOps> {
        let preset = self.presets.get(name)?;
        TransformOps::parse(&preset.ops).ok()
    }

    /// Checks every preset's name and ops, and the limits.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if !(16..=16_383).contains(&self.max_side) {
            return Err(ConfigError(format!(
                "transforms.max_side = {} must be 16-16383 pixels",
                self.max_side
            )));
        }
        if self.render_timeout_seconds == 0 {
            return Err(ConfigError(
                "transforms.render_timeout_seconds must be at least 1".into(),
            ));
        }
        for (name, preset) in &self.presets {
            let segment = format!("p_{name}");
            OpsSegment::parse(&segment).map_err(|e| {
                ConfigError(format!("transforms.presets.{name}: the name {}", e.reason))
            })?;
            TransformOps::parse(&preset.ops)
                .map_err(|e| ConfigError(format!("transforms.presets.{name}.ops: {e}")))?;
        }
        Ok(())
    }
}
