//! The Markdown report.

use super::{Backend, LEASE, Measured, Options, PROCESSES, Run, TARGET_JOBS_PER_S, TASKS};

/// Prints the Markdown report.
pub(super) fn print_report(options: &Options, report: &[(&Backend, Vec<Measured>, Option<f64>)]) {
    let has_pg = report.len() > 1;
    println!("| measure | value |");
    println!("|---|---|");
    println!(
        "| jobs | {} per run, one `process_image` job per new image asset; {} run(s) per \
         cell, the median reported (min–max in brackets) |",
        thousands(f64::from(options.jobs)),
        options.runs
    );
    println!(
        "| each job | claim (`claim_job_of`), one heartbeat (`job_progress`), finish \
         (`finish_job`, succeeded); lease {} s |",
        LEASE.as_secs()
    );
    println!(
        "| processes | 1 for 1 task, else {PROCESSES} (`bench queue --drain`), the tasks \
         split evenly; timed from `go` until every process has exited |"
    );
    println!(
        "| machine | {} CPUs |",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    for (backend, _, steal) in report {
        println!(
            "| CPU time stolen by the host while {} ran | {} |",
            backend.name(),
            steal.map_or("unknown".into(), |p| format!("{p:.0} %"))
        );
    }
    println!();
    print!("| worker tasks | processes × tasks |");
    for (backend, _, _) in report {
        print!(" {} jobs/s |", backend.name());
    }
    if has_pg {
        print!(" PostgreSQL ≥ {} |", thousands(TARGET_JOBS_PER_S));
    }
    println!();
    print!("|---:|---|");
    for _ in report {
        print!("---:|");
    }
    if has_pg {
        print!(":-:|");
    }
    println!();
    for (row, tasks) in TASKS.iter().enumerate() {
        let processes = if *tasks == 1 { 1 } else { PROCESSES };
        print!("| {tasks} | {processes} × {} |", tasks / processes);
        let mut pg_median = None;
        for (backend, measured, _) in report {
            let runs = &measured[row].runs;
            let mut rates: Vec<f64> = runs.iter().map(Run::jobs_per_s).collect();
            rates.sort_by(f64::total_cmp);
            let median = rates[rates.len() / 2];
            if let Backend::Postgres(..) = backend {
                pg_median = Some(median);
            }
            if rates.len() > 1 {
                print!(
                    " **{}** ({}–{}) |",
                    thousands(median),
                    thousands(rates[0]),
                    thousands(rates[rates.len() - 1])
                );
            } else {
                print!(" **{}** |", thousands(median));
            }
        }
        if let Some(m) = pg_median {
            print!(
                " {} |",
                if m >= TARGET_JOBS_PER_S {
                    "yes"
                } else {
                    "**no**"
                }
            );
        }
        println!();
    }
    println!();
    let mut failures = Vec::new();
    for (backend, measured, _) in report {
        let runs: Vec<&Run> = measured.iter().flat_map(|m| &m.runs).collect();
        let jobs: usize = runs.iter().map(|r| r.jobs).sum();
        let twice: usize = runs.iter().map(|r| r.check.run_twice()).sum();
        println!(
            "{}: run twice: {twice} (of {} jobs in {} runs: every one finished by one task, \
             `succeeded` after 1 attempt{})",
            backend.name(),
            thousands(jobs as f64),
            runs.len(),
            if runs.iter().all(|r| r.check.ok()) {
                ""
            } else {
                ": **NOT SO, see below**"
            }
        );
        for m in measured {
            for (n, r) in m.runs.iter().enumerate() {
                if !r.check.ok() {
                    failures.push(format!(
                        "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                        backend.name(),
                        m.tasks,
                        n + 1,
                        r.check.reported,
                        r.check.repeated,
                        r.check.missing,
                        r.check.foreign,
                        r.check.not_succeeded,
                        r.check.attempted_again
                    ));
                }
            }
        }
    }
    if !failures.is_empty() {
        println!();
        println!(
            "| backend | tasks | run | reported | reported twice | missing | not seeded \
             | not succeeded | attempts ≠ 1 |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for line in failures {
            println!("{line}");
        }
    }
}

/// A whole number with a space between thousands: `20 000`.
pub(super) fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}
