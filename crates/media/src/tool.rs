//! Running the external tools (ffprobe, ffmpeg, pdfinfo, pdftoppm, pdftotext) safely:
//! no stdin, a wall-clock timeout, bounded output, and killed at once on cancel.
//!
//! Subprocesses, not FFI, so that a crash or hang in a decoder on a hostile file takes
//! down one child process, never the server (DESIGN.md §7).

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::MediaError;

/// Most stderr bytes kept: enough for any tool's error messages.
const MAX_STDERR: usize = 64 * 1024;

/// A cancellation flag shared between the caller and running work. Cloning shares it.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A flag that is not set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the work to stop; a running tool is killed within ~50 ms.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`Cancel::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// What to do with a tool's standard output.
pub(crate) enum Stdout<'a> {
    /// Keep it, failing the run when it grows beyond `max` bytes.
    Collect {
        /// Most bytes accepted.
        max: usize,
    },
    /// Hand each line (without the newline) to the callback as it arrives.
    Lines(&'a mut dyn FnMut(&str)),
    /// Hand each chunk of bytes to the callback as it arrives (for large binary output).
    Chunks(&'a mut dyn FnMut(&[u8])),
}

/// A finished tool run.
#[derive(Debug)]
pub(crate) struct Output {
    /// Exit status.
    pub status: ExitStatus,
    /// Collected stdout (empty unless [`Stdout::Collect`]).
    pub stdout: Vec<u8>,
    /// The first 64 KiB of stderr, lossily decoded.
    pub stderr: String,
}

impl Output {
    /// Stderr trimmed to its non-empty lines joined with `; `, for error messages.
    pub fn reason(&self) -> String {
        self.stderr
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .take(5)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Runs `cmd` to completion.
///
/// Errors: [`MediaError::Tool`] when the program cannot be started (not installed) or its
/// stdout exceeds the limit, [`MediaError::Timeout`] after `timeout`,
/// [`MediaError::Cancelled`] when `cancel` is set. In every error case the child has been
/// killed and reaped. A non-zero exit is not an error here: callers read the status.
pub(crate) fn run(
    cmd: &mut Command,
    timeout: Duration,
    cancel: Option<&Cancel>,
    mut stdout: Stdout<'_>,
) -> Result<Output, MediaError> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    // A tool must not outlive a process killed without warning (SIGKILL, OOM): it would
    // keep a core busy for up to a transcode's timeout on work nobody records. The kernel
    // kills it when the thread that spawned it dies; that thread waits for it below.
    // SAFETY: between fork and exec the closure only calls prctl, which is
    // async-signal-safe, and allocates nothing.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| MediaError::Tool(format!("cannot run {program}: {e} (is it installed?)")))?;

    let (tx, rx) = mpsc::sync_channel::<Vec<u8>>(16);
    let mut out_pipe = child.stdout.take().expect("stdout is piped");
    let reader = std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match out_pipe.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tx.send(buf[..n].to_vec()).is_err() {
                        break;
                    }
                }
            }
        }
    });
    let mut err_pipe = child.stderr.take().expect("stderr is piped");
    let err_reader = std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut buf = [0u8; 8192];
        while let Ok(n) = err_pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            let room = MAX_STDERR.saturating_sub(kept.len());
            kept.extend_from_slice(&buf[..n.min(room)]);
        }
        String::from_utf8_lossy(&kept).into_owned()
    });

    let deadline = Instant::now() + timeout;
    let mut collected = Vec::new();
    let mut partial_line = Vec::new();
    let failure = loop {
        if cancel.is_some_and(Cancel::is_cancelled) {
            break Some(MediaError::Cancelled);
        }
        if Instant::now() >= deadline {
            break Some(MediaError::Timeout {
                tool: program.clone(),
                seconds: timeout.as_secs(),
            });
        }
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(chunk) => match &mut stdout {
                Stdout::Collect { max } => {
                    if collected.len() + chunk.len() > *max {
                        break Some(MediaError::Tool(format!(
                            "{program} wrote more than {max} bytes of output"
                        )));
                    }
                    collected.extend_from_slice(&chunk);
                }
                Stdout::Lines(on_line) => {
                    partial_line.extend_from_slice(&chunk);
                    while let Some(end) = partial_line.iter().position(|&b| b == b'\n') {
                        let line: Vec<u8> = partial_line.drain(..=end).collect();
                        on_line(String::from_utf8_lossy(&line).trim_end());
                    }
                }
                Stdout::Chunks(on_chunk) => on_chunk(&chunk),
            },
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            // The reader is done: stdout is closed, the process is exiting.
            Err(mpsc::RecvTimeoutError::Disconnected) => break None,
        }
    };
    if let Some(error) = failure {
        let _ = child.kill();
        let _ = child.wait();
        drop(rx);
        let _ = reader.join();
        let _ = err_reader.join();
        return Err(error);
    }
    if let Stdout::Lines(on_line) = &mut stdout
        && !partial_line.is_empty()
    {
        on_line(String::from_utf8_lossy(&partial_line).trim_end());
    }
    // Stdout is closed; the exit follows at once, but a tool that closed stdout and
    // kept running is still bound by the deadline.
    let status = loop {
        if let Some(status) = child
            .try_wait()
            .map_err(|e| MediaError::Tool(format!("waiting for {program}: {e}")))?
        {
            break status;
        }
        if Instant::now() >= deadline || cancel.is_some_and(Cancel::is_cancelled) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(if cancel.is_some_and(Cancel::is_cancelled) {
                MediaError::Cancelled
            } else {
                MediaError::Timeout {
                    tool: program,
                    seconds: timeout.as_secs(),
                }
            });
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let _ = reader.join();
    let stderr = err_reader.join().unwrap_or_default();
    Ok(Output {
        status,
        stdout: collected,
        stderr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_output_and_status() {
        let out = run(
            Command::new("sh").args(["-c", "echo hi; echo oops >&2; exit 3"]),
            Duration::from_secs(5),
            None,
            Stdout::Collect { max: 1024 },
        )
        .unwrap();
        assert_eq!(out.stdout, b"hi\n");
        assert_eq!(out.reason(), "oops");
        assert_eq!(out.status.code(), Some(3));
    }

    #[test]
    fn times_out_and_kills() {
        let started = Instant::now();
        let err = run(
            Command::new("sleep").arg("10"),
            Duration::from_millis(200),
            None,
            Stdout::Collect { max: 1024 },
        )
        .unwrap_err();
        assert!(matches!(err, MediaError::Timeout { .. }), "{err:?}");
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn cancel_kills_at_once() {
        let cancel = Cancel::new();
        let flag = cancel.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            flag.cancel();
        });
        let started = Instant::now();
        let err = run(
            Command::new("sleep").arg("10"),
            Duration::from_secs(30),
            Some(&cancel),
            Stdout::Collect { max: 1024 },
        )
        .unwrap_err();
        assert_eq!(err, MediaError::Cancelled);
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn lines_arrive_one_by_one_and_output_is_bounded() {
        let mut lines = Vec::new();
        let mut on_line = |l: &str| lines.push(l.to_owned());
        run(
            Command::new("printf").arg("a\nb\nc"),
            Duration::from_secs(5),
            None,
            Stdout::Lines(&mut on_line),
        )
        .unwrap();
        assert_eq!(lines, ["a", "b", "c"]);
        let err = run(
            Command::new("head").args(["-c", "100000", "/dev/zero"]),
            Duration::from_secs(5),
            None,
            Stdout::Collect { max: 1000 },
        )
        .unwrap_err();
        assert!(matches!(err, MediaError::Tool(_)), "{err:?}");
    }

    #[test]
    fn a_missing_program_says_so() {
        let err = run(
            &mut Command::new("medialib-no-such-tool"),
            Duration::from_secs(5),
            None,
            Stdout::Collect { max: 10 },
        )
        .unwrap_err();
        assert!(err.to_string().contains("is it installed"), "{err}");
    }
}
