//! The agent app in a real browser: Debian's chromium driven through chromedriver
//! (WebDriver, with fantoccini) against the real binary, on the engine the suite runs
//! on. Without chromium and chromium-driver the tests say plainly that they are skipped
//! (on the terminal, past the test harness's capture); under CI they never skip.
//! A failing test leaves a screenshot in `target/browser-screenshots/`.

use fantoccini::{Client, ClientBuilder, Locator};
use orgdesk_app::core::model::Actor;
use orgdesk_app::{App, NewAgent};
use orgdesk_testkit::TestDb;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const EMAIL: &str = "ada@helpdesk.test";
const PASSWORD: &str = "ada's long password";

fn installed(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|path| path.is_file())
    })
}

/// chromedriver and chromium, or `None` after saying the test is skipped.
fn browser_programs(test: &str) -> Option<(PathBuf, PathBuf)> {
    let found = installed("chromedriver").zip(installed("chromium"));
    if found.is_none() {
        assert!(
            std::env::var("CI").is_err(),
            "CI never skips browser tests: install chromium and chromium-driver"
        );
        // Straight to the terminal: the harness captures only the print macros.
        let _ = writeln!(
            std::io::stderr(),
            "browser test {test} SKIPPED: chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)"
        );
    }
    found
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A process stopped however the test ends.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_for_http(url: &str) {
    let started = Instant::now();
    let client = reqwest::Client::new();
    while client.get(url).send().await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{url} never answered"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Who the tests' own setup acts as.
fn setup() -> Actor {
    Actor::System {
        name: "test setup".into(),
    }
}

/// The real server on a fresh database with one admin, and a headless browser.
pub struct Stage {
    pub browser: Client,
    pub base: String,
    pub app: App,
    name: String,
    _server: Process,
    _driver: Process,
    _db: TestDb,
    _blobs: tempfile::TempDir,
}

impl Stage {
    pub async fn start(name: &str) -> Option<Stage> {
        let (chromedriver, chromium) = browser_programs(name)?;
        let db = TestDb::new().await;
        let app = App::open(db.url()).await.unwrap();
        app.create_agent(
            None,
            NewAgent {
                email: EMAIL,
                name: "Ada Admin",
                password: PASSWORD,
                admin: true,
            },
        )
        .await
        .unwrap();
        let port = free_port();
        let blobs = tempfile::tempdir().unwrap();
        let server = Process(
            Command::new(env!("CARGO_BIN_EXE_orgdesk"))
                .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
                .env("ORGDESK_DATABASE_URL", db.url().expose())
                .env("ORGDESK_BLOB_STORE", blobs.path())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start orgdesk"),
        );
        let base = format!("http://127.0.0.1:{port}");
        wait_for_http(&format!("{base}/healthz")).await;

        let driver_port = free_port();
        let driver = Process(
            Command::new(chromedriver)
                .args([
                    format!("--port={driver_port}"),
                    "--allowed-ips=127.0.0.1".to_owned(),
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start chromedriver"),
        );
        let driver_url = format!("http://127.0.0.1:{driver_port}");
        wait_for_http(&format!("{driver_url}/status")).await;
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".to_owned(),
            serde_json::json!({
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"],
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let browser = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&driver_url)
            .await
            .expect("a chromium session");
        Some(Stage {
            browser,
            base,
            app,
            name: name.to_owned(),
            _server: server,
            _driver: driver,
            _db: db,
            _blobs: blobs,
        })
    }

    /// An organization made directly in the application, as if long there.
    pub async fn organization(
        &self,
        name: &str,
        summary: Option<&str>,
    ) -> orgdesk_app::core::OrganizationId {
        self.app
            .create_organization(
                &setup(),
                orgdesk_app::NewOrganization {
                    name: name.into(),
                    summary: summary.map(Into::into),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .id
    }

    /// The page fits the window's width: nothing makes it scroll sideways.
    pub async fn assert_no_sideways_scroll(&self) {
        let overflow = self
            .browser
            .execute(
                "return document.documentElement.scrollWidth > window.innerWidth;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            overflow,
            serde_json::json!(false),
            "the page scrolls sideways"
        );
    }

    pub async fn goto(&self, path: &str) {
        self.browser
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
    }

    pub async fn sign_in(&self) {
        self.goto("/agent/sign-in").await;
        self.fill("#email", EMAIL).await;
        self.fill("#password", PASSWORD).await;
        self.click("button[type=submit]").await;
        self.wait_for_text("h1", "Organizations").await;
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.browser.find(Locator::Css(css)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    pub async fn click(&self, css: &str) {
        self.browser
            .find(Locator::Css(css))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    /// Waits until an element matching `css` contains `text`.
    pub async fn wait_for_text(&self, css: &str, text: &str) {
        self.wait_until(async || {
            if let Ok(found) = self.browser.find_all(Locator::Css(css)).await {
                for element in found {
                    if element.text().await.unwrap_or_default().contains(text) {
                        return Ok(());
                    }
                }
            }
            Err(format!("no {css} containing {text:?}"))
        })
        .await;
    }

    /// Waits until exactly `count` elements match `css` (the page may still be the one
    /// before a click when the wait starts).
    pub async fn wait_for_count(&self, css: &str, count: usize) {
        self.wait_until(async || {
            let found = self
                .browser
                .find_all(Locator::Css(css))
                .await
                .map_or(usize::MAX, |found| found.len());
            if found == count {
                Ok(())
            } else {
                Err(format!("{found} elements match {css}, not {count},"))
            }
        })
        .await;
    }

    /// Looks at the page every 100 ms until `check` is satisfied; after 10 s saves a
    /// screenshot and fails with what `check` last saw and the page.
    async fn wait_until(&self, check: impl AsyncFn() -> Result<(), String>) {
        let started = Instant::now();
        loop {
            let seen = match check().await {
                Ok(()) => return,
                Err(seen) => seen,
            };
            if started.elapsed() > Duration::from_secs(10) {
                self.screenshot().await;
                let page = self.browser.source().await.unwrap_or_default();
                panic!("{seen} on the page:\n{page}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn screenshot(&self) {
        if let Ok(png) = self.browser.screenshot().await {
            let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
                .parent()
                .map(|target| target.join("browser-screenshots"))
                .unwrap_or_else(|| PathBuf::from("browser-screenshots"));
            let _ = std::fs::create_dir_all(&dir);
            let _ = std::fs::write(dir.join(format!("{}.png", self.name)), png);
        }
    }

    /// With `ORGDESK_UPDATE_SCREENSHOTS` set, saves the page as
    /// `docs/screenshots/NAME.png` (the README shows them); otherwise does nothing.
    pub async fn save_screenshot(&self, name: &str) {
        if std::env::var_os("ORGDESK_UPDATE_SCREENSHOTS").is_none() {
            return;
        }
        // From the top of the page, whatever the test scrolled to.
        self.browser
            .execute("window.scrollTo(0, 0);", vec![])
            .await
            .unwrap();
        let png = self.browser.screenshot().await.unwrap();
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    pub async fn close(self) {
        let _ = self.browser.clone().close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_builds_a_profile_in_the_browser_and_signing_out_closes_it() {
    let Some(stage) = Stage::start("profile").await else {
        return;
    };
    stage.sign_in().await;

    // Create an organization from the directory.
    stage.fill("#new-name", "Acme").await;
    stage.fill("#new-domain", "acme.example").await;
    stage.click("section form button.primary").await;
    stage
        .wait_for_text(".flash", "Organization Acme created.")
        .await;
    let profile = stage.browser.current_url().await.unwrap().to_string();

    // The summary saves when the box loses focus, reloading the page's parts only.
    stage
        .browser
        .execute("window.stayedOnPage = true;", vec![])
        .await
        .unwrap();
    stage.fill("#summary", "Our biggest customer").await;
    stage.click("#org-name").await;
    stage
        .wait_for_text(".flash", "The summary of Acme is saved.")
        .await;
    let stayed = stage
        .browser
        .execute("return window.stayedOnPage === true;", vec![])
        .await
        .unwrap();
    assert_eq!(
        stayed,
        serde_json::json!(true),
        "a partial reload, not a new page"
    );

    // Add a child by typing a new name: the suggestion offers to create it.
    stage.fill("#child-name", "Acme Labs").await;
    stage
        .wait_for_text(".suggestions", "Create «Acme Labs» as a new child")
        .await;
    stage.click(".suggestions button").await;
    stage
        .wait_for_text(".flash", "Acme Labs was created as a new child.")
        .await;

    // On the child, its parent is offered greyed out, with the reason.
    stage
        .click(".card a[href^='/agent/organizations/']:not([href$='/history'])")
        .await;
    stage.wait_for_text("h2", "Hierarchy").await;
    stage.fill("#child-name", "Acme").await;
    stage
        .wait_for_text(".candidate.invalid", "invalid: an ancestor")
        .await;

    // Signing out closes the profile.
    stage.click(".who button").await;
    stage.wait_for_text(".flash", "You are signed out.").await;
    stage.browser.goto(&profile).await.unwrap();
    stage.wait_for_text("h1", "Sign in to orgdesk").await;
    stage.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_summary_edited_after_someone_else_changed_it_shows_the_conflict_and_keeps_the_text() {
    let Some(stage) = Stage::start("conflict").await else {
        return;
    };
    let acme = stage.organization("Acme", None).await;
    stage.sign_in().await;
    stage
        .goto(&format!("/agent/organizations/{}", acme.0))
        .await;
    stage.wait_for_text("h2", "Summary").await;

    // A colleague saves meanwhile.
    stage
        .app
        .update_organization(
            &Actor::System {
                name: "colleague".into(),
            },
            acme,
            orgdesk_app::OrganizationChanges {
                summary: Some(Some("Theirs".into())),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    stage.fill("#summary", "Mine").await;
    stage.click("#org-name").await;
    stage
        .wait_for_text(
            ".warning",
            "Someone changed this organization after you opened it",
        )
        .await;
    let kept = stage
        .browser
        .find(Locator::Css("#summary"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("Mine"));
    let stored = stage
        .app
        .get_organization_without_fields(acme)
        .await
        .unwrap();
    assert_eq!(stored.summary.as_deref(), Some("Theirs"));
    stage.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_adds_a_domain_applies_the_matches_and_makes_a_manager_in_the_browser() {
    let Some(stage) = Stage::start("domains").await else {
        return;
    };
    let acme = stage
        .organization("Acme", Some("Our biggest customer, since 2019."))
        .await;
    for (name, email) in [
        ("Ann Archer", "ann@acme.example"),
        ("Bo Baker", "bo@acme.example"),
    ] {
        stage
            .app
            .create_user(
                &setup(),
                orgdesk_app::NewUser {
                    name: name.into(),
                    email: email.into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    stage.sign_in().await;
    stage
        .goto(&format!("/agent/organizations/{}", acme.0))
        .await;
    stage.fill("#new-domain", "acme.example").await;
    stage
        .click("form[action$='/domains'] button[type=submit]")
        .await;
    stage
        .wait_for_text(
            ".flash",
            "Domain acme.example added. 2 existing users match.",
        )
        .await;
    stage.wait_for_text("h2", "No organization (2)").await;
    stage.save_screenshot("domain-dialog").await;
    stage.click("button[value=unaffiliated]").await;
    stage.wait_for_text(".flash", "2 users joined Acme.").await;

    stage.click("form[action$='/manager'] button").await;
    stage.wait_for_text(".flash", "is now a manager.").await;
    stage.wait_for_text(".badge", "Manager").await;
    stage.save_screenshot("profile").await;
    stage.click("a[href$='/history']").await;
    stage.wait_for_text(".events", "added a member").await;
    // Recent activity reads as relative time, the exact time on hover.
    stage.wait_for_text(".events time", "this minute").await;
    stage.save_screenshot("history").await;
    stage.browser.back().await.unwrap();
    stage.wait_for_text("h2", "Members").await;
    stage.browser.set_window_size(375, 800).await.unwrap();
    stage
        .goto(&format!("/agent/organizations/{}", acme.0))
        .await;
    stage.wait_for_text("h2", "Members").await;
    stage.save_screenshot("profile-phone").await;
    stage.close().await;
}

/// A portal user with a password, placed in `organization`.
async fn portal_user(
    stage: &Stage,
    name: &str,
    email: &str,
    organization: orgdesk_app::core::OrganizationId,
    manager: bool,
) -> orgdesk_app::core::model::User {
    stage
        .app
        .create_user(
            &setup(),
            orgdesk_app::NewUser {
                name: name.into(),
                email: email.into(),
                password: Some(format!("{name}'s password")),
                organization_id: Some(organization),
                manager,
                ..Default::default()
            },
        )
        .await
        .unwrap()
}

async fn portal_sign_in(stage: &Stage, name: &str, email: &str) {
    stage.goto("/portal/sign-in").await;
    stage.fill("#email", email).await;
    stage.fill("#password", &format!("{name}'s password")).await;
    stage.click("button[type=submit]").await;
    stage.wait_for_text("h1", "My tickets").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_the_portal_a_manager_searches_the_organizations_tickets_and_a_colleague_cannot() {
    let Some(stage) = Stage::start("portal").await else {
        return;
    };
    let acme = stage.organization("Acme", None).await;
    portal_user(&stage, "Mia", "mia@acme.example", acme, true).await;
    let jane = portal_user(&stage, "Jane", "jane@acme.example", acme, false).await;
    for (subject, body) in [
        ("Printer jammed on floor 2", "Tray 2 again."),
        ("VPN drops every hour", "Since Monday."),
        ("New laptop for Sam", "Starts on the 1st."),
    ] {
        stage
            .app
            .portal_create_ticket(&jane, subject, body)
            .await
            .unwrap();
    }

    portal_sign_in(&stage, "Mia", "mia@acme.example").await;
    stage.wait_for_text(".who", "Acme").await;
    stage.click("a[href='/portal/organization-tickets']").await;
    stage.wait_for_text("h1", "Organization tickets").await;
    stage.wait_for_text("table", "VPN drops every hour").await;
    stage.save_screenshot("portal-tickets").await;
    stage.fill("#q", "printer").await;
    stage.click("form[role=search] button").await;
    // Only the printer ticket matches (the list before the search had all three).
    stage.wait_for_count("tbody tr", 1).await;
    stage
        .wait_for_text("table", "Printer jammed on floor 2")
        .await;
    stage.click(".who button").await;
    stage.wait_for_text(".flash", "You are signed out.").await;

    portal_sign_in(&stage, "Jane", "jane@acme.example").await;
    let links = stage
        .browser
        .find_all(Locator::Css("a[href='/portal/organization-tickets']"))
        .await
        .unwrap();
    assert!(links.is_empty(), "no Organization tickets link for Jane");
    stage.goto("/portal/organization-tickets?q=printer").await;
    stage.wait_for_text("h1", "Not available").await;
    let page = stage.browser.source().await.unwrap();
    assert!(!page.contains("Printer jammed"));
    stage.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_sets_properties_and_adds_an_entitlement_in_the_browser() {
    let Some(stage) = Stage::start("properties").await else {
        return;
    };
    let admin = stage.app.find_agent_by_email(EMAIL).await.unwrap();
    for (key, label, field_type, choices) in [
        (
            "tier",
            "Support tier",
            "choice",
            vec!["Gold".to_owned(), "Silver".to_owned()],
        ),
        ("seats", "Seats", "number", Vec::new()),
    ] {
        stage
            .app
            .define_organization_field(
                &admin,
                orgdesk_app::NewField {
                    key: key.into(),
                    label: label.into(),
                    field_type: field_type.into(),
                    choices,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    let acme = stage.organization("Acme", None).await;
    stage.sign_in().await;
    stage
        .goto(&format!("/agent/organizations/{}", acme.0))
        .await;
    stage
        .wait_for_text("#properties-section", "No properties set.")
        .await;

    // The gear opens the form; saving reloads the section with the values.
    stage.click(".edit-properties summary").await;
    stage
        .browser
        .find(Locator::Css("#field-tier"))
        .await
        .unwrap()
        .select_by_value("Silver")
        .await
        .unwrap();
    stage.fill("#field-seats", "12.5").await;
    stage.click(".properties-form button[type=submit]").await;
    stage
        .wait_for_text(".flash", "The properties of Acme are saved.")
        .await;
    stage
        .wait_for_text("#properties-section dd", "Silver")
        .await;
    stage.wait_for_text("#properties-section dd", "12.5").await;

    stage.click(".add-entitlement summary").await;
    stage.fill("#entitlement-name", "Premium support").await;
    stage.click(".add-entitlement button[type=submit]").await;
    stage
        .wait_for_text(".flash", "Entitlement Premium support added.")
        .await;
    stage
        .wait_for_text("#entitlements-section .badge", "active")
        .await;

    // On a phone the new sections fit the width.
    stage.browser.set_window_size(375, 800).await.unwrap();
    stage
        .goto(&format!("/agent/organizations/{}", acme.0))
        .await;
    stage.wait_for_text("h2", "Entitlements").await;
    stage.assert_no_sideways_scroll().await;
    let stored = stage
        .app
        .get_organization(&admin, acme)
        .await
        .unwrap()
        .fields;
    let shown: Vec<String> = stored.iter().map(|f| f.value.display()).collect();
    assert_eq!(shown, ["Silver", "12.5"]);
    stage.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_adds_a_note_with_a_file_and_reads_the_billing_tab_in_the_browser() {
    let Some(stage) = Stage::start("notes and billing").await else {
        return;
    };
    let acme = stage.organization("Acme", None).await;
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("router.conf");
    std::fs::write(&file, "hostname edge-1\n").unwrap();
    stage.sign_in().await;
    stage
        .goto(&format!("/agent/organizations/{}/notes", acme.0))
        .await;
    stage.wait_for_text(".empty", "No notes yet.").await;
    stage.fill("#note-body", "Met their IT lead.").await;
    // A file input takes the path of the file chosen, as a person's pick would.
    stage
        .browser
        .find(Locator::Css("#note-files"))
        .await
        .unwrap()
        .send_keys(&file.display().to_string())
        .await
        .unwrap();
    // A file dropped on the form joins the one chosen.
    let chosen = stage
        .browser
        .execute(
            "const form = document.querySelector('form[data-drop-files]');
             const dropped = new DataTransfer();
             dropped.items.add(new File(['dropped bytes'], 'dropped.txt', {type: 'text/plain'}));
             form.dispatchEvent(new DragEvent('drop', {dataTransfer: dropped, bubbles: true, cancelable: true}));
             return [...form.querySelector('input[type=file]').files].map(f => f.name);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(chosen, serde_json::json!(["router.conf", "dropped.txt"]));
    stage.click("#new-note button[type=submit]").await;
    stage
        .wait_for_text(".flash", "Note added with 2 files.")
        .await;
    stage
        .wait_for_text(".note .attachments a", "router.conf")
        .await;
    stage
        .wait_for_text(".note .attachments a", "dropped.txt")
        .await;
    stage
        .wait_for_text(".note .keep-lines", "Met their IT lead.")
        .await;

    // The Billing tab: totals at once; the clock toggle shows the time entries.
    let admin = stage.app.find_agent_by_email(EMAIL).await.unwrap();
    let requester = stage
        .app
        .create_user(
            &admin.actor(),
            orgdesk_app::NewUser {
                name: "Jane".into(),
                email: "jane@example.org".into(),
                organization_id: Some(acme),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let ticket = stage
        .app
        .create_ticket(
            &admin.actor(),
            orgdesk_app::NewTicket {
                requester_id: requester.id.0,
                subject: "Printer jammed".into(),
                body: "Help".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    stage
        .app
        .log_time(
            &admin,
            ticket.id,
            orgdesk_app::NewTime {
                minutes: 90,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    stage.click(".tabs a[href$='/billing']").await;
    stage.wait_for_text(".totals dd", "1 h 30 min").await;
    stage.click(".toggle[title='Time details']").await;
    stage.wait_for_text("table.list td", "Printer jammed").await;
    let pressed = stage
        .browser
        .find(Locator::Css(".toggle[title='Time details']"))
        .await
        .unwrap()
        .attr("aria-pressed")
        .await
        .unwrap();
    assert_eq!(pressed.as_deref(), Some("true"));

    // On a phone the tabs and the notes fit the width.
    stage.browser.set_window_size(375, 800).await.unwrap();
    stage
        .goto(&format!("/agent/organizations/{}/notes", acme.0))
        .await;
    stage.wait_for_text("h2", "Add a note").await;
    stage.assert_no_sideways_scroll().await;
    stage
        .goto(&format!(
            "/agent/organizations/{}/billing?details=all&include_descendants=true",
            acme.0
        ))
        .await;
    stage.wait_for_text("h2", "Entries").await;
    stage.assert_no_sideways_scroll().await;
    stage.goto(&format!("/agent/tickets/{}", ticket.id.0)).await;
    stage.wait_for_text("h2", "Time and charges").await;
    stage.assert_no_sideways_scroll().await;
    stage.close().await;
}
