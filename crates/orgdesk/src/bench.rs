//! `orgdesk bench`: generates a large data set through the real use cases and prints
//! the figures recorded in BENCHMARKS.md.
//!
//! Phases: organizations in a random forest (depth ≤ 12) → users created with email
//! domain association → parent changes with the cycle check at full depth → organization
//! reads over HTTP with concurrent connections → applying domain matches to a large
//! group of existing users → linking a usergroup to that group's organization →
//! tickets opened for members of organizations, then the newest tickets of
//! organizations (with and without descendants) and managers' portal searches → the
//! agent app's pages over HTTP with a signed-in session (organization profile of
//! 20-member, 50-ticket organizations; the directory) → `orgdesk import` of generated
//! organizations and users files into an empty database.

mod http;
mod import;

use anyhow::{Context, bail};
use clap::Args;
use orgdesk_app::core::UserId;
use orgdesk_app::core::model::Actor;
use orgdesk_app::core::{Error, OrganizationId};
use orgdesk_app::{
    App, DatabaseUrl, MembershipChanges, NewAgent, NewOrganization, NewTicket, NewUser,
    OrganizationTicketQuery, PageRequest, PortalScope,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Organizations to generate.
    #[arg(long, default_value_t = 100_000)]
    organizations: usize,
    /// Users to generate (including the --apply-users group).
    #[arg(long, default_value_t = 1_000_000)]
    users: usize,
    /// Deepest level of the organization forest.
    #[arg(long, default_value_t = 12)]
    max_depth: usize,
    /// Users whose domain is associated afterwards, then applied in one step.
    #[arg(long, default_value_t = 100_000)]
    apply_users: usize,
    /// Parent changes to time.
    #[arg(long, default_value_t = 2_000)]
    parent_changes: usize,
    /// Concurrent HTTP connections reading organizations.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// How long to read organizations over HTTP.
    #[arg(long, default_value_t = 10)]
    http_seconds: u64,
    /// Users created one per transaction (the API's path); the rest are batched.
    #[arg(long, default_value_t = 20_000)]
    single_users: usize,
    /// Concurrent tasks creating the one-per-transaction users.
    #[arg(long, default_value_t = 4)]
    writers: usize,
    /// Users per batch for the rest.
    #[arg(long, default_value_t = 1_000)]
    batch: usize,
    /// Tickets to open for members of organizations (in batches, as imports do).
    #[arg(long, default_value_t = 1_000_000)]
    tickets: usize,
    /// Reads timed for each ticket figure.
    #[arg(long, default_value_t = 2_000)]
    ticket_samples: usize,
    /// Organizations of 20 members and 50 tickets whose profile pages are loaded over
    /// HTTP at the end (0 skips the page phase).
    #[arg(long, default_value_t = 200)]
    profile_organizations: usize,
    /// Seed of the generated data, for repeatable runs.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// An EMPTY database to fill (`sqlite://…` or `postgres://…`); default: a new SQLite
    /// file in a temporary folder, removed afterwards.
    #[arg(long = "database", env = "ORGDESK_BENCH_DATABASE_URL")]
    database: Option<String>,
    /// Organizations in the generated file the import phase imports (0 with
    /// --import-users 0 skips the phase).
    #[arg(long, default_value_t = 100_000)]
    import_organizations: usize,
    /// Users in the generated file the import phase imports.
    #[arg(long, default_value_t = 1_000_000)]
    import_users: usize,
    /// An EMPTY database for the import phase; default: a new SQLite file in a
    /// temporary folder, removed afterwards.
    #[arg(long, env = "ORGDESK_BENCH_IMPORT_DATABASE_URL")]
    import_database: Option<String>,
    /// Run only the import phase.
    #[arg(long)]
    import_only: bool,
}

const BENCH_EMAIL: &str = "bench@orgdesk.test";
const BENCH_PASSWORD: &str = "bench password";

fn system() -> Actor {
    Actor::System {
        name: "bench".into(),
    }
}

fn app_err(err: Error) -> anyhow::Error {
    anyhow::anyhow!("{err}")
}

/// Latency figures of a set of timed operations.
struct Latencies(Vec<Duration>);

impl Latencies {
    fn percentile(&mut self, p: f64) -> Duration {
        self.0.sort_unstable();
        let at = ((self.0.len() as f64 - 1.0) * p).round() as usize;
        self.0.get(at).copied().unwrap_or_default()
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    if args.apply_users > args.users {
        bail!(
            "--apply-users ({}) cannot exceed --users ({})",
            args.apply_users,
            args.users
        );
    }
    let temp = tempfile::tempdir().context("temporary folder")?;
    if args.import_only {
        return import_phase(&args, temp.path());
    }
    let url = match &args.database {
        Some(url) => DatabaseUrl::parse(url).map_err(|e| anyhow::anyhow!(e))?,
        None => DatabaseUrl::sqlite_file(&temp.path().join("bench.db")),
    };
    let app = App::open(&url).await.map_err(app_err)?;
    if !app.has_no_organizations().await.map_err(app_err)? {
        bail!("the bench fills its database with generated data; give it an empty one");
    }
    println!(
        "orgdesk bench on {} ({}), seed {}",
        app.backend_name(),
        url,
        args.seed
    );
    let mut rng = StdRng::seed_from_u64(args.seed);

    // 1. Organizations in a random forest.
    let started = Instant::now();
    let mut ids = Vec::with_capacity(args.organizations);
    let mut depths: Vec<usize> = Vec::with_capacity(args.organizations);
    for i in 0..args.organizations {
        let parent = if i == 0 || rng.random_bool(0.02) {
            None
        } else {
            let j = rng.random_range(0..i);
            (depths[j] < args.max_depth).then_some(j)
        };
        let new = NewOrganization {
            name: format!("Organization {i:06}"),
            parent_id: parent.map(|j| ids[j]),
            domains: vec![format!("org{i}-bench.com")],
            ..Default::default()
        };
        let org = app
            .create_organization(&system(), new)
            .await
            .map_err(app_err)?;
        ids.push(org.id);
        depths.push(parent.map(|j| depths[j] + 1).unwrap_or(1));
        progress("organizations", i + 1, args.organizations, started);
    }
    let org_secs = started.elapsed().as_secs_f64();
    let deepest = depths.iter().copied().max().unwrap_or(0);
    println!(
        "organizations: {} created in {:.1} s ({:.0}/s), forest depth {}",
        args.organizations,
        org_secs,
        args.organizations as f64 / org_secs,
        deepest
    );

    // 2. Users, joining organizations through their email domain: a sample one per
    // transaction (as the API creates them), the rest in batches (as imports do).
    let app = Arc::new(app);
    let single = args.single_users.min(args.users - args.apply_users);
    let domain_of = |n: usize, rng: &mut StdRng| {
        if n >= args.users - args.apply_users {
            "apply-bench.com".to_owned()
        } else if rng.random_bool(0.9) {
            format!("org{}-bench.com", rng.random_range(0..args.organizations))
        } else {
            "unmatched-bench.net".to_owned()
        }
    };
    let new_user = |n: usize, rng: &mut StdRng| NewUser {
        name: format!("User {n}"),
        email: format!("user{n}@{}", domain_of(n, rng)),
        ..Default::default()
    };

    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut writers = Vec::new();
    for w in 0..args.writers.max(1) {
        let (app, next) = (app.clone(), next.clone());
        let mut rng = StdRng::seed_from_u64(args.seed.wrapping_add(w as u64 + 1));
        let users: Vec<NewUser> = (0..single).map(|n| new_user(n, &mut rng)).collect();
        writers.push(tokio::spawn(async move {
            let mut joined = 0usize;
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= users.len() {
                    return Ok::<usize, anyhow::Error>(joined);
                }
                let user = app
                    .create_user(&system(), users[n].clone())
                    .await
                    .map_err(app_err)?;
                joined += usize::from(user.organization.is_some());
            }
        }));
    }
    let mut joined = 0;
    for writer in writers {
        joined += writer.await??;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "users, one per request: {single} created in {secs:.1} s → {:.0} user creations/s with domain association ({joined} joined by domain; {} concurrent writers)",
        single as f64 / secs,
        args.writers
    );

    let started = Instant::now();
    let mut joined = 0;
    let mut members: Vec<(UserId, OrganizationId)> = Vec::new();
    let mut n = single;
    while n < args.users {
        let batch: Vec<NewUser> = (n..(n + args.batch).min(args.users))
            .map(|n| new_user(n, &mut rng))
            .collect();
        n += batch.len();
        let created = app.create_users(&system(), batch).await.map_err(app_err)?;
        for user in created {
            if let Some(organization) = &user.organization
                && organization.name != "Apply Bench"
            {
                members.push((user.id, organization.id));
            }
            joined += usize::from(user.organization.is_some());
        }
        progress("users", n - single, args.users - single, started);
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "users, batched: {} created in {secs:.1} s → {:.0} user creations/s with domain association ({joined} joined by domain; batches of {})",
        args.users - single,
        (args.users - single) as f64 / secs,
        args.batch
    );

    // 3. Parent changes, each checking a full-depth ancestor chain.
    let deep: Vec<OrganizationId> = ids
        .iter()
        .zip(&depths)
        .filter(|(_, d)| **d == deepest)
        .map(|(id, _)| *id)
        .collect();
    let mut timings = Vec::with_capacity(args.parent_changes);
    let (mut moved, mut refused) = (0, 0);
    let started = Instant::now();
    for _ in 0..args.parent_changes {
        let child = ids[rng.random_range(0..ids.len())];
        let parent = deep[rng.random_range(0..deep.len())];
        let at = Instant::now();
        match app.set_parent(&system(), child, Some(parent)).await {
            Ok(_) => moved += 1,
            Err(Error::HierarchyCycle { .. }) => refused += 1,
            Err(other) => return Err(app_err(other)),
        }
        timings.push(at.elapsed());
    }
    let secs = started.elapsed().as_secs_f64();
    let mut latencies = Latencies(timings);
    println!(
        "parent changes: {} under depth-{} parents in {:.2} s → {:.0}/s, median {:.3} ms, p99 {:.3} ms ({} moved, {} refused as cycles)",
        args.parent_changes,
        deepest,
        secs,
        args.parent_changes as f64 / secs,
        ms(latencies.percentile(0.5)),
        ms(latencies.percentile(0.99)),
        moved,
        refused
    );

    // 4. Organization reads over HTTP, by the bench's own admin agent.
    let admin = app
        .create_agent(
            None,
            NewAgent {
                email: BENCH_EMAIL,
                name: "Bench",
                password: BENCH_PASSWORD,
                admin: true,
            },
        )
        .await
        .map_err(app_err)?;
    http::organization_reads(&app, &ids, &args).await?;

    // 5. Applying domain matches to a large group of existing users.
    let target = app
        .create_organization(
            &system(),
            NewOrganization {
                name: "Apply Bench".into(),
                ..Default::default()
            },
        )
        .await
        .map_err(app_err)?;
    let added = app
        .add_domain(&system(), target.id, "apply-bench.com", false)
        .await
        .map_err(app_err)?;
    let started = Instant::now();
    let applied = app
        .apply_domain_matches(&system(), target.id, "apply-bench.com", true, true)
        .await
        .map_err(app_err)?;
    println!(
        "apply domain matches: {} users ({} matched) moved in {:.2} s",
        applied,
        added.unaffiliated + added.other_organization,
        started.elapsed().as_secs_f64()
    );

    // 6. Linking a usergroup to that organization: one row, whatever its size.
    let group = app
        .create_usergroup(&admin, "Bench VIPs", &["portal.chat".to_owned()])
        .await
        .map_err(app_err)?;
    let started = Instant::now();
    app.link_usergroup(&admin, target.id, group.id)
        .await
        .map_err(app_err)?;
    let link = started.elapsed();
    let started = Instant::now();
    let first = app
        .usergroup_members(group.id, &orgdesk_app::PageRequest::first(50))
        .await
        .map_err(app_err)?;
    println!(
        "usergroup link: linked to a {}-member organization in {:.2} ms; first 50 effective members read in {:.2} ms",
        applied,
        ms(link),
        ms(started.elapsed()),
    );
    if first.items.len() != 50.min(applied as usize) {
        bail!(
            "the linked usergroup shows {} members on its first page",
            first.items.len()
        );
    }

    // 7. Tickets, then the reads agents and managers make most.
    if args.tickets > 0 && !members.is_empty() {
        tickets(&app, &members, &ids, &args, &mut rng).await?;
    }

    // 8. The agent app's pages over HTTP, in the database as full as it now is.
    if args.profile_organizations > 0 {
        http::agent_pages(&app, &args, &mut rng).await?;
    }

    // 9. Bulk import through the CLI, into a database of its own.
    import_phase(&args, temp.path())
}

/// Words of generated subjects and bodies: a small vocabulary, so every word is common
/// (the hard case for an index).
const WORDS: &[&str] = &[
    "printer",
    "invoice",
    "password",
    "reset",
    "vpn",
    "laptop",
    "email",
    "outlook",
    "license",
    "renewal",
    "billing",
    "refund",
    "error",
    "crash",
    "slow",
    "network",
    "wifi",
    "monitor",
    "keyboard",
    "access",
    "account",
    "locked",
    "update",
    "install",
    "backup",
    "restore",
    "server",
    "database",
    "report",
    "export",
    "import",
    "calendar",
    "meeting",
    "phone",
    "headset",
    "camera",
    "badge",
    "door",
    "office",
    "contract",
    "quote",
    "order",
    "delivery",
    "shipping",
    "warranty",
    "repair",
    "replacement",
    "upgrade",
    "downgrade",
    "plan",
];

fn words(rng: &mut StdRng, count: usize) -> String {
    (0..count)
        .map(|_| WORDS[rng.random_range(0..WORDS.len())])
        .collect::<Vec<_>>()
        .join(" ")
}

async fn tickets(
    app: &App,
    members: &[(UserId, OrganizationId)],
    organizations: &[OrganizationId],
    args: &BenchArgs,
    rng: &mut StdRng,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut opened = 0;
    while opened < args.tickets {
        let size = args.batch.min(args.tickets - opened);
        let batch: Vec<NewTicket> = (0..size)
            .map(|_| {
                let (requester, _) = members[rng.random_range(0..members.len())];
                let word_count = rng.random_range(3..6);
                let body_count = rng.random_range(10..30);
                NewTicket {
                    requester_id: requester.0,
                    subject: words(rng, word_count),
                    body: words(rng, body_count),
                    ..Default::default()
                }
            })
            .collect();
        app.create_tickets(&system(), batch)
            .await
            .map_err(app_err)?;
        opened += size;
        progress("tickets", opened, args.tickets, started);
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "tickets: {} opened in {secs:.1} s ({:.0}/s, batches of {}, with search index and activity)",
        args.tickets,
        args.tickets as f64 / secs,
        args.batch
    );

    let first_page = PageRequest::first(50);
    for include_descendants in [false, true] {
        let mut timings = Vec::with_capacity(args.ticket_samples);
        let mut rows = 0usize;
        for _ in 0..args.ticket_samples {
            let organization = organizations[rng.random_range(0..organizations.len())];
            let query = OrganizationTicketQuery {
                include_descendants,
                ..Default::default()
            };
            let at = Instant::now();
            let page = app
                .organization_tickets(organization, &query, &first_page)
                .await
                .map_err(app_err)?;
            timings.push(at.elapsed());
            rows += page.items.len();
        }
        let mut latencies = Latencies(timings);
        println!(
            "organization tickets, newest 50{}: median {:.2} ms, p99 {:.2} ms over {} random organizations ({:.1} tickets a page on average)",
            if include_descendants {
                " with descendants"
            } else {
                ""
            },
            ms(latencies.percentile(0.5)),
            ms(latencies.percentile(0.99)),
            args.ticket_samples,
            rows as f64 / args.ticket_samples as f64
        );
    }
    // The largest subtree: the first organization is the oldest root of the forest.
    let mut timings = Vec::new();
    let query = OrganizationTicketQuery {
        include_descendants: true,
        ..Default::default()
    };
    for _ in 0..20 {
        let at = Instant::now();
        app.organization_tickets(organizations[0], &query, &first_page)
            .await
            .map_err(app_err)?;
        timings.push(at.elapsed());
    }
    let mut latencies = Latencies(timings);
    println!(
        "organization tickets, newest 50 with descendants of the largest tree: median {:.2} ms, p99 {:.2} ms",
        ms(latencies.percentile(0.5)),
        ms(latencies.percentile(0.99)),
    );
    http::organization_reads_beside_long_reads(app, organizations, organizations[0], 2, args)
        .await?;

    // Managers search their organization's tickets from the portal.
    let mut managers = Vec::new();
    for _ in 0..200 {
        let (user, organization) = members[rng.random_range(0..members.len())];
        let manager = app
            .put_member(
                &system(),
                organization,
                user,
                MembershipChanges {
                    position: None,
                    manager: Some(true),
                },
            )
            .await
            .map_err(app_err)?;
        managers.push(manager);
    }
    let mut timings = Vec::with_capacity(args.ticket_samples);
    let mut found = 0usize;
    for _ in 0..args.ticket_samples {
        let manager = &managers[rng.random_range(0..managers.len())];
        let q = words(rng, 1);
        let at = Instant::now();
        let page = app
            .portal_tickets(manager, PortalScope::Organization, Some(&q), &first_page)
            .await
            .map_err(app_err)?;
        timings.push(at.elapsed());
        found += page.items.len();
    }
    let mut latencies = Latencies(timings);
    println!(
        "manager portal search (one word, their organization's tickets): median {:.2} ms, p99 {:.2} ms over {} searches ({:.1} hits a page on average)",
        ms(latencies.percentile(0.5)),
        ms(latencies.percentile(0.99)),
        args.ticket_samples,
        found as f64 / args.ticket_samples as f64
    );
    Ok(())
}

/// The import phase, into its own empty database.
fn import_phase(args: &BenchArgs, folder: &std::path::Path) -> anyhow::Result<()> {
    if args.import_organizations == 0 && args.import_users == 0 {
        return Ok(());
    }
    let database = match &args.import_database {
        Some(url) => DatabaseUrl::parse(url).map_err(|e| anyhow::anyhow!(e))?,
        None => DatabaseUrl::sqlite_file(&folder.join("import.db")),
    };
    import::ImportBench {
        organizations: args.import_organizations,
        users: args.import_users,
        seed: args.seed,
        database: &database,
        folder,
    }
    .run()
}

/// Prints a line at every tenth of a phase.
fn progress(phase: &str, done: usize, total: usize, started: Instant) {
    let step = (total / 10).max(1);
    if done.is_multiple_of(step) || done == total {
        let secs = started.elapsed().as_secs_f64().max(1e-9);
        eprintln!("  {phase}: {done}/{total} ({:.0}/s)", done as f64 / secs);
    }
}
