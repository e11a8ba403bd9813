//! Races between writers. Each test starts the competing use cases at the same moment,
//! many rounds over, and checks that what every writer was told matches what is stored
//! and what history says. SQLite serializes writers by design; on PostgreSQL (READ
//! COMMITTED) these pass only because every read-decide-write locks what it decides on.

use orgdesk_app::core::model::{Actor, Agent, OrganizationEvent};
use orgdesk_app::core::{Error, OrganizationId, TicketId, UserId};
use orgdesk_app::{
    AgentChanges, App, MembershipChanges, NewAgent, NewOrganization, NewTicket, NewUser,
    OrganizationChanges, PageRequest, TicketChanges, UserChanges,
};
use orgdesk_testkit::TestDb;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Barrier;

fn agent() -> Actor {
    Actor::System {
        name: "race".into(),
    }
}

fn importer() -> Actor {
    Actor::System {
        name: "import".into(),
    }
}

/// One competing write.
type Task = std::pin::Pin<Box<dyn Future<Output = Result<(), Error>> + Send>>;

async fn organization(app: &App, name: &str) -> OrganizationId {
    app.create_organization(
        &importer(),
        NewOrganization {
            name: name.into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id
}

async fn user_in(app: &App, email: &str, organization: Option<OrganizationId>) -> UserId {
    app.create_user(
        &importer(),
        NewUser {
            name: email.into(),
            email: email.into(),
            password: None,
            organization_id: organization,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id
}

/// An admin agent, made from the command line's side.
async fn admin(app: &App) -> Agent {
    app.create_agent(
        None,
        NewAgent {
            email: "admin@example.org",
            name: "Admin",
            password: "admin password",
            admin: true,
        },
    )
    .await
    .unwrap()
}

/// Runs every future at once: each waits on a shared barrier, so they reach the
/// database together.
async fn all_at_once(tasks: Vec<Task>) -> Vec<Result<(), Error>> {
    let barrier = Arc::new(Barrier::new(tasks.len()));
    let handles: Vec<_> = tasks
        .into_iter()
        .map(|task| {
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                task.await
            })
        })
        .collect();
    let mut results = Vec::new();
    for handle in handles {
        results.push(handle.await.expect("task"));
    }
    results
}

async fn history(app: &App, organization: OrganizationId) -> Vec<OrganizationEvent> {
    let mut events = Vec::new();
    let mut page = PageRequest::first(500);
    loop {
        let found = app.organization_history(organization, &page).await.unwrap();
        events.extend(found.items);
        match found.next_cursor {
            Some(cursor) => page.cursor = Some(cursor),
            None => return events,
        }
    }
}

/// Per organization, `member_added` minus `member_removed` events about `user` must be 1
/// where the user is now and 0 everywhere else; and every event's recorded move
/// (`organization_id` old → new) must continue from where the previous one left the user.
async fn assert_membership_history_adds_up(
    app: &App,
    organizations: &[OrganizationId],
    user: UserId,
) {
    let now = app.get_user(user).await.unwrap().organization.map(|o| o.id);
    let mut moves: Vec<(i64, Option<i64>, Option<i64>)> = Vec::new();
    let mut balance: HashMap<OrganizationId, i64> = HashMap::new();
    for &organization in organizations {
        for event in history(app, organization).await {
            if event.user.as_ref().map(|u| u.id) != Some(user) {
                continue;
            }
            let step = match event.action.as_str() {
                "member_added" => 1,
                "member_removed" => -1,
                _ => continue,
            };
            *balance.entry(organization).or_default() += step;
            let moved = event
                .changes
                .iter()
                .find(|c| c.field == "organization_id")
                .expect("a membership event records the move");
            // A move between two organizations is recorded on both: keep it once.
            if step == 1 || moved.new.is_null() {
                moves.push((event.id, moved.old.as_i64(), moved.new.as_i64()));
            }
        }
    }
    for &organization in organizations {
        let expected = i64::from(now == Some(organization));
        assert_eq!(
            balance.get(&organization).copied().unwrap_or(0),
            expected,
            "added − removed on organization {organization} (user now in {now:?})"
        );
    }
    moves.sort_unstable();
    let mut at: Option<i64> = None;
    for (id, old, new) in moves {
        assert_eq!(old, at, "event {id} moves the user from where they were");
        at = new;
    }
    assert_eq!(
        at,
        now.map(|o| o.0),
        "the last recorded move ends where the user is"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_removal_racing_a_move_never_removes_the_user_from_where_they_moved() {
    let db = TestDb::new().await;
    let app = App::open(db.url()).await.unwrap();
    let a = organization(&app, "A").await;
    let b = organization(&app, "B").await;
    for round in 0..30 {
        let user = user_in(&app, &format!("mover{round}@example.org"), Some(a)).await;
        let (mover, remover) = (app.clone(), app.clone());
        let results = all_at_once(vec![
            Box::pin(async move {
                mover
                    .put_member(&agent(), b, user, MembershipChanges::default())
                    .await
                    .map(|_| ())
            }),
            Box::pin(async move { remover.remove_member(&agent(), a, user).await }),
        ])
        .await;
        results[0].as_ref().expect("the move succeeds");
        match &results[1] {
            Ok(()) | Err(Error::NotFound { .. }) => {}
            Err(other) => panic!("round {round}: removal failed with {other:?}"),
        }
        let now = app.get_user(user).await.unwrap().organization.map(|o| o.id);
        assert_eq!(
            now,
            Some(b),
            "round {round}: the user ends where they moved"
        );
        assert_membership_history_adds_up(&app, &[a, b], user).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_moves_leave_a_history_that_adds_up() {
    let db = TestDb::new().await;
    let app = App::open(db.url()).await.unwrap();
    let mut organizations = Vec::new();
    for n in 0..8 {
        organizations.push(organization(&app, &format!("Org {n}")).await);
    }
    let user = user_in(&app, "nomad@example.org", None).await;
    for _round in 0..5 {
        let tasks = organizations
            .iter()
            .map(|&organization| {
                let app = app.clone();
                Box::pin(async move {
                    app.put_member(&agent(), organization, user, MembershipChanges::default())
                        .await
                        .map(|_| ())
                }) as Task
            })
            .collect();
        for result in all_at_once(tasks).await {
            result.expect("every move succeeds");
        }
        // The kept member counts agree with where the user is.
        let now = app.get_user(user).await.unwrap().organization.map(|o| o.id);
        for &organization in &organizations {
            let counted = app
                .get_organization_without_fields(organization)
                .await
                .unwrap()
                .member_count;
            assert_eq!(counted, i64::from(now == Some(organization)));
        }
    }
    assert_membership_history_adds_up(&app, &organizations, user).await;
}

async fn open_ticket(app: &App, requester: UserId) -> TicketId {
    app.create_ticket(
        &agent(),
        NewTicket {
            requester_id: requester.0,
            subject: "Printer on fire".into(),
            body: "It is on fire.".into(),
            status: Some("open".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_customer_reply_racing_a_close_never_reopens_the_ticket() {
    let db = TestDb::new().await;
    let app = App::open(db.url()).await.unwrap();
    let requester_id = user_in(&app, "customer@example.org", None).await;
    let requester = app.get_user(requester_id).await.unwrap();
    for round in 0..30 {
        let ticket = open_ticket(&app, requester_id).await;
        let (closer, replier, customer) = (app.clone(), app.clone(), requester.clone());
        let results = all_at_once(vec![
            Box::pin(async move {
                closer
                    .update_ticket(
                        ticket,
                        TicketChanges {
                            status: Some("closed".into()),
                            ..Default::default()
                        },
                    )
                    .await
                    .map(|_| ())
            }),
            Box::pin(async move {
                replier
                    .portal_reply(&customer, ticket, "Any news?")
                    .await
                    .map(|_| ())
            }),
        ])
        .await;
        results[0].as_ref().expect("the close succeeds");
        match &results[1] {
            Ok(()) | Err(Error::TicketClosed { .. }) => {}
            Err(other) => panic!("round {round}: reply failed with {other:?}"),
        }
        let status = app.get_ticket(ticket).await.unwrap().status;
        assert_eq!(
            status.as_str(),
            "closed",
            "round {round}: the agent's close stands"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn organization_patches_without_a_version_never_fail_on_one() {
    let db = TestDb::new().await;
    let app = App::open(db.url()).await.unwrap();
    let acme = organization(&app, "Acme").await;
    let tasks = (0..20)
        .map(|n| {
            let app = app.clone();
            Box::pin(async move {
                app.update_organization(
                    &agent(),
                    acme,
                    OrganizationChanges {
                        summary: Some(Some(format!("summary {n}"))),
                        ..Default::default()
                    },
                )
                .await
                .map(|_| ())
            }) as Task
        })
        .collect();
    for result in all_at_once(tasks).await {
        result.expect("a PATCH without a version has no precondition to fail");
    }
    let stored = app.get_organization_without_fields(acme).await.unwrap();
    assert_eq!(
        stored.version, 21,
        "each of the 20 changes bumped the version"
    );
    let updates = history(&app, acme)
        .await
        .into_iter()
        .filter(|e| e.action == "updated")
        .count();
    assert_eq!(updates, 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ticket_patches_without_a_version_never_fail_on_one() {
    let db = TestDb::new().await;
    let app = App::open(db.url()).await.unwrap();
    let requester = user_in(&app, "customer@example.org", None).await;
    let ticket = open_ticket(&app, requester).await;
    let tasks = (0..20)
        .map(|n| {
            let app = app.clone();
            let priority = ["low", "normal", "high", "urgent"][n % 4];
            Box::pin(async move {
                app.update_ticket(
                    ticket,
                    TicketChanges {
                        priority: Some(priority.into()),
                        subject: Some(format!("Printer on fire, take {n}")),
                        ..Default::default()
                    },
                )
                .await
                .map(|_| ())
            }) as Task
        })
        .collect();
    for result in all_at_once(tasks).await {
        result.expect("a PATCH without a version has no precondition to fail");
    }
    assert_eq!(app.get_ticket(ticket).await.unwrap().version, 21);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn applying_domain_matches_while_members_move_records_exactly_what_moved() {
    let db = TestDb::new().await;
    let app = App::open(db.url()).await.unwrap();
    let other = organization(&app, "Other").await;
    let elsewhere = organization(&app, "Elsewhere").await;
    let admin = admin(&app).await;
    for round in 0..10 {
        let owner = organization(&app, &format!("Owner {round}")).await;
        let domain = format!("owner{round}.com");
        let mut people = Vec::new();
        for n in 0..6 {
            let placed = if n % 2 == 0 { Some(other) } else { None };
            people.push(user_in(&app, &format!("p{n}@{domain}"), placed).await);
        }
        app.add_domain(&agent(), owner, &domain, false)
            .await
            .unwrap();
        let mut tasks: Vec<Task> = Vec::new();
        {
            let app = app.clone();
            let domain = domain.clone();
            tasks.push(Box::pin(async move {
                app.apply_domain_matches(&agent(), owner, &domain, true, true)
                    .await
                    .map(|_| ())
            }));
        }
        for (n, &person) in people.iter().enumerate() {
            let app = app.clone();
            let admin = admin.clone();
            tasks.push(Box::pin(async move {
                if n % 3 == 0 {
                    app.update_user(
                        &admin,
                        person,
                        UserChanges {
                            organization_id: Some(None),
                            ..Default::default()
                        },
                    )
                    .await
                    .map(|_| ())
                } else {
                    app.put_member(&agent(), elsewhere, person, MembershipChanges::default())
                        .await
                        .map(|_| ())
                }
            }));
        }
        for result in all_at_once(tasks).await {
            result.expect("every write succeeds");
        }
        for &person in &people {
            assert_membership_history_adds_up(&app, &[other, elsewhere, owner], person).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_admins_stepping_down_at_once_always_leave_one_enabled_admin() {
    let db = TestDb::new().await;
    let app = App::open(db.url()).await.unwrap();
    let enabled_admins = |by: Agent| {
        let app = app.clone();
        async move {
            app.list_agents(Some(&by), &PageRequest::first(500))
                .await
                .unwrap()
                .items
                .into_iter()
                .filter(|agent| agent.admin && !agent.disabled)
                .collect::<Vec<_>>()
        }
    };
    let mut survivor: Option<Agent> = None;
    for round in 0..15 {
        let mut admins = Vec::new();
        for n in 0..2 {
            admins.push(
                app.create_agent(
                    None,
                    NewAgent {
                        email: &format!("admin{n}.round{round}@example.org"),
                        name: &format!("Admin {n}"),
                        password: "admin password",
                        admin: true,
                    },
                )
                .await
                .unwrap(),
            );
        }
        // The last round's survivor steps aside, so these two are the only enabled
        // admins; then each removes the other at once, one demoting, one disabling.
        if let Some(previous) = survivor.take() {
            let aside = AgentChanges {
                disabled: Some(true),
                ..Default::default()
            };
            app.update_agent(Some(&admins[0]), previous.id, aside)
                .await
                .unwrap();
        }
        let changes = [
            AgentChanges {
                admin: Some(false),
                ..Default::default()
            },
            AgentChanges {
                disabled: Some(true),
                ..Default::default()
            },
        ];
        let tasks: Vec<Task> = changes
            .into_iter()
            .enumerate()
            .map(|(n, change)| {
                let app = app.clone();
                let by = admins[n].clone();
                let target = admins[1 - n].id;
                Box::pin(async move {
                    app.update_agent(Some(&by), target, change)
                        .await
                        .map(|_| ())
                }) as Task
            })
            .collect();
        let results = all_at_once(tasks).await;
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            1,
            "round {round}: {results:?}"
        );
        assert!(
            results
                .iter()
                .any(|r| matches!(r, Err(Error::LastAdmin { .. }))),
            "round {round}: {results:?}"
        );
        let left = enabled_admins(admins[0].clone()).await;
        assert_eq!(left.len(), 1, "round {round}: {left:?}");
        survivor = left.into_iter().next();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deleting_a_usergroup_while_organizations_link_and_unlink_it_never_fails_or_leaves_a_link()
{
    let db = TestDb::new().await;
    let app = App::open(db.url()).await.unwrap();
    let admin = admin(&app).await;
    let organizations = [
        organization(&app, "Acme").await,
        organization(&app, "Globex").await,
        organization(&app, "Initech").await,
    ];
    for round in 0..10 {
        let group = app
            .create_usergroup(&admin, &format!("Group {round}"), &[])
            .await
            .unwrap()
            .id;
        // Acme starts linked (so there is something to unlink); the others link now.
        app.link_usergroup(&admin, organizations[0], group)
            .await
            .unwrap();
        let mut tasks: Vec<Task> = Vec::new();
        {
            let (app, admin) = (app.clone(), admin.clone());
            tasks.push(Box::pin(async move {
                app.delete_usergroup(&admin, group).await
            }));
        }
        {
            let (app, admin, acme) = (app.clone(), admin.clone(), organizations[0]);
            tasks.push(Box::pin(async move {
                app.unlink_usergroup(&admin, acme, group).await
            }));
        }
        for &organization in &organizations[1..] {
            let (app, admin) = (app.clone(), admin.clone());
            tasks.push(Box::pin(async move {
                app.link_usergroup(&admin, organization, group).await
            }));
        }
        let results = all_at_once(tasks).await;
        assert!(results[0].is_ok(), "round {round}: delete {:?}", results[0]);
        for result in &results[1..] {
            // A link or unlink that came after the deletion finds no usergroup.
            assert!(
                matches!(result, Ok(()) | Err(Error::NotFound { .. })),
                "round {round}: {result:?}"
            );
        }
        for &organization in &organizations {
            let now = app
                .get_organization_without_fields(organization)
                .await
                .unwrap();
            assert!(
                !now.usergroup_ids.contains(&group),
                "round {round}: a link outlived its usergroup"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_choice_dropped_while_organizations_are_given_it_never_leaves_them_holding_it() {
    let db = TestDb::new().await;
    let app = App::open(db.url()).await.unwrap();
    let admin = admin(&app).await;
    let field = app
        .define_organization_field(
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
    let mut organizations = Vec::new();
    for round in 0..12 {
        organizations.push(organization(&app, &format!("Acme {round}")).await);
    }
    let cleared = || {
        let fields = [("tier".to_owned(), serde_json::Value::Null)];
        OrganizationChanges {
            fields: Some(fields.into_iter().collect()),
            ..Default::default()
        }
    };
    for (round, &organization) in organizations.iter().enumerate() {
        // Each round starts with Silver offered and held nowhere, then drops it while
        // an organization is given it.
        if round > 0 {
            app.update_organization(&importer(), organizations[round - 1], cleared())
                .await
                .unwrap();
        }
        app.change_organization_field(
            &admin,
            field.id,
            orgdesk_app::FieldChanges {
                choices: Some(vec!["Gold".into(), "Silver".into()]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let (give, drop) = (app.clone(), app.clone());
        let by = admin.clone();
        let tasks: Vec<Task> = vec![
            Box::pin(async move {
                let fields = [("tier".to_owned(), serde_json::json!("Silver"))];
                give.update_organization(
                    &importer(),
                    organization,
                    OrganizationChanges {
                        fields: Some(fields.into_iter().collect()),
                        ..Default::default()
                    },
                )
                .await
                .map(|_| ())
            }),
            Box::pin(async move {
                drop.change_organization_field(
                    &by,
                    field.id,
                    orgdesk_app::FieldChanges {
                        choices: Some(vec!["Gold".into()]),
                        ..Default::default()
                    },
                )
                .await
                .map(|_| ())
            }),
        ];
        let results = all_at_once(tasks).await;
        let stored = app
            .get_organization(&admin, organization)
            .await
            .unwrap()
            .fields;
        let holds_silver = stored.iter().any(|f| f.value.holds_choice("Silver"));
        let definition = app.organization_field(&admin, field.id).await.unwrap();
        let offered = definition.choices.active.iter().any(|c| c == "Silver");
        match (&results[0], &results[1]) {
            // The value came first: dropping it was refused, naming the holder.
            (Ok(()), Err(Error::ChoiceInUse { count: 1, .. })) => {
                assert!(holds_silver && offered, "round {round}")
            }
            // The drop came first: giving it was refused as not a choice.
            (Err(Error::Validation { .. }), Ok(())) => {
                assert!(!holds_silver && !offered, "round {round}")
            }
            other => panic!("round {round}: {other:?}"),
        }
    }
}
