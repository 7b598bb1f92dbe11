//! Video and audio through Debian's `ffprobe` and `ffmpeg` (subprocesses, see `tool`).
//!
//! Every run goes through `tool::run` (timeout, bounded output, kill on cancel) and reads
//! its input as `file:` with `-protocol_whitelist file,pipe` and a whitelist of demuxers,
//! so an upload can never make ffmpeg open a URL or another file (the mov demuxer's
//! `enable_drefs` stays off).
//!
//! - `probe`: ffprobe facts ([`Probed`]), limits ([`AvLimits`]), a two-second decode check.
//! - `still`: the poster frame of a video, the cover art of an audio file.
//! - `waveform`: peaks and a picture of an audio track ([`Waveform`]).
//! - `transcode`: which profiles apply ([`plan`]) and making a rendition ([`Rendition`]).
//! - `ffprobe`: ffprobe's JSON; `command`: safe command lines and readable tool messages;
//!   `iso6709`: GPS positions in video tags.

mod command;
mod ffprobe;
mod iso6709;
mod probe;
mod still;
mod transcode;
mod waveform;

pub use probe::{AvLimits, Probed, probe, probe_facts};
pub use still::{cover_art, poster};
pub use transcode::{Rendition, plan, transcode, transcode_command};
pub use waveform::{Waveform, waveform};
