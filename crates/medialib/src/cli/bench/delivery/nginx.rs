//! The reference: Debian's nginx serving a directory, started on a free loopback port with
//! the configuration in `nginx.conf` beside this file; and the CPU time and memory of a
//! process tree, read from `/proc` (proc(5)).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

const CONFIG: &str = include_str!("nginx.conf");

/// An nginx master process and its workers, stopped on drop.
pub struct Nginx {
    child: Child,
    pub base: String,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Nginx {
    /// Serves `root` from a free port; `scratch` holds the configuration, pid and logs.
    pub async fn start(root: &Path, scratch: &Path) -> anyhow::Result<Nginx> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let config = CONFIG
            .replace("{dir}", &scratch.display().to_string())
            .replace("{root}", &root.display().to_string())
            .replace("{port}", &port.to_string());
        let path = scratch.join("nginx.conf");
        std::fs::write(&path, config)?;
        let child = Command::new("nginx")
            .arg("-c")
            .arg(&path)
            .arg("-e")
            .arg(scratch.join("error.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("start nginx (./scripts/setup.sh installs nginx-light)")?;
        let nginx = Nginx {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        while reqwest::get(format!("{}/", nginx.base)).await.is_err() {
            if started.elapsed() > Duration::from_secs(10) {
                let log = std::fs::read_to_string(scratch.join("error.log")).unwrap_or_default();
                bail!("nginx did not start within 10 s: {log}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(nginx)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// CPU time (user + system) of `pid` and its child processes, in seconds.
pub fn cpu_seconds(pid: u32) -> anyhow::Result<f64> {
    let mut ticks = 0;
    for pid in tree(pid)? {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
        // Fields after the command name, which may hold spaces, ends with ')'.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .context("malformed /proc stat")?
            .1
            .split_whitespace()
            .collect();
        // utime and stime are fields 14 and 15 of proc(5), 12 and 13 after the name.
        let utime: u64 = fields.get(11).context("no utime")?.parse()?;
        let stime: u64 = fields.get(12).context("no stime")?.parse()?;
        ticks += utime + stime;
    }
    // /proc reports in USER_HZ, which is 100 on Linux whatever the kernel's HZ.
    Ok(ticks as f64 / 100.0)
}

/// Resident memory of `pid` and its child processes, in KiB.
pub fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let mut total = 0;
    for pid in tree(pid)? {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        total += status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .unwrap_or(0);
    }
    Ok(total)
}

/// `pid` and its direct children (nginx's workers).
fn tree(pid: u32) -> anyhow::Result<Vec<u32>> {
    let mut pids = vec![pid];
    for entry in std::fs::read_dir("/proc")? {
        let Some(other) = entry?
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{other}/stat")) else {
            continue;
        };
        let parent = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if parent == Some(pid) {
            pids.push(other);
        }
    }
    Ok(pids)
}
