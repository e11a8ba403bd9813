//! `orgdesk import organizations|users FILE`: validates the file, reports every
//! problem on standard error (one line each: `line 17, column parent: …`), and applies
//! it whole when there are none. Exit status 0 when it was applied (or, with
//! `--dry-run`, would be), 1 when the file has problems, 2 when it cannot be read.

use crate::cli::{Exit, ImportCommand};
use crate::config::database_url;
use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use orgdesk_app::{App, ImportProgress, ImportStatus};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub async fn run(command: ImportCommand) -> anyhow::Result<()> {
    let ImportCommand {
        what,
        file,
        dry_run,
        database,
    } = command;
    let size = match std::fs::metadata(&file) {
        Ok(meta) if meta.is_file() => meta.len(),
        Ok(_) => return Err(Exit::usage(format!("{} is not a file", file.display())).into()),
        Err(err) => {
            return Err(Exit::usage(format!("{} cannot be read: {err}", file.display())).into());
        }
    };
    let url = database_url(database.database.as_deref())?;
    let app = App::open(&url)
        .await
        .with_context(|| format!("opening the database {url}"))?;
    let file_name = file.file_name().map(|n| n.to_string_lossy().into_owned());
    let id = app
        .begin_import(what.kind(), dry_run, file_name.as_deref(), None)
        .await?;
    let progress = Progress::new(size);
    let report = app.run_import(id, &file, &progress).await?;
    progress.finish();
    app.close().await?;

    for problem in &report.problems {
        eprintln!("{problem}");
    }
    let more = report.problem_count - report.problems.len() as u64;
    if more > 0 {
        eprintln!("… and {more} more problems");
    }
    let kind = what.kind().as_str();
    match report.status {
        ImportStatus::Done if report.dry_run => {
            println!(
                "import {id} (dry run): {} rows checked, no problems — {} {kind} would be created, {} updated or left as they are",
                report.rows, report.created, report.updated
            );
            Ok(())
        }
        ImportStatus::Done => {
            println!(
                "import {id}: {} rows — {} {kind} created, {} updated, {} unchanged",
                report.rows, report.created, report.updated, report.unchanged
            );
            Ok(())
        }
        _ => Err(Exit::problems(format!(
            "import {id}: {} problem{} in the file; nothing was imported",
            report.problem_count,
            if report.problem_count == 1 { "" } else { "s" }
        ))
        .into()),
    }
}

/// A progress bar on a terminal (rows/s and the time left, by bytes read); elsewhere a
/// plain line every few seconds.
struct Progress {
    bar: Option<ProgressBar>,
    plain: Mutex<PlainLines>,
}

struct PlainLines {
    phase: &'static str,
    started: Instant,
    last: Instant,
}

impl Progress {
    fn new(size: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(Some(size), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{msg} [{bar:30}] {percent:>3}% · {eta} left")
                    .expect("a valid template")
                    .progress_chars("=> "),
            );
            bar
        });
        let now = Instant::now();
        Progress {
            bar,
            plain: Mutex::new(PlainLines {
                phase: "validating",
                started: now,
                last: now,
            }),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl ImportProgress for Progress {
    fn phase(&self, status: ImportStatus) {
        if let Some(bar) = &self.bar {
            bar.reset();
            bar.set_message(status.as_str());
        }
        let mut plain = self.plain.lock().expect("progress lock");
        plain.phase = status.as_str();
        plain.started = Instant::now();
    }

    fn rows(&self, rows: u64, bytes: u64) {
        let mut plain = self.plain.lock().expect("progress lock");
        let seconds = plain.started.elapsed().as_secs_f64().max(0.001);
        let line = format!(
            "{}: {rows} rows ({:.0} rows/s)",
            plain.phase,
            rows as f64 / seconds
        );
        if let Some(bar) = &self.bar {
            // The bar measures bytes read, which gives the time left.
            bar.set_position(bytes);
            bar.set_message(line);
        } else if plain.last.elapsed() >= Duration::from_secs(5) {
            plain.last = Instant::now();
            eprintln!("{line}");
        }
    }
}
