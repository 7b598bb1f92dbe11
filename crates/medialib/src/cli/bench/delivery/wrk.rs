//! Closed-loop HTTP load with Debian's `wrk`, and what it reports.

use std::process::{Command, Stdio};

use anyhow::{Context, bail};

/// One load run: `connections` keep-alive connections, each sending its next request as
/// soon as the previous answer arrived, for `seconds`.
pub struct Load<'a> {
    pub url: &'a str,
    pub connections: u32,
    pub seconds: u32,
    /// Extra request headers, `Name: value`.
    pub headers: &'a [String],
    /// A Lua script (`-s`) and its arguments (after `--`), to vary requests.
    pub script: Option<(&'a std::path::Path, Vec<String>)>,
}

/// What `wrk --latency` measured.
pub struct Measured {
    pub requests: u64,
    pub per_second: f64,
    /// Median latency, in milliseconds.
    pub p50_ms: f64,
    /// 99th percentile latency, in milliseconds.
    pub p99_ms: f64,
    /// 95th percentile latency, in milliseconds, when the script printed it (`P95: …`).
    pub p95_ms: Option<f64>,
}

impl Load<'_> {
    /// Runs wrk; errors when it fails or any answer was not 2xx/3xx or a socket failed.
    pub fn run(&self) -> anyhow::Result<Measured> {
        // wrk shares the two cores with the server: one thread for one connection, two
        // for more, the same for both servers.
        let threads = self.connections.min(2);
        let mut cmd = Command::new("wrk");
        cmd.arg(format!("-t{threads}"))
            .arg(format!("-c{}", self.connections))
            .arg(format!("-d{}s", self.seconds))
            .arg("--latency")
            // Slow answers (a reference AVIF encode takes seconds) are measured, not dropped.
            .args(["--timeout", "30s"]);
        for header in self.headers {
            cmd.arg("-H").arg(header);
        }
        if let Some((script, _)) = &self.script {
            cmd.arg("-s").arg(script);
        }
        cmd.arg(self.url);
        if let Some((_, args)) = &self.script {
            cmd.arg("--").args(args);
        }
        let output = cmd
            .stdin(Stdio::null())
            .output()
            .context("run wrk (./scripts/setup.sh installs it)")?;
        let text = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            bail!("wrk failed: {}", String::from_utf8_lossy(&output.stderr));
        }
        parse(&text).with_context(|| format!("read wrk's report for {}:\n{text}", self.url))
    }
}

/// Reads wrk's report: `Requests/sec:`, the `requests in` total and the latency
/// distribution; refuses a run with non-2xx/3xx answers or socket errors.
fn parse(report: &str) -> anyhow::Result<Measured> {
    if let Some(line) = report.lines().find(|l| {
        l.contains("Non-2xx or 3xx responses") || l.trim_start().starts_with("Socket errors")
    }) {
        bail!("the run had failures: {}", line.trim());
    }
    let field = |prefix: &str| {
        report
            .lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix))
            .map(str::trim)
            .with_context(|| format!("no {prefix:?} line"))
    };
    let per_second: f64 = field("Requests/sec:")?.parse()?;
    let requests: u64 = report
        .lines()
        .find(|l| l.contains(" requests in "))
        .and_then(|l| l.split_whitespace().next())
        .context("no request count")?
        .parse()?;
    Ok(Measured {
        requests,
        per_second,
        p50_ms: milliseconds(field("50%")?)?,
        p99_ms: milliseconds(field("99%")?)?,
        p95_ms: field("P95:").ok().map(milliseconds).transpose()?,
    })
}

/// wrk's durations: `812.00us`, `1.25ms`, `2.01s`, `1.00m`.
fn milliseconds(text: &str) -> anyhow::Result<f64> {
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .with_context(|| format!("no unit in {text:?}"))?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse()?;
    Ok(match unit {
        "us" => number / 1000.0,
        "ms" => number,
        "s" => number * 1000.0,
        "m" => number * 60_000.0,
        _ => bail!("unknown unit in {text:?}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "Running 5s test @ http://127.0.0.1:1/a
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   412.00us  100.00us   2.00ms   90.00%
  Latency Distribution
     50%  380.00us
     75%  450.00us
     90%  520.00us
     99%    1.10ms
  96000 requests in 5.00s, 2.00GB read
Requests/sec:  19200.50
Transfer/sec:    400.00MB
";

    #[test]
    fn reads_wrk_reports() {
        let m = parse(REPORT).unwrap();
        assert_eq!(m.requests, 96_000);
        assert!((m.per_second - 19_200.5).abs() < 1e-9);
        assert!((m.p50_ms - 0.38).abs() < 1e-9);
        assert!((m.p99_ms - 1.1).abs() < 1e-9);
        assert_eq!(m.p95_ms, None);
        let scripted = format!("{REPORT}P95: 2500us\n");
        assert_eq!(parse(&scripted).unwrap().p95_ms, Some(2.5));
        let failed = REPORT.replace(
            "Requests/sec",
            "  Non-2xx or 3xx responses: 3\nRequests/sec",
        );
        assert!(parse(&failed).is_err());
        assert!(milliseconds("2.5s").unwrap() == 2500.0);
        assert!(milliseconds("7").is_err());
    }
}
