//! Background jobs: durable units of processing work with retries and progress.

use std::fmt;
use std::str::FromStr;

use crate::analysis::Analyser;
use crate::asset::text_enum;
use crate::{AssetId, AssetKind, JobId, Timestamp};

/// What a job does. Every job works on one asset; a transcode also names its profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Decode an image once, extract metadata, make every configured variant and placeholder.
    ProcessImage,
    /// Probe a video, take its poster frame and make the poster's variants; queue the
    /// transcodes that apply.
    ProcessVideo,
    /// Probe an audio file; cover art variants, the waveform; queue enabled transcodes.
    ProcessAudio,
    /// Read a document's facts and text; render its first page into variants.
    ProcessDocument,
    /// Validate a 3D model, read its facts and render a preview into variants.
    ProcessModel,
    /// Make one video or audio rendition with ffmpeg ([`JobPayload::Transcode`] names the
    /// profile).
    Transcode,
    /// Run the analysers on a processed asset: tags, places and the rest
    /// ([`JobPayload::Analyse`] names which). Queued after processing, so variants never
    /// wait for it; its failure leaves the asset as it is.
    Analyse,
}

text_enum!(JobKind {
    ProcessImage => "process_image",
    ProcessVideo => "process_video",
    ProcessAudio => "process_audio",
    ProcessDocument => "process_document",
    ProcessModel => "process_model",
    Transcode => "transcode",
    Analyse => "analyse",
});

impl JobKind {
    /// The job that processes a new asset of `kind`; `None` for kinds stored as they are.
    pub fn processing(kind: AssetKind) -> Option<JobKind> {
        match kind {
            AssetKind::Image => Some(Self::ProcessImage),
            AssetKind::Video => Some(Self::ProcessVideo),
            AssetKind::Audio => Some(Self::ProcessAudio),
            AssetKind::Document => Some(Self::ProcessDocument),
            AssetKind::Model3d => Some(Self::ProcessModel),
            AssetKind::Other => None,
        }
    }

    /// Whether this is an asset's processing job, whose failure or cancel fails the asset.
    pub fn is_processing(self) -> bool {
        !matches!(self, Self::Transcode | Self::Analyse)
    }
}

/// What a job does, with what it needs to do it: workers dispatch on this, so a transcode
/// without a profile cannot exist. Stored as its [`JobKind`] and the profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobPayload {
    /// Process a new image ([`JobKind::ProcessImage`]).
    ProcessImage,
    /// Process a new video ([`JobKind::ProcessVideo`]).
    ProcessVideo,
    /// Process a new audio file ([`JobKind::ProcessAudio`]).
    ProcessAudio,
    /// Process a new document ([`JobKind::ProcessDocument`]).
    ProcessDocument,
    /// Process a new 3D model ([`JobKind::ProcessModel`]).
    ProcessModel,
    /// Make the rendition of this transcode profile (`video.profiles[].name`).
    Transcode {
        /// The profile's name.
        profile: String,
    },
    /// Run these analysers (every enabled one when empty).
    Analyse {
        /// Which analysers; stored comma-separated in the profile column.
        analysers: Vec<Analyser>,
    },
}

impl JobPayload {
    /// The job that processes a new asset of `kind`; `None` for kinds stored as they are.
    pub fn processing(kind: AssetKind) -> Option<JobPayload> {
        JobKind::processing(kind).and_then(|k| Self::from_stored(k, None))
    }

    /// The stored kind.
    pub fn kind(&self) -> JobKind {
        match self {
            Self::ProcessImage => JobKind::ProcessImage,
            Self::ProcessVideo => JobKind::ProcessVideo,
            Self::ProcessAudio => JobKind::ProcessAudio,
            Self::ProcessDocument => JobKind::ProcessDocument,
            Self::ProcessModel => JobKind::ProcessModel,
            Self::Transcode { .. } => JobKind::Transcode,
            Self::Analyse { .. } => JobKind::Analyse,
        }
    }

    /// What the profile column holds: a transcode's profile, the analysers of an analysis
    /// that names some (`labels,places`).
    pub fn profile(&self) -> Option<String> {
        match self {
            Self::Transcode { profile } => Some(profile.clone()),
            Self::Analyse { analysers } if !analysers.is_empty() => Some(
                analysers
                    .iter()
                    .map(|a| a.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            _ => None,
        }
    }

    /// Rebuilds a payload from its stored kind and profile; `None` for a transcode without
    /// a profile, which no code path writes. Analysers this version does not know are
    /// left out.
    pub fn from_stored(kind: JobKind, profile: Option<String>) -> Option<JobPayload> {
        Some(match kind {
            JobKind::ProcessImage => Self::ProcessImage,
            JobKind::ProcessVideo => Self::ProcessVideo,
            JobKind::ProcessAudio => Self::ProcessAudio,
            JobKind::ProcessDocument => Self::ProcessDocument,
            JobKind::ProcessModel => Self::ProcessModel,
            JobKind::Transcode => Self::Transcode { profile: profile? },
            JobKind::Analyse => Self::Analyse {
                analysers: profile
                    .iter()
                    .flat_map(|p| p.split(','))
                    .filter_map(|a| a.parse().ok())
                    .collect(),
            },
        })
    }
}

/// A job's state. `Queued → Running → Succeeded | Failed`, or back to `Queued` with a
/// later `run_after` when an attempt fails and attempts remain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    /// Waiting for `run_after`.
    Queued,
    /// Claimed by a worker whose lease has not expired.
    Running,
    /// Done.
    Succeeded,
    /// Out of attempts; `error` says why.
    Failed,
    /// Cancelled by a user.
    Cancelled,
}

text_enum!(JobStatus {
    Queued => "queued",
    Running => "running",
    Succeeded => "succeeded",
    Failed => "failed",
    Cancelled => "cancelled",
});

/// A job row.
#[derive(Debug, Clone)]
pub struct Job {
    /// The job's id.
    pub id: JobId,
    /// The asset it works on.
    pub asset_id: AssetId,
    /// What it does, with what it needs.
    pub payload: JobPayload,
    /// Where it is.
    pub status: JobStatus,
    /// Progress, 0–100.
    pub progress: u8,
    /// Attempts started so far (the running one included).
    pub attempts: u32,
    /// Attempts allowed before the job fails for good.
    pub max_attempts: u32,
    /// Not to be claimed before this time (backoff after a failed attempt).
    pub run_after: Timestamp,
    /// The last attempt's error.
    pub error: Option<String>,
    /// When it was queued.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// A worker's hold on a running job: the job, and the fencing token of the claim that gave
/// it. Every write a worker makes for the job carries its lease, and the store refuses the
/// write once the job was cancelled or ended, or claimed again after the lease expired:
/// each claim takes a larger token, so a worker that stalled past its lease can never
/// overwrite the work of the one that took over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    /// The job held.
    pub job: JobId,
    /// The claim's fencing token; larger for every later claim of the job.
    pub token: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_processed_kind_has_its_job_and_other_has_none() {
        let expected = [
            (AssetKind::Image, Some(JobPayload::ProcessImage)),
            (AssetKind::Video, Some(JobPayload::ProcessVideo)),
            (AssetKind::Audio, Some(JobPayload::ProcessAudio)),
            (AssetKind::Document, Some(JobPayload::ProcessDocument)),
            (AssetKind::Model3d, Some(JobPayload::ProcessModel)),
            (AssetKind::Other, None),
        ];
        for (kind, payload) in expected {
            assert_eq!(JobPayload::processing(kind), payload, "{kind}");
            assert_eq!(
                JobKind::processing(kind),
                payload.as_ref().map(JobPayload::kind)
            );
        }
    }

    #[test]
    fn payloads_round_trip_through_their_stored_kind_and_profile() {
        let payloads = [
            JobPayload::ProcessImage,
            JobPayload::ProcessVideo,
            JobPayload::ProcessAudio,
            JobPayload::ProcessDocument,
            JobPayload::ProcessModel,
            JobPayload::Transcode {
                profile: "mp4_720p".into(),
            },
            JobPayload::Analyse { analysers: vec![] },
            JobPayload::Analyse {
                analysers: vec![Analyser::Places, Analyser::Facts],
            },
        ];
        for payload in payloads {
            let kind: JobKind = payload.kind().as_str().parse().unwrap();
            let profile = payload.profile();
            assert_eq!(JobPayload::from_stored(kind, profile), Some(payload));
        }
        assert_eq!(JobPayload::ProcessImage.profile(), None);
        // No code path writes a transcode without its profile; reading one is refused.
        assert_eq!(JobPayload::from_stored(JobKind::Transcode, None), None);
        // An analyser a newer version wrote is left out, not an error.
        assert_eq!(
            JobPayload::from_stored(JobKind::Analyse, Some("places,colours".into())),
            Some(JobPayload::Analyse {
                analysers: vec![Analyser::Places]
            })
        );
        assert!(JobKind::ProcessImage.is_processing());
        assert!(!JobKind::Analyse.is_processing() && !JobKind::Transcode.is_processing());
    }

    #[test]
    fn stored_names_are_stable_and_unknown_ones_are_refused() {
        let names: Vec<_> = JobStatus::ALL.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            names,
            ["queued", "running", "succeeded", "failed", "cancelled"]
        );
        let err = "done".parse::<JobStatus>().unwrap_err();
        assert!(
            err.contains("\"done\"") && err.contains("succeeded"),
            "{err}"
        );
        assert!(
            "Transcode".parse::<JobKind>().is_err(),
            "names are lower case"
        );
    }
}
