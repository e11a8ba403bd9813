//! The bench's HTTP phases: the real router on a loopback socket, loaded by concurrent
//! keep-alive connections from the same process (so client and server share the
//! machine's cores). Organization reads over the API with a bearer token, and the agent
//! app's pages — the organization profile and the directory — with a signed-in session.

use super::{BENCH_EMAIL, BENCH_PASSWORD, BenchArgs, Latencies, app_err, ms, system};
use anyhow::bail;
use orgdesk_app::core::OrganizationId;
use orgdesk_app::{App, NewOrganization, NewTicket, NewUser};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The server under load, stopped when dropped.
struct Server {
    address: SocketAddr,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start(app: &App) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let router = orgdesk_web::router(app.clone(), &orgdesk_web::WebSettings::default());
        let task = tokio::spawn(
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .into_future(),
        );
        Ok(Server { address, task })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// How each request proves who asks.
#[derive(Clone)]
enum Credentials {
    Bearer(String),
    SessionCookie(String),
}

/// What a load run measured.
struct Load {
    latencies: Latencies,
    failures: usize,
    connections: usize,
}

/// Requests `path_of(rng)` over `connections` connections for `args.http_seconds`;
/// an answer counts when it is 200 and its body contains `expect`.
async fn load(
    server: &Server,
    args: &BenchArgs,
    connections: usize,
    credentials: Credentials,
    path_of: Arc<dyn Fn(&mut StdRng) -> String + Send + Sync>,
    expect: &'static str,
) -> anyhow::Result<Load> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let address = server.address;
    let deadline = Instant::now() + Duration::from_secs(args.http_seconds);
    let mut tasks = Vec::new();
    for c in 0..connections {
        let (client, credentials, path_of) = (client.clone(), credentials.clone(), path_of.clone());
        let mut rng = StdRng::seed_from_u64(args.seed ^ (c as u64 + 100));
        tasks.push(tokio::spawn(async move {
            let mut timings = Vec::new();
            let mut failures = 0usize;
            while Instant::now() < deadline {
                let url = format!("http://{address}{}", path_of(&mut rng));
                let request = match &credentials {
                    Credentials::Bearer(token) => client.get(url).bearer_auth(token),
                    Credentials::SessionCookie(cookie) => client.get(url).header("cookie", cookie),
                };
                let at = Instant::now();
                match request.send().await {
                    Ok(response) if response.status() == 200 => {
                        let body = response.bytes().await?;
                        timings.push(at.elapsed());
                        if !body.windows(expect.len()).any(|w| w == expect.as_bytes()) {
                            failures += 1;
                        }
                    }
                    _ => failures += 1,
                }
            }
            Ok::<_, anyhow::Error>((timings, failures))
        }));
    }
    let mut all = Vec::new();
    let mut failures = 0;
    for task in tasks {
        let (timings, failed) = task.await??;
        all.extend(timings);
        failures += failed;
    }
    Ok(Load {
        latencies: Latencies(all),
        failures,
        connections,
    })
}

/// Prints a load's figures; any failure fails the bench.
fn report(what: &str, args: &BenchArgs, mut load: Load) -> anyhow::Result<()> {
    let count = load.latencies.0.len();
    println!(
        "{what}: {count} in {} s over {} connection{} → {:.0}/s, median {:.2} ms, p99 {:.2} ms, {} failed",
        args.http_seconds,
        load.connections,
        if load.connections == 1 { "" } else { "s" },
        count as f64 / args.http_seconds as f64,
        ms(load.latencies.percentile(0.5)),
        ms(load.latencies.percentile(0.99)),
        load.failures
    );
    if load.failures > 0 {
        bail!("{} of the {what} failed", load.failures);
    }
    Ok(())
}

async fn bench_token(app: &App) -> anyhow::Result<String> {
    Ok(app
        .issue_agent_token(
            BENCH_EMAIL,
            BENCH_PASSWORD,
            std::net::Ipv4Addr::LOCALHOST.into(),
        )
        .await
        .map_err(app_err)?
        .token)
}

/// `GET /api/v1/organizations/{random id}` with a bearer token.
pub async fn organization_reads(
    app: &App,
    ids: &[OrganizationId],
    args: &BenchArgs,
) -> anyhow::Result<()> {
    organization_reads_as("HTTP reads (organizations over the API)", app, ids, args).await
}

/// [`organization_reads`] while `long_tasks` tasks keep running the ticket list of
/// the largest tree with its subsidiaries (a recursive walk of thousands of
/// organizations, tens of milliseconds each): point reads must not queue behind them.
pub async fn organization_reads_beside_long_reads(
    app: &App,
    ids: &[OrganizationId],
    largest_tree: OrganizationId,
    long_tasks: usize,
    args: &BenchArgs,
) -> anyhow::Result<()> {
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = Vec::new();
    for _ in 0..long_tasks {
        let (app, stop) = (app.clone(), Arc::clone(&stop));
        tasks.push(tokio::spawn(async move {
            let query = orgdesk_app::OrganizationTicketQuery {
                include_descendants: true,
                ..Default::default()
            };
            let first_page = orgdesk_app::PageRequest::first(50);
            let mut timings = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let at = Instant::now();
                app.organization_tickets(largest_tree, &query, &first_page)
                    .await
                    .map_err(app_err)?;
                timings.push(at.elapsed());
            }
            Ok::<_, anyhow::Error>(timings)
        }));
    }
    let reads = organization_reads_as(
        &format!("HTTP reads beside {long_tasks} tasks listing the largest tree's tickets"),
        app,
        ids,
        args,
    )
    .await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut long = Vec::new();
    for task in tasks {
        long.extend(task.await??);
    }
    reads?;
    let count = long.len();
    let mut long = Latencies(long);
    println!(
        "  meanwhile: {count} largest-tree ticket lists, median {:.1} ms",
        ms(long.percentile(0.5))
    );
    Ok(())
}

async fn organization_reads_as(
    what: &str,
    app: &App,
    ids: &[OrganizationId],
    args: &BenchArgs,
) -> anyhow::Result<()> {
    let token = bench_token(app).await?;
    let server = Server::start(app).await?;
    let ids: Arc<Vec<OrganizationId>> = Arc::new(ids.to_vec());
    let path_of = Arc::new(move |rng: &mut StdRng| {
        format!(
            "/api/v1/organizations/{}",
            ids[rng.random_range(0..ids.len())]
        )
    });
    let load = load(
        &server,
        args,
        args.connections,
        Credentials::Bearer(token),
        path_of,
        "\"id\"",
    )
    .await?;
    report(what, args, load)
}

/// Members and tickets of each organization whose profile page is loaded.
const PROFILE_MEMBERS: usize = 20;
const PROFILE_TICKETS: usize = 50;

/// Makes `count` organizations of 20 members (two of them managers) and 50 tickets
/// each, as an agent's busy customers look, and returns their ids.
async fn profile_organizations(
    app: &App,
    count: usize,
    rng: &mut StdRng,
) -> anyhow::Result<Vec<OrganizationId>> {
    let mut ids = Vec::with_capacity(count);
    for i in 0..count {
        let org = app
            .create_organization(
                &system(),
                NewOrganization {
                    name: format!("Profile Bench {i:04}"),
                    summary: Some("A customer as agents open them all day.".into()),
                    domains: vec![format!("profile{i}-bench.com")],
                    ..Default::default()
                },
            )
            .await
            .map_err(app_err)?;
        let members = (0..PROFILE_MEMBERS)
            .map(|m| NewUser {
                name: format!("Member {m:02} of {i}"),
                email: format!("m{m}@profile{i}-bench.com"),
                position: Some("Staff".into()),
                manager: m < 2,
                ..Default::default()
            })
            .collect();
        let users = app
            .create_users(&system(), members)
            .await
            .map_err(app_err)?;
        let tickets = (0..PROFILE_TICKETS)
            .map(|_| {
                let requester = &users[rng.random_range(0..users.len())];
                let subject_words = rng.random_range(3..6);
                let body_words = rng.random_range(10..30);
                NewTicket {
                    requester_id: requester.id.0,
                    subject: super::words(rng, subject_words),
                    body: super::words(rng, body_words),
                    ..Default::default()
                }
            })
            .collect();
        app.create_tickets(&system(), tickets)
            .await
            .map_err(app_err)?;
        ids.push(org.id);
    }
    Ok(ids)
}

/// The agent app's pages with a signed-in session: the profile of random organizations
/// of 20 members and 50 tickets, then the directory's first page.
pub async fn agent_pages(app: &App, args: &BenchArgs, rng: &mut StdRng) -> anyhow::Result<()> {
    let started = Instant::now();
    let ids = profile_organizations(app, args.profile_organizations, rng).await?;
    println!(
        "agent pages: {} organizations of {PROFILE_MEMBERS} members and {PROFILE_TICKETS} tickets made in {:.1} s",
        ids.len(),
        started.elapsed().as_secs_f64()
    );
    let cookie = format!("orgdesk_agent={}", bench_token(app).await?);
    let server = Server::start(app).await?;
    let ids = Arc::new(ids);
    let path_of = Arc::new(move |rng: &mut StdRng| {
        format!(
            "/agent/organizations/{}",
            ids[rng.random_range(0..ids.len())]
        )
    });
    // Throughput under load, then the latency of one agent's clicks on an idle server.
    for connections in [args.connections, 1] {
        let profiles = load(
            &server,
            args,
            connections,
            Credentials::SessionCookie(cookie.clone()),
            path_of.clone(),
            "Members",
        )
        .await?;
        report(
            "HTTP pages (organization profile, signed in)",
            args,
            profiles,
        )?;
    }
    let directory = load(
        &server,
        args,
        args.connections,
        Credentials::SessionCookie(cookie),
        Arc::new(|_: &mut StdRng| "/agent/organizations".to_owned()),
        "New organization",
    )
    .await?;
    report(
        "HTTP pages (organization directory, first page)",
        args,
        directory,
    )
}
