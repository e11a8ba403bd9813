//! `orgdesk import` and `orgdesk export` through the real binary: what a file creates
//! and changes, every problem reported with its line, nothing applied on any problem
//! (or when the process is killed), and export → import reproducing the data.

use orgdesk_app::core::model::Actor;
use orgdesk_app::{App, ContactInput, NewOrganization, NewUser, PageRequest};
use orgdesk_testkit::TestDb;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn orgdesk(db: &TestDb) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_orgdesk"));
    command
        .env("ORGDESK_DATABASE_URL", db.url().expose())
        .env_remove("RUST_LOG");
    command
}

fn import(db: &TestDb, what: &str, file: &Path, extra: &[&str]) -> Output {
    orgdesk(db)
        .args(["import", what])
        .arg(file)
        .args(extra)
        .output()
        .expect("run import")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The problem lines of a failed import (its last line is the summary).
fn problem_lines(output: &Output) -> Vec<String> {
    text(&output.stderr)
        .lines()
        .filter(|line| line.starts_with("line "))
        .map(str::to_owned)
        .collect()
}

fn assert_imported(output: &Output, summary: &str) {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status.code(),
        text(&output.stderr)
    );
    let stdout = text(&output.stdout);
    assert!(stdout.contains(summary), "{stdout}");
}

fn export(db: &TestDb, what: &str) -> Vec<Vec<String>> {
    let output = orgdesk(db)
        .args(["export", what])
        .output()
        .expect("run export");
    assert!(output.status.success(), "{}", text(&output.stderr));
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(output.stdout.as_slice())
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

struct Files(tempfile::TempDir);

impl Files {
    fn new() -> Self {
        Files(tempfile::tempdir().unwrap())
    }

    fn write(&self, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.path().join(name);
        std::fs::write(&path, content).unwrap();
        path
    }
}

async fn open(db: &TestDb) -> App {
    App::open(db.url()).await.unwrap()
}

fn setup_actor() -> Actor {
    Actor::System {
        name: "test setup".into(),
    }
}

fn contact(kind: &str, label: Option<&str>, value: &str) -> ContactInput {
    ContactInput {
        kind: kind.into(),
        label: label.map(str::to_owned),
        value: value.into(),
    }
}

const ORGANIZATIONS_HEADER: [&str; 9] = [
    "external_id",
    "name",
    "parent",
    "domains",
    "summary",
    "phone",
    "email",
    "website",
    "address",
];

#[tokio::test]
async fn organizations_take_parents_named_anywhere_in_the_file_and_a_second_run_changes_nothing() {
    let db = TestDb::new().await;
    let files = Files::new();
    // Children come before their parents; parents are named by external id or by name.
    let file = files.write(
        "organizations.csv",
        "\u{feff}name,external_id,parent,domains,phone,address,summary\n\
         Acme Widgets UK,AC-3,Acme Holdings,acme.co.uk,+44 20 7946 0000,,UK arm\n\
         Acme Europe,AC-2,AC-1,\"acme.eu; acme.de\",,,\n\
         Acme Holdings,AC-1,,\"acme.com, acme.net\",,\"1 Main St, Springfield\n2 High St, Leeds\",Group\n\
         Solo Ltd,,,,,,\n",
    );
    let first = import(&db, "organizations", &file, &[]);
    assert_imported(
        &first,
        "4 rows — 4 organizations created, 0 updated, 0 unchanged",
    );

    let rows = export(&db, "organizations");
    assert_eq!(rows[0], ORGANIZATIONS_HEADER);
    assert_eq!(
        rows[1..],
        [
            [
                "AC-2",
                "Acme Europe",
                "AC-1",
                "acme.de acme.eu",
                "",
                "",
                "",
                "",
                ""
            ],
            [
                "AC-1",
                "Acme Holdings",
                "",
                "acme.com acme.net",
                "Group",
                "",
                "",
                "",
                "1 Main St, Springfield\n2 High St, Leeds"
            ],
            [
                "AC-3",
                "Acme Widgets UK",
                "AC-1",
                "acme.co.uk",
                "UK arm",
                "+44 20 7946 0000",
                "",
                "",
                ""
            ],
            ["", "Solo Ltd", "", "", "", "", "", "", ""],
        ]
    );

    let second = import(&db, "organizations", &file, &[]);
    assert_imported(
        &second,
        "4 rows — 0 organizations created, 0 updated, 4 unchanged",
    );
    assert_eq!(export(&db, "organizations"), rows);

    // History names the import that made each organization.
    let app = open(&db).await;
    let holdings = app
        .find_organization_by_name("Acme Holdings")
        .await
        .unwrap()
        .unwrap();
    let events = app
        .organization_history(holdings.id, &PageRequest::first(50))
        .await
        .unwrap()
        .items;
    let created = events.iter().find(|e| e.action == "created").unwrap();
    assert_eq!(
        created.actor,
        Actor::System {
            name: "import 1".into()
        }
    );
    assert!(
        events.iter().any(|e| e.action == "child_added"),
        "{events:?}"
    );
    let report = app.get_import(2).await.unwrap();
    assert_eq!(
        (
            report.rows,
            report.created,
            report.updated,
            report.unchanged
        ),
        (4, 0, 0, 4)
    );
    app.close().await.unwrap();
}

#[tokio::test]
async fn a_row_changes_only_the_columns_the_file_has_and_an_empty_cell_clears() {
    let db = TestDb::new().await;
    let app = open(&db).await;
    app.create_organization(
        &setup_actor(),
        NewOrganization {
            name: "Acme".into(),
            summary: Some("Our best customer".into()),
            contacts: vec![
                contact("email", Some("Billing"), "billing@acme.com"),
                contact("phone", Some("Desk"), "+1 555 0100"),
            ],
            domains: vec!["acme.com".into()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    app.close().await.unwrap();
    let files = Files::new();
    // Matched by name (any case); summary cleared, phone replaced, email contacts and
    // domains (no column) kept, an external id given.
    let file = files.write(
        "update.csv",
        "name,external_id,summary,phone\nACME,AC-1,,+1 555 0199\n",
    );
    assert_imported(
        &import(&db, "organizations", &file, &[]),
        "1 rows — 0 organizations created, 1 updated, 0 unchanged",
    );
    let app = open(&db).await;
    let acme = app
        .find_organization_by_name("acme")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(acme.name, "ACME");
    assert_eq!(acme.external_id.as_deref(), Some("AC-1"));
    assert_eq!(acme.summary, None);
    assert_eq!(acme.domains, ["acme.com"]);
    let contacts: Vec<(&str, Option<&str>, &str)> = acme
        .contacts
        .iter()
        .map(|c| (c.kind.as_str(), c.label.as_deref(), c.value.as_str()))
        .collect();
    assert_eq!(
        contacts,
        [
            ("email", Some("Billing"), "billing@acme.com"),
            ("phone", None, "+1 555 0199")
        ]
    );
    app.close().await.unwrap();
    // Unchanged phone values keep their label on a second run.
    assert_imported(
        &import(&db, "organizations", &file, &[]),
        "0 organizations created, 0 updated, 1 unchanged",
    );
}

#[tokio::test]
async fn every_problem_in_an_organizations_file_is_reported_by_line_and_nothing_is_applied() {
    let db = TestDb::new().await;
    let files = Files::new();
    let mut content = b"external_id,name,parent,domains\n".to_vec();
    content.extend_from_slice(b"A-1,Alpha,,alpha.example\n"); // line 2: fine
    content.extend_from_slice(b"A-2,Beta,Nowhere,\n"); // line 3: unknown parent
    content.extend_from_slice(b"A-1,Gamma,,\n"); // line 4: external id again
    content.extend_from_slice(b"A-4,Delta,,acme\n"); // line 5: not a domain
    content.extend_from_slice(b"A-5,Epsilon,,,extra\n"); // line 6: a cell too many
    content.extend_from_slice(b"A-6,Caf\xe9,,\n"); // line 7: Latin-1, not UTF-8
    content.extend_from_slice(b"A-7,alpha,,\n"); // line 8: a name again
    content.extend_from_slice(b"A-8,Zeta,,alpha.example\n"); // line 9: a domain again
    content.extend_from_slice(b"A-9,Eta,,gmail.com\n"); // line 10: free mail
    let file = files.write("bad.csv", content);
    let output = import(&db, "organizations", &file, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert_eq!(
        problem_lines(&output),
        [
            "line 3, column parent: no organization in the file or the database has the external_id or name \"Nowhere\"",
            "line 4, column external_id: \"A-1\" is also on line 2",
            "line 5, column domains: \"acme\" is a single label, not a domain (use e.g. acme.com or acme.internal)",
            "line 6: the row has 5 cells and the header 4 (a comma or quote too many or too few?)",
            "line 7, column name: not UTF-8 text: save the file as CSV UTF-8",
            "line 8, column name: \"alpha\" is also on line 2",
            "line 9, column domains: alpha.example is also on line 2",
            "line 10, column domains: gmail.com is a free mail provider shared by unrelated people; associate it through the organization's page or the API (with \"force\") if it really is theirs",
        ]
    );
    assert!(text(&output.stderr).contains("8 problems in the file; nothing was imported"));
    assert_eq!(export(&db, "organizations").len(), 1, "nothing was applied");
}

#[tokio::test]
async fn a_broken_file_is_reported_by_line_whatever_breaks_it() {
    let db = TestDb::new().await;
    let files = Files::new();
    let cases: Vec<(&str, Vec<u8>, Vec<&str>)> = vec![
        (
            "header.csv",
            b"name,nickname,name\nAcme,x,y\n".to_vec(),
            vec![
                "line 1, column nickname: not a column of organizations files (they take external_id, name, parent, domains, summary, phone, email, website, address and field:KEY)",
                "line 1, column name: appears twice in the header",
            ],
        ),
        (
            "field.csv",
            b"name,field:tier\nAcme,Gold\n".to_vec(),
            vec!["line 1, column field:tier: no custom field has the key \"tier\""],
        ),
        (
            "no_name.csv",
            b"external_id,domains\nA-1,acme.com\n".to_vec(),
            vec!["line 1, column name: organizations files need this column"],
        ),
        (
            "quote.csv",
            b"name,summary\nAlpha,fine\nBeta,\"never closed\nGamma,more\n".to_vec(),
            vec!["line 3: a quote opened in this row is never closed"],
        ),
        (
            "empty.csv",
            Vec::new(),
            vec!["line 1: the file is empty: it needs a header row naming the columns"],
        ),
    ];
    for (name, content, expected) in cases {
        let output = import(&db, "organizations", &files.write(name, content), &[]);
        assert_eq!(output.status.code(), Some(1), "{name}");
        let lines = problem_lines(&output);
        for line in &expected {
            assert!(lines.contains(&line.to_string()), "{name}: {lines:#?}");
        }
    }
    // A 10 MB cell is one problem of its row; the rows around it are still checked.
    let mut big = b"name,summary\nAlpha,".to_vec();
    big.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    big.extend_from_slice(b"\nBeta,fine\nAlpha,again\n");
    let output = import(&db, "organizations", &files.write("big.csv", big), &[]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        problem_lines(&output),
        ["line 2, column summary: the cell holds 10485760 bytes; a cell holds at most 64 KiB"]
    );
    assert_eq!(export(&db, "organizations").len(), 1, "nothing was applied");
    // Users files are read a batch ahead of the checks: what only the end of the file
    // reveals, past the first batch, is still reported.
    let mut users = String::from("email,name\n");
    for n in 0..1500 {
        users.push_str(&format!("u{n}@example.com,User {n}\n"));
    }
    users.push_str("late@example.com,\"never closed\nlast@example.com,Last\n");
    let output = import(&db, "users", &files.write("users.csv", users), &[]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let lines = problem_lines(&output);
    assert!(
        lines.contains(&"line 1502: a quote opened in this row is never closed".to_owned()),
        "{lines:#?}"
    );
    assert!(
        lines.iter().all(|l| l.starts_with("line 1502")),
        "{lines:#?}"
    );
    assert_eq!(export(&db, "users").len(), 1, "nothing was applied");
    // A file that cannot be read at all is a usage error.
    let missing = import(&db, "organizations", Path::new("/no/such/file.csv"), &[]);
    assert_eq!(missing.status.code(), Some(2));
}

#[tokio::test]
async fn cycles_in_the_file_or_through_existing_organizations_name_the_lines_on_the_path() {
    let db = TestDb::new().await;
    let app = open(&db).await;
    let actor = setup_actor();
    let root = app
        .create_organization(
            &actor,
            NewOrganization {
                name: "Root".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    app.create_organization(
        &actor,
        NewOrganization {
            name: "Branch".into(),
            parent_id: Some(root.id),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    app.close().await.unwrap();
    let files = Files::new();
    let file = files.write(
        "cycles.csv",
        "external_id,name,parent\n\
         L-1,Loop A,L-3\n\
         L-2,Loop B,L-1\n\
         L-3,Loop C,Loop B\n\
         ,Root,Branch\n\
         ,Fine,Root\n",
    );
    let output = import(&db, "organizations", &file, &[]);
    assert_eq!(output.status.code(), Some(1));
    let in_file = "the parents make a cycle (each under the next): line 2 (Loop A) → line 4 (Loop C) → line 3 (Loop B) → line 2 (Loop A)";
    assert_eq!(
        problem_lines(&output),
        [
            format!("line 2, column parent: {in_file}"),
            format!("line 3, column parent: {in_file}"),
            format!("line 4, column parent: {in_file}"),
            "line 5, column parent: the parents make a cycle (each under the next): line 5 (Root) → Branch (in the database) → line 5 (Root)".to_owned(),
        ]
    );
    assert_eq!(export(&db, "organizations").len(), 3, "nothing was applied");
}

/// Defines the multiple choice field `tier`.
async fn define_tier(app: &App, admin: &orgdesk_app::core::model::Agent) {
    app.define_organization_field(
        admin,
        orgdesk_app::NewField {
            key: "tier".into(),
            label: "Tier".into(),
            field_type: "multi_choice".into(),
            choices: vec!["Gold, plus".into(), "Silver".into()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

/// Creates an admin, then the usergroups named; returns the admin.
async fn usergroups(app: &App, names: &[&str]) -> orgdesk_app::core::model::Agent {
    let admin = app
        .create_agent(
            None,
            orgdesk_app::NewAgent {
                email: "root@helpdesk.test",
                name: "Root",
                password: "root password",
                admin: true,
            },
        )
        .await
        .unwrap();
    for name in names {
        app.create_usergroup(&admin, name, &[]).await.unwrap();
    }
    admin
}

#[tokio::test]
async fn users_match_by_external_id_then_email_and_join_by_organization_or_domain() {
    let db = TestDb::new().await;
    let app = open(&db).await;
    let actor = setup_actor();
    for (name, external_id, domain) in [
        ("Acme", "AC-1", "acme.com"),
        ("Globex", "GX-1", "globex.com"),
    ] {
        app.create_organization(
            &actor,
            NewOrganization {
                name: name.into(),
                external_id: Some(external_id.into()),
                domains: vec![domain.into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    usergroups(&app, &["VIP", "Partners, EMEA"]).await;
    app.create_user(
        &actor,
        NewUser {
            name: "Old Name".into(),
            email: "ann@acme.com".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    app.close().await.unwrap();

    let files = Files::new();
    let file = files.write(
        "users.csv",
        "external_id,name,email,organization,position,manager,usergroups\n\
         U-1,Ann Example,ANN@acme.com,,CTO,yes,VIP\n\
         U-2,Bob,bob@globex.com,Acme,,no,\"Partners, EMEA\nVIP\"\n\
         U-3,,carol@elsewhere.org,,,,\n\
         U-4,Dan,dan@acme.com,GX-1,Engineer,,\n",
    );
    assert_imported(
        &import(&db, "users", &file, &[]),
        "4 rows — 3 users created, 1 updated, 0 unchanged",
    );
    let rows = export(&db, "users");
    assert_eq!(
        rows,
        [
            vec![
                "external_id",
                "name",
                "email",
                "organization",
                "position",
                "manager",
                "usergroups"
            ],
            vec![
                "U-1",
                "Ann Example",
                "ANN@acme.com",
                "AC-1",
                "CTO",
                "true",
                "VIP"
            ],
            vec![
                "U-2",
                "Bob",
                "bob@globex.com",
                "AC-1",
                "",
                "false",
                "Partners, EMEA\nVIP"
            ],
            vec!["U-3", "carol", "carol@elsewhere.org", "", "", "false", ""],
            vec![
                "U-4",
                "Dan",
                "dan@acme.com",
                "GX-1",
                "Engineer",
                "false",
                ""
            ],
        ]
    );
    // Again: nothing changes. Then a row found by its external id takes a new email.
    assert_imported(
        &import(&db, "users", &file, &[]),
        "0 users created, 0 updated, 4 unchanged",
    );
    let renamed = files.write("renamed.csv", "external_id,email\nU-3,carol@globex.com\n");
    assert_imported(
        &import(&db, "users", &renamed, &[]),
        "0 users created, 1 updated, 0 unchanged",
    );
    let rows = export(&db, "users");
    // A changed email never moves an existing user to the domain's organization.
    assert_eq!(
        rows[3],
        ["U-3", "carol", "carol@globex.com", "", "", "false", ""]
    );
}

#[tokio::test]
async fn every_problem_in_a_users_file_is_reported_by_line_and_nothing_is_applied() {
    let db = TestDb::new().await;
    let app = open(&db).await;
    app.create_organization(
        &setup_actor(),
        NewOrganization {
            name: "Acme".into(),
            domains: vec!["acme.com".into()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    usergroups(&app, &["VIP"]).await;
    app.close().await.unwrap();
    let files = Files::new();
    let file = files.write(
        "users.csv",
        "external_id,name,email,organization,position,manager,usergroups\n\
         U-1,Ann,ann@acme.com,,,,VIP\n\
         U-2,Bob,bob@,,,,\n\
         U-3,Carol,carol@acme.com,Nowhere Inc,,,\n\
         U-4,Dan,ann@ACME.com,,,,\n\
         U-1,Eve,eve@acme.com,,,,\n\
         U-6,Fay,fay@elsewhere.org,,Boss,,\n\
         U-7,Gus,gus@acme.com,,,maybe,Gold\n",
    );
    let output = import(&db, "users", &file, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let lines = problem_lines(&output);
    assert_eq!(lines.len(), 7, "{lines:#?}");
    for (line, column) in [
        (3, "email"),
        (4, "organization"),
        (5, "email"),
        (6, "external_id"),
        (7, "position"),
        (8, "manager"),
        (8, "usergroups"),
    ] {
        let prefix = format!("line {line}, column {column}: ");
        assert!(
            lines.iter().any(|l| l.starts_with(&prefix)),
            "{prefix} in {lines:#?}"
        );
    }
    assert!(lines.contains(&"line 5, column email: ann@acme.com is also on line 2".to_owned()));
    assert_eq!(export(&db, "users").len(), 1, "nothing was applied");
}

/// Organizations and domains are looked up once and remembered from batch to batch
/// (a thousand rows each): a reference met again in a later batch, found or not, must
/// lead where it led the first time.
#[tokio::test]
async fn references_repeated_across_batches_resolve_as_in_the_first_batch() {
    let db = TestDb::new().await;
    let app = open(&db).await;
    for (name, external_id, domain) in [
        ("Acme", "AC-1", "acme.com"),
        // Its name is the other's external id: the external id wins.
        ("AC-1", "GX-1", "globex.com"),
    ] {
        app.create_organization(
            &setup_actor(),
            NewOrganization {
                name: name.into(),
                external_id: Some(external_id.into()),
                domains: vec![domain.into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    app.close().await.unwrap();

    let rows = 2_500;
    let row = |n: usize, organization: &str| {
        // Every third user has no organization cell and joins by their domain.
        let (email, organization) = match n % 3 {
            0 => (format!("u{n}@globex.com"), ""),
            1 => (format!("u{n}@acme.com"), organization),
            _ => (format!("u{n}@elsewhere.org"), organization),
        };
        format!("U-{n},{email},{organization}\n")
    };
    let mut broken = String::from("external_id,email,organization\n");
    for n in 0..rows {
        let organization = match n {
            7 | 2_401 => "Nowhere Inc",
            _ if n % 2 == 0 => "AC-1",
            _ => "acme",
        };
        broken.push_str(&row(n, organization));
    }
    let files = Files::new();
    let output = import(&db, "users", &files.write("broken.csv", &broken), &[]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let expected: Vec<String> = [9, 2_403]
        .iter()
        .map(|line| {
            format!(
                "line {line}, column organization: no organization has the external_id or name \"Nowhere Inc\""
            )
        })
        .collect();
    assert_eq!(problem_lines(&output), expected);

    let fixed = broken.replace("Nowhere Inc", "GX-1");
    assert_imported(
        &import(&db, "users", &files.write("fixed.csv", fixed), &[]),
        "2500 rows — 2500 users created",
    );
    let exported = export(&db, "users");
    assert_eq!(exported.len(), rows + 1);
    for record in &exported[1..] {
        let n: usize = record[0].trim_start_matches("U-").parse().unwrap();
        let expected = match (n % 3, n) {
            (0, _) | (_, 7 | 2_401) => "GX-1",
            _ => "AC-1",
        };
        assert_eq!(record[3], expected, "{record:?}");
    }
}

#[tokio::test]
async fn a_dry_run_reports_what_would_happen_and_changes_nothing() {
    let db = TestDb::new().await;
    let files = Files::new();
    let file = files.write(
        "organizations.csv",
        "name,domains\nAcme,acme.com\nGlobex,\n",
    );
    let output = import(&db, "organizations", &file, &["--dry-run"]);
    assert_imported(
        &output,
        "2 rows checked, no problems — 2 organizations would be created",
    );
    assert_eq!(export(&db, "organizations").len(), 1);
}

#[tokio::test]
async fn export_then_import_into_an_empty_database_reproduces_organizations_and_users() {
    let source = TestDb::new().await;
    let app = open(&source).await;
    let actor = setup_actor();
    let admin = usergroups(&app, &["VIP"]).await;
    define_tier(&app, &admin).await;
    let group = app
        .create_organization(
            &actor,
            NewOrganization {
                name: "Acme Group".into(),
                external_id: Some("ACME".into()),
                domains: vec!["acme.com".into(), "acme.net".into()],
                contacts: vec![
                    contact("phone", None, "+44 20 7946 0000"),
                    contact("address", None, "1 Main St, Springfield"),
                    contact("address", None, "2 High St, Leeds"),
                ],
                summary: Some("=SUM(A1) is how they write".into()),
                fields: [(
                    "tier".to_owned(),
                    serde_json::json!(["Silver", "Gold, plus"]),
                )]
                .into_iter()
                .collect(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let uk = app
        .create_organization(
            &actor,
            NewOrganization {
                name: "Acme UK".into(),
                parent_id: Some(group.id),
                domains: vec!["acme.co.uk".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    app.create_organization(
        &actor,
        NewOrganization {
            name: "Acme Leeds".into(),
            parent_id: Some(uk.id),
            contacts: vec![contact("website", None, "https://leeds.acme.co.uk")],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    for (name, email, position, manager) in [
        ("Ann", "ann@acme.com", Some("CTO"), true),
        ("Bob", "bob@acme.co.uk", None, false),
        ("Carol", "carol@nowhere.org", None, false),
    ] {
        let user = app
            .create_user(
                &actor,
                NewUser {
                    name: name.into(),
                    email: email.into(),
                    position: position.map(str::to_owned),
                    manager,
                    external_id: Some(format!("U-{name}")),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        if name != "Bob" {
            let vip = app
                .list_usergroups(&PageRequest::first(1))
                .await
                .unwrap()
                .items[0]
                .id;
            app.add_usergroup_member(&admin, vip, user.id)
                .await
                .unwrap();
        }
    }
    app.close().await.unwrap();
    let files = Files::new();
    let organizations = export(&source, "organizations");
    let users = export(&source, "users");
    let write_csv = |name: &str, rows: &[Vec<String>]| {
        let mut writer = csv::Writer::from_writer(Vec::new());
        for row in rows {
            writer.write_record(row).unwrap();
        }
        files.write(name, writer.into_inner().unwrap())
    };
    let organizations_file = write_csv("organizations.csv", &organizations);
    let users_file = write_csv("users.csv", &users);

    let target = TestDb::new().await;
    let app = open(&target).await;
    define_tier(&app, &usergroups(&app, &["VIP"]).await).await;
    app.close().await.unwrap();
    assert_imported(
        &import(&target, "organizations", &organizations_file, &[]),
        "3 organizations created",
    );
    assert_imported(
        &import(&target, "users", &users_file, &[]),
        "3 users created",
    );
    assert_eq!(export(&target, "organizations"), organizations);
    assert_eq!(export(&target, "users"), users);
}

#[tokio::test]
async fn a_killed_import_leaves_nothing_applied_and_is_marked_failed_at_the_next_start() {
    let db = TestDb::new().await;
    // Created up front: the import runs as the only writer.
    open(&db).await.close().await.unwrap();
    let files = Files::new();
    let mut content = String::from("external_id,name,email\n");
    for n in 0..60_000 {
        content.push_str(&format!("U-{n},User {n},user{n}@example.org\n"));
    }
    let file = files.write("users.csv", content);
    let mut child = orgdesk(&db)
        .args(["import", "users"])
        .arg(&file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the import");
    // Wait until it is applying, then a moment more, so the kill lands mid-apply.
    let started = Instant::now();
    while db
        .number("SELECT COUNT(*) FROM imports WHERE status = 'applying'")
        .await
        == 0
    {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the import never started applying"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import ended early"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "the import finished before it could be killed"
    );
    child.kill().expect("kill -9");
    child.wait().unwrap();

    assert_eq!(db.number("SELECT COUNT(*) FROM users").await, 0);
    assert_eq!(db.number("SELECT COUNT(*) FROM user_events").await, 0);
    let app = open(&db).await;
    assert_eq!(app.fail_interrupted_imports().await.unwrap(), 1);
    let report = app.get_import(1).await.unwrap();
    assert_eq!(report.status, orgdesk_app::ImportStatus::Failed);
    assert_eq!(report.problems[0].code, "interrupted");
    app.close().await.unwrap();
}

#[tokio::test]
async fn the_example_files_of_the_readme_import_as_it_describes() {
    let db = TestDb::new().await;
    let app = open(&db).await;
    let admin = usergroups(&app, &["VIP"]).await;
    app.define_organization_field(
        &admin,
        orgdesk_app::NewField {
            key: "tier".into(),
            label: "Tier".into(),
            field_type: "choice".into(),
            choices: vec!["Gold".into(), "Silver".into()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    app.close().await.unwrap();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples");
    assert_imported(
        &import(
            &db,
            "organizations",
            &examples.join("organizations.csv"),
            &[],
        ),
        "2 organizations created",
    );
    assert_imported(
        &import(&db, "users", &examples.join("users.csv"), &[]),
        "2 users created",
    );
    let users = export(&db, "users");
    // Bob's email domain belongs to Acme Group: the association placed him.
    assert_eq!(
        users[2],
        [
            "U-2",
            "Bob Example",
            "bob@acme-group.example",
            "ACME-1",
            "",
            "false",
            ""
        ]
    );
    assert_eq!(users[1][3..], ["ACME-2", "CTO", "true", "VIP"]);
}

/// A `serve` process, killed (SIGKILL) when dropped.
struct Server {
    child: std::process::Child,
    base: String,
}

impl Server {
    async fn start(db: &TestDb, blobs: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = orgdesk(db)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("ORGDESK_BLOB_STORE", blobs)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the server");
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        while !reqwest::get(format!("{}/healthz", server.base))
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            assert!(started.elapsed() < Duration::from_secs(30), "no healthz");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server
    }

    async fn token(&self) -> String {
        let answer: serde_json::Value = reqwest::Client::new()
            .post(format!("{}/api/v1/auth/token", self.base))
            .json(&serde_json::json!({"email": "root@helpdesk.test", "password": "root password"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer["token"].as_str().unwrap().to_owned()
    }

    async fn import(&self, token: &str, id: i64) -> serde_json::Value {
        reqwest::Client::new()
            .get(format!("{}/api/v1/imports/{id}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn an_import_cut_short_by_a_server_restart_is_failed_with_nothing_applied() {
    let db = TestDb::new().await;
    let app = open(&db).await;
    usergroups(&app, &[]).await;
    app.close().await.unwrap();
    let blobs = tempfile::tempdir().unwrap();
    let server = Server::start(&db, blobs.path()).await;
    let token = server.token().await;
    let mut csv = String::from("external_id,name,email\n");
    for n in 0..60_000 {
        csv.push_str(&format!("U-{n},User {n},user{n}@example.org\n"));
    }
    let (content_type, body) = orgdesk_testkit::multipart_body(&[
        orgdesk_testkit::Part::text("kind", "users"),
        orgdesk_testkit::Part::file("file", "users.csv", "text/csv", csv.as_bytes()),
    ]);
    let started: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/api/v1/imports", server.base))
        .bearer_auth(&token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = started["id"].as_i64().expect("an import");
    let began = Instant::now();
    loop {
        let import = server.import(&token, id).await;
        if import["status"] == "applying" {
            break;
        }
        assert_eq!(import["finished_at"], serde_json::Value::Null, "{import}");
        assert!(began.elapsed() < Duration::from_secs(120), "{import}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(server);
    assert_eq!(db.number("SELECT COUNT(*) FROM users").await, 0);

    let server = Server::start(&db, blobs.path()).await;
    let token = server.token().await;
    let import = server.import(&token, id).await;
    assert_eq!(import["status"], "failed", "{import}");
    assert_eq!(import["problems"][0]["code"], "interrupted");
    assert_eq!(db.number("SELECT COUNT(*) FROM users").await, 0);
}

#[tokio::test]
async fn a_control_character_in_any_cell_is_a_problem_of_its_row_and_nothing_is_applied() {
    let db = TestDb::new().await;
    let files = Files::new();
    // In the parent reference, which is only ever looked up, a NUL would otherwise
    // reach the database (PostgreSQL refuses it in text).
    let file = files.write(
        "nul.csv",
        b"name,parent,summary\nAlpha,,fine\nBeta,Al\x00pha,\nGamma,,bell \x07 here\n".as_slice(),
    );
    let output = import(&db, "organizations", &file, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert_eq!(
        problem_lines(&output),
        [
            "line 3, column parent: holds a control character (a NUL or the like): not text",
            "line 4, column summary: holds a control character (a NUL or the like): not text",
        ]
    );
    assert_eq!(export(&db, "organizations").len(), 1, "nothing was applied");
}
