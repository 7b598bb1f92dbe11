//! The reference server: `scripts/bench-sharp/server.js` on Node.js with sharp, installed
//! from its lock file on first use (`npm ci`), on a free loopback port.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// Where the server and its lock file are, relative to the repository.
const DIR: &str = "scripts/bench-sharp";

/// A running sharp server, stopped on drop.
pub struct Sharp {
    child: Child,
    pub base: String,
}

impl Drop for Sharp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sharp {
    /// Installs sharp when missing and serves transforms of `image`.
    pub async fn start(image: &Path) -> anyhow::Result<Sharp> {
        let dir = PathBuf::from(DIR);
        if !dir.join("node_modules/sharp").exists() {
            let status = Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--prefix"])
                .arg(&dir)
                .stdout(Stdio::null())
                .status()
                .context("run npm (Node.js 20 with npm is needed for the sharp reference)")?;
            if !status.success() {
                bail!("npm ci in {DIR} failed");
            }
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let child = Command::new("node")
            .arg(dir.join("server.js"))
            .arg(port.to_string())
            .arg(image.canonicalize()?)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .context("start node (run from the repository root)")?;
        let sharp = Sharp {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        while reqwest::get(format!("{}/t?w=8&h=8&fit=cover&q=50&fmt=jpeg", sharp.base))
            .await
            .is_err()
        {
            if started.elapsed() > Duration::from_secs(20) {
                bail!("the sharp server did not start within 20 s");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(sharp)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}
