//! Moderation: what a namespace does with pictures the moderation model scores as not
//! safe for work, and where an asset stands.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::asset::text_enum;

/// A namespace's moderation policy, applied when the `moderation` analyser scores a
/// picture at or above `analysis.moderation_threshold`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModerationPolicy {
    /// Nothing happens (the default); the score is still recorded.
    #[default]
    Off,
    /// The asset is tagged [`FLAG_TAG`] and found by `moderation=flagged`.
    Flag,
    /// The asset is made private and cannot be made public until an admin clears it.
    Private,
    /// The asset fails with a reason (an `asset.failed` webhook) and is made private.
    Reject,
}

text_enum!(ModerationPolicy {
    Off => "off",
    Flag => "flag",
    Private => "private",
    Reject => "reject",
});

/// Where an asset stands with moderation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModerationState {
    /// Scored below the threshold, or the namespace's policy is off.
    Clear,
    /// Scored at or above the threshold under the `flag` policy.
    Flagged,
    /// Scored at or above the threshold under the `private` policy: private until an
    /// admin clears it.
    Held,
    /// Scored at or above the threshold under the `reject` policy: failed.
    Rejected,
    /// An admin looked and cleared it: later scores leave it alone.
    Cleared,
}

text_enum!(ModerationState {
    Clear => "clear",
    Flagged => "flagged",
    Held => "held",
    Rejected => "rejected",
    Cleared => "cleared",
});

/// The tag flagged assets carry.
pub const FLAG_TAG: &str = "nsfw";

/// The error an asset rejected by moderation records, for people.
pub const REJECTED: &str =
    "This picture was rejected by the library's content policy; an admin can clear it.";

/// Where an asset scored `score` (0–1) stands under `policy`, given `threshold` and its
/// current state (`cleared` stays cleared).
pub fn verdict(
    policy: ModerationPolicy,
    score: f64,
    threshold: f64,
    current: Option<ModerationState>,
) -> ModerationState {
    if current == Some(ModerationState::Cleared) {
        return ModerationState::Cleared;
    }
    if score < threshold {
        return ModerationState::Clear;
    }
    match policy {
        ModerationPolicy::Off => ModerationState::Clear,
        ModerationPolicy::Flag => ModerationState::Flagged,
        ModerationPolicy::Private => ModerationState::Held,
        ModerationPolicy::Reject => ModerationState::Rejected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_policy_acts_only_at_or_above_the_threshold_and_never_on_a_cleared_asset() {
        use ModerationPolicy as P;
        use ModerationState as S;
        let cases = [
            (P::Flag, 0.79, None, S::Clear),
            (P::Off, 0.99, None, S::Clear),
            (P::Flag, 0.8, None, S::Flagged),
            (P::Private, 0.9, Some(S::Clear), S::Held),
            (P::Reject, 0.95, None, S::Rejected),
            (P::Reject, 0.95, Some(S::Cleared), S::Cleared),
            (P::Private, 0.1, Some(S::Held), S::Clear),
        ];
        for (policy, score, current, expected) in cases {
            assert_eq!(
                verdict(policy, score, 0.8, current),
                expected,
                "{policy} {score} {current:?}"
            );
        }
        assert_eq!("reject".parse::<ModerationPolicy>(), Ok(P::Reject));
    }
}
