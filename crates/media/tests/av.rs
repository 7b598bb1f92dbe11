//! Video and audio on the real corpus (`$MEDIALIB_CORPUS`, facts in its `manifest.json`),
//! through the installed ffprobe and ffmpeg.

mod support;

use support::{corpus_dir, manifest};

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use medialib_core::{OutputFormat, TranscodeProfile, VideoMetadata};
use medialib_media::av::{self, AvLimits, Probed};
use medialib_media::{Cancel, MediaError};
use serde_json::Value;

const TIMEOUT: Duration = Duration::from_secs(60);

fn file(rel: &str) -> PathBuf {
    corpus_dir().join(rel)
}

/// The manifest entries under `video/` and `audio/`.
fn av_entries() -> Vec<Value> {
    manifest()
        .into_iter()
        .filter(|e| {
            let p = e["path"].as_str().unwrap_or("");
            p.starts_with("video/") || p.starts_with("audio/")
        })
        .collect()
}

fn entry(rel: &str) -> Value {
    av_entries()
        .into_iter()
        .find(|e| e["path"] == rel)
        .unwrap_or_else(|| panic!("{rel} not in manifest"))
}

fn probe(rel: &str) -> Result<Probed, MediaError> {
    av::probe(&file(rel), &AvLimits::default())
}

fn video(rel: &str) -> VideoMetadata {
    match probe(rel) {
        Ok(Probed::Video(v)) => v,
        other => panic!("{rel}: expected video, got {other:?}"),
    }
}

fn profile(name: &str, format: OutputFormat, resolution: Option<u32>) -> TranscodeProfile {
    TranscodeProfile {
        name: name.to_owned(),
        format,
        resolution,
        min_source_resolution: None,
        crf: None,
        audio_kbps: None,
        enabled: true,
    }
}

fn decoded_size(encoded: &[u8]) -> (u32, u32) {
    let img = image::load_from_memory(encoded).expect("decodes");
    (img.width(), img.height())
}

/// ffprobe's own JSON for a file, to check outputs independently of the code under test.
fn ffprobe_json(path: &Path) -> Value {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
        ])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

/// Runs ffmpeg with `args` writing `output`, for generated test clips.
fn ffmpeg(args: &[&str], output: &Path) {
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error"])
        .args(args)
        .arg("-y")
        .arg(output)
        .status()
        .expect("ffmpeg runs");
    assert!(status.success());
}

/// Runs `f` on every entry in parallel (each probe is a couple of subprocesses).
fn each<F: Fn(&Value) + Sync>(entries: &[Value], f: F) {
    std::thread::scope(|s| {
        let handles: Vec<_> = entries
            .iter()
            .map(|e| (e["path"].clone(), s.spawn(|| f(e))))
            .collect();
        let failed: Vec<_> = handles
            .into_iter()
            .filter_map(|(path, h)| h.join().is_err().then_some(path))
            .collect();
        assert!(failed.is_empty(), "failed: {failed:?}");
    });
}

#[test]
fn accepted_files_probe_as_the_manifest_says() {
    let accepted: Vec<_> = av_entries()
        .into_iter()
        .filter(|e| e["expect"] == "accept")
        .collect();
    assert!(
        accepted.len() >= 20,
        "corpus has {} A/V files",
        accepted.len()
    );
    each(&accepted, |e| {
        let rel = e["path"].as_str().unwrap();
        let probed = probe(rel).unwrap_or_else(|err| panic!("{rel}: {err}"));
        let duration = e["duration_s"].as_f64().unwrap();
        assert!(
            (probed.duration_s() - duration).abs() <= 0.1,
            "{rel}: duration {} vs {duration}",
            probed.duration_s()
        );
        let tags = &e["tags"];
        match probed {
            Probed::Video(v) => {
                assert_eq!(e["kind"], "video", "{rel}");
                let size = (e["width"].as_u64().unwrap(), e["height"].as_u64().unwrap());
                assert_eq!((u64::from(v.width), u64::from(v.height)), size, "{rel}");
                assert_eq!(v.video_codec, e["video_codec"].as_str().unwrap(), "{rel}");
                assert_eq!(
                    i64::from(v.rotation),
                    e["rotation"].as_i64().unwrap_or(0),
                    "{rel}"
                );
                assert_eq!(v.audio_codec.as_deref(), e["audio_codec"].as_str(), "{rel}");
                assert_eq!(
                    v.audio_sample_rate.map(u64::from),
                    e["sample_rate"].as_u64(),
                    "{rel}"
                );
                assert_eq!(
                    v.audio_channels.map(u64::from),
                    e["channels"].as_u64(),
                    "{rel}"
                );
            }
            Probed::Audio(a) => {
                assert_eq!(e["kind"], "audio", "{rel}");
                assert_eq!(a.codec, e["audio_codec"].as_str().unwrap(), "{rel}");
                assert_eq!(
                    Some(u64::from(a.sample_rate)),
                    e["sample_rate"].as_u64(),
                    "{rel}"
                );
                assert_eq!(Some(u64::from(a.channels)), e["channels"].as_u64(), "{rel}");
                assert_eq!(a.has_cover_art, e["has_cover_art"] == true, "{rel}");
                for (key, got) in [
                    ("title", &a.tags.title),
                    ("artist", &a.tags.artist),
                    ("album", &a.tags.album),
                ] {
                    assert_eq!(got.as_deref(), tags[key].as_str(), "{rel}: {key}");
                }
            }
        }
    });
}

#[test]
fn rejected_files_fail_with_a_reason_and_doubtful_ones_finish() {
    let entries: Vec<_> = av_entries()
        .into_iter()
        .filter(|e| e["expect"] != "accept")
        .collect();
    assert!(entries.iter().any(|e| e["expect"] == "reject"));
    each(&entries, |e| {
        let rel = e["path"].as_str().unwrap();
        let started = Instant::now();
        let result = probe(rel);
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{rel} took too long"
        );
        if e["expect"] == "reject" {
            let err = result.expect_err(rel);
            let message = match &err {
                MediaError::Invalid(m) | MediaError::OverLimit(m) => m,
                other => panic!("{rel}: {other:?} is not Invalid/OverLimit"),
            };
            assert!(!message.trim().is_empty(), "{rel}: empty reason");
            assert!(!message.contains(" @ 0x"), "{rel}: {message}");
            assert!(
                !message.contains(&*corpus_dir().to_string_lossy()),
                "{rel}: {message}"
            );
        }
    });
}

#[test]
fn zero_bytes_and_no_streams_say_why() {
    let err = probe("video/bad/zero_bytes.mov").unwrap_err();
    assert!(
        err.to_string()
            .contains("Invalid data found when processing input"),
        "{err}"
    );
    assert_eq!(
        probe("video/bad/no_streams_262b.mp4"),
        Err(MediaError::Invalid("no audio or video streams".to_owned()))
    );
}

#[test]
fn iphone_clip_has_its_gps_position_and_creation_time() {
    let v = video("video/hevc_iphone_rotated.mov");
    let gps = v.gps.expect("ISO 6709 location tag");
    assert!(gps.latitude > 0.0 && gps.longitude > 0.0, "{gps:?}");
    assert!(gps.altitude.is_some());
    assert!(v.creation_time.is_some());
}

#[test]
fn duration_over_the_limit_is_over_limit() {
    let limits = AvLimits {
        max_duration_s: 1.0,
        ..AvLimits::default()
    };
    let err = av::probe(&file("video/h264_noaudio_320x240_10s.mp4"), &limits).unwrap_err();
    let MediaError::OverLimit(message) = err else {
        panic!("{err:?}")
    };
    assert!(
        message.contains("10.0 s") && message.contains("1 s"),
        "{message}"
    );
    let limits = AvLimits {
        max_long_side: 1000,
        ..AvLimits::default()
    };
    let err = av::probe(&file("video/h264_rotate90_buck_bunny.mp4"), &limits).unwrap_err();
    assert!(matches!(err, MediaError::OverLimit(_)), "{err:?}");
}

#[test]
fn posters_of_rotated_clips_are_upright() {
    for rel in [
        "video/h264_rotate90_buck_bunny.mp4",
        "video/h264_rotation_90_tiny.mp4",
        "video/hevc_iphone_rotated.mov",
    ] {
        // The manifest's facts stand in for a probe, which would decode two more seconds.
        let e = entry(rel);
        let meta = VideoMetadata {
            width: e["width"].as_u64().unwrap() as u32,
            height: e["height"].as_u64().unwrap() as u32,
            duration_s: e["duration_s"].as_f64().unwrap(),
            ..VideoMetadata::default()
        };
        let frame =
            av::poster(&file(rel), &meta, 1.0, TIMEOUT).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let size = decoded_size(&frame);
        assert_eq!(size, (meta.width, meta.height), "{rel}");
        assert!(size.1 > size.0, "{rel}: not portrait");
    }
}

#[test]
fn cover_art_only_where_there_is_some() {
    let cover = av::cover_art(&file("audio/flac_tagged_cover.flac"), TIMEOUT)
        .unwrap()
        .expect("cover");
    let (w, h) = decoded_size(&cover);
    assert!(w > 0 && h > 0);
    let jpeg = av::cover_art(&file("audio/m4a_aac_tagged.m4a"), TIMEOUT)
        .unwrap()
        .expect("cover");
    image::load_from_memory(&jpeg).expect("decodes");
    assert_eq!(
        av::cover_art(&file("audio/mp3_vbr_music.mp3"), TIMEOUT),
        Ok(None)
    );
}

#[test]
fn waveform_has_the_requested_peaks_and_picture() {
    let w = av::waveform(&file("audio/mp3_vbr_music.mp3"), 500, (800, 120), TIMEOUT).unwrap();
    assert_eq!(w.peaks.len(), 500);
    assert!(w.peaks.iter().all(|p| (0.0..=1.0).contains(p)));
    assert!(w.peaks.iter().any(|&p| p > 0.05), "music is not silent");
    assert_eq!((w.width, w.height), (800, 120));
    assert_eq!(decoded_size(&w.png), (800, 120));
    // 0.151 s is 16 windows of 10 ms: fewer than the buckets asked for.
    let short = av::waveform(
        &file("audio/mp3_id3v1v2_combined.mp3"),
        300,
        (300, 40),
        TIMEOUT,
    )
    .unwrap();
    assert_eq!(short.peaks.len(), 300);
}

fn source(width: u32, height: u32, audio: bool) -> Probed {
    Probed::Video(VideoMetadata {
        width,
        height,
        coded_width: width,
        coded_height: height,
        duration_s: 10.0,
        audio_codec: audio.then(|| "aac".to_owned()),
        ..VideoMetadata::default()
    })
}

#[test]
fn plan_scales_down_keeps_aspect_and_skips_what_does_not_apply() {
    let p720 = profile("mp4_720p", OutputFormat::Mp4, Some(720));
    assert_eq!(
        av::plan(&p720, &source(1920, 1080, true)),
        Some(Some((1280, 720)))
    );
    assert_eq!(
        av::plan(&p720, &source(1080, 1920, true)),
        Some(Some((720, 1280)))
    );
    assert_eq!(
        av::plan(&p720, &source(480, 270, true)),
        Some(Some((480, 270)))
    );
    assert_eq!(
        av::plan(&p720, &source(481, 271, true)),
        Some(Some((480, 270)))
    );
    assert_eq!(
        av::plan(&p720, &source(1921, 1081, true)),
        Some(Some((1280, 720)))
    );
    let w = av::plan(&p720, &source(1000, 999, true)).unwrap().unwrap();
    assert!(
        w.0.is_multiple_of(2) && w.1.is_multiple_of(2) && w.1 <= 720,
        "{w:?}"
    );

    let p1080 = TranscodeProfile {
        min_source_resolution: Some(1080),
        ..profile("mp4_1080p", OutputFormat::Mp4, Some(1080))
    };
    assert_eq!(av::plan(&p1080, &source(1280, 720, true)), None);
    assert_eq!(
        av::plan(&p1080, &source(1080, 1920, true)),
        Some(Some((1080, 1920)))
    );

    let audio = match probe("audio/opus.opus") {
        Ok(a @ Probed::Audio(_)) => a,
        other => panic!("{other:?}"),
    };
    assert_eq!(av::plan(&p720, &audio), None);
    let mp3 = profile("mp3", OutputFormat::Mp3, None);
    assert_eq!(av::plan(&mp3, &audio), Some(None));
    assert_eq!(av::plan(&mp3, &source(640, 480, true)), Some(None));
    assert_eq!(av::plan(&mp3, &source(640, 480, false)), None);
    let off = TranscodeProfile {
        enabled: false,
        ..p720
    };
    assert_eq!(av::plan(&off, &source(1920, 1080, true)), None);
}

#[test]
fn transcode_of_a_rotated_clip_is_upright_720p() {
    let rel = "video/h264_rotate90_buck_bunny.mp4";
    let source = probe(rel).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("staged");
    let mut seen = Vec::new();
    let rendition = av::transcode(
        &file(rel),
        &output,
        &profile("mp4_720p", OutputFormat::Mp4, Some(720)),
        &source,
        TIMEOUT,
        &Cancel::new(),
        &mut |p| seen.push(p),
    )
    .unwrap();
    assert_eq!((rendition.width, rendition.height), (Some(720), Some(1280)));
    assert_eq!(rendition.size, std::fs::metadata(&output).unwrap().len());
    assert_eq!(seen.last(), Some(&100), "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");

    let json = ffprobe_json(&output);
    let streams = json["streams"].as_array().unwrap();
    let v = streams.iter().find(|s| s["codec_type"] == "video").unwrap();
    assert_eq!(
        (
            v["codec_name"].as_str(),
            v["width"].as_u64(),
            v["height"].as_u64()
        ),
        (Some("h264"), Some(720), Some(1280))
    );
    assert!(v.get("side_data_list").is_none(), "rotation left in {v}");
    assert!(v["tags"].get("rotate").is_none());
    assert!(streams.iter().any(|s| s["codec_name"] == "aac"));
    let duration: f64 = json["format"]["duration"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((duration - source.duration_s()).abs() <= 0.1, "{duration}");
    assert!((rendition.duration_s - duration).abs() < 0.01);
}

#[test]
fn audio_renditions_carry_only_audio() {
    // FLAC with a cover picture, which must not end up in the rendition.
    let rel = "audio/flac_silence_tagged.flac";
    let source = probe(rel).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (format, codec) in [(OutputFormat::M4a, "aac"), (OutputFormat::Mp3, "mp3")] {
        let output = dir.path().join(format.extension());
        let rendition = av::transcode(
            &file(rel),
            &output,
            &profile(format.extension(), format, None),
            &source,
            TIMEOUT,
            &Cancel::new(),
            &mut |_| {},
        )
        .unwrap();
        assert_eq!((rendition.width, rendition.height), (None, None));
        assert!((rendition.duration_s - source.duration_s()).abs() <= 0.1);
        let json = ffprobe_json(&output);
        let streams = json["streams"].as_array().unwrap();
        assert_eq!(streams.len(), 1, "{format}: {streams:?}");
        assert_eq!(streams[0]["codec_name"], codec);
    }
}

#[test]
fn webm_rendition_of_a_surround_clip() {
    let rel = "video/h264_rotate90_buck_bunny.mp4";
    let source = probe(rel).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("staged");
    let rendition = av::transcode(
        &file(rel),
        &output,
        &profile("webm", OutputFormat::Webm, Some(240)),
        &source,
        TIMEOUT,
        &Cancel::new(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!((rendition.width, rendition.height), (Some(240), Some(426)));
    let json = ffprobe_json(&output);
    let codecs: Vec<_> = json["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["codec_name"].as_str().unwrap().to_owned(),
                s["channels"].as_u64(),
            )
        })
        .collect();
    assert_eq!(
        codecs,
        [("vp9".to_owned(), None), ("opus".to_owned(), Some(2))]
    );
}

#[test]
fn cancel_stops_at_once_and_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    // Two seconds of test pattern looped ten times: a 20 s 720p clip for a fraction of
    // the cost of rendering 20 s of pattern.
    let short = dir.path().join("short.mp4");
    let input = dir.path().join("long.mp4");
    let pattern = "testsrc2=size=1280x720:rate=30";
    let encode = ["-c:v", "libx264", "-preset", "ultrafast"];
    ffmpeg(
        &[&["-f", "lavfi", "-i", pattern, "-t", "2"], &encode[..]].concat(),
        &short,
    );
    ffmpeg(
        &[
            "-stream_loop",
            "9",
            "-i",
            short.to_str().unwrap(),
            "-c",
            "copy",
        ],
        &input,
    );
    let source = av::probe(&input, &AvLimits::default()).unwrap();
    let output = dir.path().join("staged");
    let cancel = Cancel::new();
    let mut calls = 0;
    let started = Instant::now();
    let mut cancelled_at = None;
    let result = av::transcode(
        &input,
        &output,
        &profile("mp4_720p", OutputFormat::Mp4, Some(720)),
        &source,
        TIMEOUT,
        &cancel,
        &mut |_| {
            calls += 1;
            if cancelled_at.is_none() {
                cancelled_at = Some(Instant::now());
                cancel.cancel();
            }
        },
    );
    assert_eq!(result, Err(MediaError::Cancelled));
    let cancelled_at = cancelled_at.expect("a progress callback");
    assert!(
        cancelled_at.elapsed() < Duration::from_secs(1),
        "not stopped at once"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(calls >= 1);
    assert!(!output.exists(), "half-written output left behind");
}
