//! `medialib bench video`: a generated 60 s 1080p clip (ffmpeg's testsrc2 and sine
//! sources, H.264 + AAC) through the server, against ffmpeg by hand.
//!
//! 1. upload → asset ready: the upload request (staging, sniffing, ffprobe and a 2 s
//!    decode check), then the processing job (probe, poster at 5 s, poster variants);
//! 2. the `mp4_720p` transcode job, from the moment it runs until its rendition is
//!    recorded, against the identical ffmpeg command run directly, in the same run.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use medialib_core::TranscodeProfile;
use medialib_media::av::{self, AvLimits};

use super::{Server, client, median, poll, timed, upload};

/// Only the profile being measured, so no other transcode competes for the CPUs.
const CONFIG: &str = r#"
[[video.profiles]]
name = "mp4_720p"
format = "mp4"
resolution = 720
"#;

/// Flags of `medialib bench video`.
#[derive(clap::Args)]
pub struct Options {
    /// Clip length in seconds.
    #[arg(long, default_value_t = 60)]
    seconds: u32,
    /// Timed runs of each side (the median is reported).
    #[arg(long, default_value_t = 1)]
    runs: usize,
}

/// Runs the benchmark and prints a Markdown report.
pub async fn run(options: Options) -> anyhow::Result<ExitCode> {
    let dir = tempfile::tempdir()?;
    let clip = generate(dir.path(), options.seconds)?;
    let bytes = std::fs::read(&clip)?;
    let profile = TranscodeProfile::defaults()
        .into_iter()
        .find(|p| p.name == "mp4_720p")
        .context("the default mp4_720p profile")?;
    let source = av::probe(
        &clip,
        &AvLimits {
            max_duration_s: 10_800.0,
            max_long_side: 7680,
            max_short_side: 4320,
            timeout: Duration::from_secs(60),
        },
    )?;

    let mut uploads = Vec::new();
    let mut ready = Vec::new();
    let mut transcodes = Vec::new();
    let mut totals = Vec::new();
    for run in 0..options.runs {
        let server = Server::start(Some(CONFIG)).await?;
        let client = client()?;
        let started = Instant::now();
        // A distinct name per run; the bytes are the same but every server is fresh.
        let asset = upload(&client, &server, &format!("clip-{run}.mp4"), bytes.clone()).await?;
        uploads.push(started.elapsed());
        let id = asset["id"].as_str().unwrap_or_default().to_owned();
        let asset = poll(&client, &server, &format!("/api/v1/assets/{id}"), |a| {
            a["status"] == "ready"
        })
        .await?;
        ready.push(started.elapsed());
        let job = asset["jobs"]
            .as_array()
            .and_then(|jobs| jobs.iter().find(|j| j["kind"] == "transcode"))
            .and_then(|j| j["id"].as_str())
            .context("no transcode job was queued")?
            .to_owned();
        let job_path = format!("/api/v1/jobs/{job}");
        poll(&client, &server, &job_path, |j| j["status"] != "queued").await?;
        let running = Instant::now();
        poll(&client, &server, &job_path, |j| j["status"] == "succeeded").await?;
        transcodes.push(running.elapsed());
        totals.push(started.elapsed());
    }

    let mut by_hand = Vec::new();
    for _ in 0..options.runs {
        let out = dir.path().join("by-hand.mp4");
        let mut cmd = av::transcode_command(&clip, &out, &profile, &source)?;
        by_hand.push(timed(&mut cmd, "ffmpeg")?);
    }
    let shown_command = {
        let cmd = av::transcode_command(&clip, Path::new("out.mp4"), &profile, &source)?;
        std::iter::once(cmd.get_program())
            .chain(cmd.get_args())
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    };

    let (upload_s, ready_s) = (median(uploads).as_secs_f64(), median(ready).as_secs_f64());
    let (server_s, ffmpeg_s) = (
        median(transcodes).as_secs_f64(),
        median(by_hand).as_secs_f64(),
    );
    println!("| measure | value |");
    println!("|---|---|");
    println!(
        "| clip | testsrc2 1920×1080 30 fps + sine, {} s, H.264/AAC, {} bytes |",
        options.seconds,
        bytes.len()
    );
    println!("| upload request (stage, sniff, ffprobe, 2 s decode check) | {upload_s:.3} s |");
    println!(
        "| processing job (probe, poster at 5 s, 12 poster variants) | {:.3} s |",
        ready_s - upload_s
    );
    println!("| upload → asset ready | {ready_s:.3} s |");
    println!("| mp4_720p transcode job (running → rendition recorded) | {server_s:.3} s |");
    println!("| the same ffmpeg command by hand | {ffmpeg_s:.3} s |");
    println!(
        "| transcode overhead | {:+.1} % |",
        (server_s / ffmpeg_s - 1.0) * 100.0
    );
    println!(
        "| upload → poster, variants and mp4_720p all done | {:.3} s |",
        median(totals).as_secs_f64()
    );
    println!();
    println!("ffmpeg command: `{shown_command}`");
    Ok(ExitCode::SUCCESS)
}

/// Generates the clip with ffmpeg's lavfi sources (not timed).
fn generate(dir: &Path, seconds: u32) -> anyhow::Result<PathBuf> {
    let out = dir.join("testsrc2-1080p.mp4");
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y"])
        .args(["-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30"])
        .args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"])
        .args(["-t", &seconds.to_string(), "-pix_fmt", "yuv420p"])
        .args(["-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac"])
        .arg(&out)
        .status()
        .context("run ffmpeg (apt-get install ffmpeg)")?;
    if !status.success() {
        bail!("ffmpeg could not generate the test clip");
    }
    Ok(out)
}
