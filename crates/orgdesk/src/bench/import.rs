//! The import phase of `orgdesk bench`: generated organizations and users files
//! imported into an empty database by `orgdesk import` itself (a child process, so the
//! figures are the CLI's end to end: reading, checking, applying, committing), with
//! the child's peak memory.

use anyhow::{Context, bail};
use orgdesk_app::DatabaseUrl;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

/// What the phase generates and where it imports.
pub struct ImportBench<'a> {
    pub organizations: usize,
    pub users: usize,
    pub seed: u64,
    pub database: &'a DatabaseUrl,
    pub folder: &'a Path,
}

/// Writes an organizations file: a random forest (each organization under a random
/// earlier one, 2 % roots, never deeper than 12 levels), one domain each, rows
/// shuffled so most parents come after some of their children.
fn write_organizations(path: &Path, count: usize, rng: &mut StdRng) -> anyhow::Result<()> {
    let mut depths: Vec<usize> = Vec::with_capacity(count);
    let mut parents: Vec<Option<usize>> = Vec::with_capacity(count);
    for i in 0..count {
        let parent = if i == 0 || rng.random_bool(0.02) {
            None
        } else {
            let j = rng.random_range(0..i);
            (depths[j] < 12).then_some(j)
        };
        depths.push(parent.map_or(1, |j| depths[j] + 1));
        parents.push(parent);
    }
    let mut order: Vec<usize> = (0..count).collect();
    order.shuffle(rng);
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(file, "external_id,name,parent,domains,phone")?;
    for i in order {
        let parent = parents[i].map_or(String::new(), |j| format!("ORG-{j}"));
        writeln!(
            file,
            "ORG-{i},Organization {i:06},{parent},org{i}-import.example,+1 555 {:04}",
            i % 10_000
        )?;
    }
    file.flush()?;
    Ok(())
}

/// Writes a users file: half name their organization by external id, 40 % leave it
/// to their email's domain, 10 % match no organization; one in twenty is a manager
/// with a position.
fn write_users(
    path: &Path,
    count: usize,
    organizations: usize,
    rng: &mut StdRng,
) -> anyhow::Result<()> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(file, "external_id,name,email,organization,position,manager")?;
    for n in 0..count {
        let org = rng.random_range(0..organizations.max(1));
        let roll = rng.random_range(0..10);
        let (email, organization) = match roll {
            0..5 => (
                format!("user{n}@mail{}.example", n % 97),
                format!("ORG-{org}"),
            ),
            5..9 => (format!("user{n}@org{org}-import.example"), String::new()),
            _ => (format!("user{n}@unmatched.example"), String::new()),
        };
        let (position, manager) = if roll < 9 && n % 20 == 0 {
            ("Manager", "yes")
        } else {
            ("", "")
        };
        writeln!(
            file,
            "USER-{n},User {n},{email},{organization},{position},{manager}"
        )?;
    }
    file.flush()?;
    Ok(())
}

/// Runs `orgdesk import KIND FILE` against the database; its wall time and peak
/// resident memory (the kernel's high-water mark, read while it runs).
fn run_import(database: &DatabaseUrl, kind: &str, file: &Path) -> anyhow::Result<(Duration, u64)> {
    let started = Instant::now();
    let mut child = std::process::Command::new(std::env::current_exe()?)
        .args(["import", kind])
        .arg(file)
        .env("ORGDESK_DATABASE_URL", database.expose())
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .context("starting orgdesk import")?;
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_path)
            && let Some(kib) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak_kib = peak_kib.max(kib);
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = started.elapsed();
    let output = child.wait_with_output()?;
    if !status.success() {
        bail!(
            "orgdesk import {kind} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok((elapsed, peak_kib / 1024))
}

impl ImportBench<'_> {
    pub fn run(&self) -> anyhow::Result<()> {
        let mut rng = StdRng::seed_from_u64(self.seed ^ 0x1_3507);
        let organizations = self.folder.join("organizations.csv");
        let users = self.folder.join("users.csv");
        write_organizations(&organizations, self.organizations, &mut rng)?;
        write_users(&users, self.users, self.organizations, &mut rng)?;
        let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len()) >> 20;
        println!(
            "import: files of {} organizations ({} MiB) and {} users ({} MiB), into {}",
            self.organizations,
            size(&organizations),
            self.users,
            size(&users),
            self.database
        );
        for (label, kind, file, rows) in [
            (
                "import organizations",
                "organizations",
                &organizations,
                self.organizations,
            ),
            ("import users", "users", &users, self.users),
            (
                "import users again (every row unchanged)",
                "users",
                &users,
                self.users,
            ),
        ] {
            let (took, peak) = run_import(self.database, kind, file)?;
            println!(
                "{label}: {rows} rows in {:.1} s ({:.0} rows/s), peak memory {peak} MiB",
                took.as_secs_f64(),
                rows as f64 / took.as_secs_f64()
            );
        }
        Ok(())
    }
}
