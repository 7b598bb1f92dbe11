//! Building ffprobe and ffmpeg command lines that are safe on hostile uploads, and turning
//! their stderr into messages for API users.

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

use crate::MediaError;
use crate::tool::Output;

/// The demuxers medialib accepts (MP4/MOV/3GP, Matroska/WebM, AVI, MPEG program and
/// transport streams and MPEG-1/2 video, FLV, ASF/WMV/WMA, MP3, AAC, AC-3, E-AC-3, AMR, Ogg, FLAC, WAV, AIFF).
/// Anything else is refused before it is parsed: playlist demuxers such as HLS or concat
/// would open further files named inside the upload, and the protocol whitelist alone
/// still allows `file`.
const DEMUXERS: &str =
    "mov,matroska,avi,mpeg,mpegvideo,mpegts,flv,asf,mp3,aac,ac3,eac3,amr,ogg,flac,wav,aiff";

/// `ffprobe` printing JSON about `input`.
pub(super) fn ffprobe(input: &Path) -> Command {
    let mut cmd = Command::new("ffprobe");
    cmd.args(["-hide_banner", "-v", "error"]);
    add_input(&mut cmd, input);
    cmd.args(["-print_format", "json", "-show_format", "-show_streams"]);
    cmd
}

/// `ffmpeg` reading `input`, with `input_options` (e.g. `-ss`) placed before `-i`; output
/// options are appended by the caller.
pub(super) fn ffmpeg(input: &Path, input_options: &[&str]) -> Command {
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-nostdin", "-hide_banner", "-v", "error"]);
    cmd.args(input_options);
    add_input(&mut cmd, input);
    cmd
}

fn add_input(cmd: &mut Command, input: &Path) {
    cmd.args(["-protocol_whitelist", "file,pipe"]);
    cmd.args(["-format_whitelist", DEMUXERS]);
    cmd.arg("-i").arg(file_arg(input));
}

/// The `file:` prefix keeps a name like `concat:a|b` or `-y` from being read as a
/// protocol or an option.
pub(super) fn file_arg(path: &Path) -> OsString {
    let mut arg = OsString::from("file:");
    arg.push(path);
    arg
}

/// The tool's stderr as one line for an API user: without the input's path (it is a
/// server-side staging path) and without the `@ 0x55d1…` context addresses ffmpeg puts in
/// its `[h264 @ 0x…]` prefixes. Falls back to the exit status when stderr is empty.
pub(super) fn reason(mut out: Output, input: &Path, tool: &str) -> String {
    let path = input.to_string_lossy();
    let prefixed = format!("file:{path}: ");
    let bare = format!("{path}: ");
    out.stderr = out
        .stderr
        .lines()
        .map(|line| strip_addresses(&line.replace(&prefixed, "").replace(&bare, "")))
        .collect::<Vec<_>>()
        .join("\n");
    let reason = out.reason();
    if reason.contains("Format not on whitelist") {
        return "the container is not one medialib accepts (MP4, MOV, 3GP, WebM, MKV, AVI, \
                MPEG-PS, MPEG-TS, FLV, WMV, MP3, AAC, AC-3, WMA, AMR, Ogg, FLAC, WAV, AIFF)"
            .to_owned();
    }
    if reason.is_empty() {
        format!("{tool} failed without a message ({})", out.status)
    } else {
        reason
    }
}

/// The error for a tool run that exited non-zero on the upload's account.
pub(super) fn invalid(out: Output, input: &Path, tool: &str) -> MediaError {
    MediaError::Invalid(reason(out, input, tool))
}

/// `[h264 @ 0x55d1c0a0] msg` → `[h264] msg`.
fn strip_addresses(line: &str) -> String {
    let mut rest = line;
    let mut cleaned = String::with_capacity(line.len());
    while let Some(at) = rest.find(" @ 0x") {
        let after = &rest[at + 5..];
        let hex_len = after
            .find(|c: char| !c.is_ascii_hexdigit())
            .unwrap_or(after.len());
        if hex_len > 0 && after[hex_len..].starts_with(']') {
            cleaned.push_str(&rest[..at]);
            rest = &after[hex_len..];
        } else {
            cleaned.push_str(&rest[..at + 5]);
            rest = after;
        }
    }
    cleaned.push_str(rest);
    cleaned
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_removed_from_context_prefixes_only() {
        assert_eq!(
            strip_addresses("[h264 @ 0x55d1c0a0f00] Invalid NAL unit size (0 > 47873)."),
            "[h264] Invalid NAL unit size (0 > 47873)."
        );
        assert_eq!(
            strip_addresses("[mov,mp4,m4a,3gp,3g2,mj2 @ 0x1] a @ 0xzz b"),
            "[mov,mp4,m4a,3gp,3g2,mj2] a @ 0xzz b"
        );
    }

    #[test]
    fn inputs_cannot_be_read_as_protocols_or_options() {
        assert_eq!(file_arg(Path::new("concat:a|b")), "file:concat:a|b");
        assert_eq!(file_arg(Path::new("-y")), "file:-y");
    }
}
