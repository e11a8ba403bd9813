use orgdesk_app::core::model::Actor;
use orgdesk_app::core::{Error, TicketId};
use orgdesk_app::{App, NewOrganization, NewTicket, NewUser, PageRequest, TicketQuery};
use orgdesk_testkit::TestDb;

fn importer() -> Actor {
    Actor::System {
        name: "import".into(),
    }
}

fn ticket(requester: i64, subject: &str) -> NewTicket {
    NewTicket {
        requester_id: requester,
        subject: subject.into(),
        body: format!("about {subject}"),
        ..Default::default()
    }
}

/// Acme with a member and a manager who asked to be CC'd; returns (app, member, manager).
async fn acme(db: &TestDb) -> (App, i64, i64) {
    let app = App::open(db.url()).await.unwrap();
    let acme = app
        .create_organization(
            &importer(),
            NewOrganization {
                name: "Acme".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let member = app
        .create_user(
            &importer(),
            NewUser {
                name: "Jane".into(),
                email: "jane@example.org".into(),
                organization_id: Some(acme.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let manager = app
        .create_user(
            &importer(),
            NewUser {
                name: "Mia".into(),
                email: "mia@example.org".into(),
                organization_id: Some(acme.id),
                manager: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    app.update_own_profile(
        &manager,
        "",
        orgdesk_app::OwnProfileChanges {
            auto_cc: Some(true),
            ..Default::default()
        },
        std::net::Ipv4Addr::LOCALHOST.into(),
    )
    .await
    .unwrap();
    (app, member.id.0, manager.id.0)
}

async fn ticket_count(app: &App) -> usize {
    app.list_tickets(&TicketQuery::default(), &PageRequest::first(500))
        .await
        .unwrap()
        .items
        .len()
}

#[tokio::test]
async fn a_batch_of_tickets_is_opened_in_order_with_auto_cc_and_search() {
    let db = TestDb::new().await;
    let (app, jane, mia) = acme(&db).await;
    let batch: Vec<NewTicket> = (0..250)
        .map(|n| ticket(jane, &format!("Batch ticket {n}")))
        .collect();
    let ids = app.create_tickets(&importer(), batch).await.unwrap();
    assert_eq!(ids.len(), 250);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids in input order");
    for n in [0usize, 99, 100, 249] {
        let read = app.get_ticket(ids[n]).await.unwrap();
        assert_eq!(read.subject, format!("Batch ticket {n}"), "entry {n}");
        assert_eq!(read.cc_ids.iter().map(|id| id.0).collect::<Vec<_>>(), [mia]);
        assert_eq!(read.organization.unwrap().name, "Acme");
    }
    let found = app
        .list_tickets(
            &TicketQuery {
                q: Some("ticket 249".into()),
                ..Default::default()
            },
            &PageRequest::first(10),
        )
        .await
        .unwrap();
    assert_eq!(
        found.items.iter().map(|t| t.id).collect::<Vec<TicketId>>(),
        [ids[249]]
    );
}

#[tokio::test]
async fn a_batch_with_one_bad_entry_opens_no_ticket_and_names_the_entry() {
    let db = TestDb::new().await;
    let (app, jane, _) = acme(&db).await;
    let mut batch: Vec<NewTicket> = (0..5).map(|n| ticket(jane, &format!("T{n}"))).collect();
    batch[3].subject = " ".into();
    match app.create_tickets(&importer(), batch.clone()).await {
        Err(Error::Validation { field, .. }) => assert_eq!(field, "tickets[3].subject"),
        other => panic!("expected a validation error, got {other:?}"),
    }
    batch[3].subject = "fixed".into();
    batch[4].requester_id = 987_654;
    match app.create_tickets(&importer(), batch.clone()).await {
        Err(Error::Validation { field, .. }) => assert_eq!(field, "tickets[4].requester_id"),
        other => panic!("expected a validation error, got {other:?}"),
    }
    // CCs and assignees of the whole batch are looked up at once; the error still
    // names the entry.
    batch[4].requester_id = jane;
    batch[1].cc_ids = vec![jane, 987_655];
    match app.create_tickets(&importer(), batch.clone()).await {
        Err(Error::Validation { field, message }) => {
            assert_eq!(field, "tickets[1].cc_ids");
            assert!(message.contains("987655"), "{message}");
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    batch[1].cc_ids = vec![jane];
    batch[2].assignee_id = Some(987_656);
    match app.create_tickets(&importer(), batch).await {
        Err(Error::Validation { field, .. }) => assert_eq!(field, "tickets[2].assignee_id"),
        other => panic!("expected a validation error, got {other:?}"),
    }
    assert_eq!(ticket_count(&app).await, 0);
}

/// Lists every ticket of the organization's tree through the pages of `limit`.
async fn tree_tickets(
    app: &App,
    root: orgdesk_app::core::OrganizationId,
    limit: u64,
) -> Vec<TicketId> {
    let mut all = Vec::new();
    let mut page = PageRequest::first(limit);
    let query = orgdesk_app::OrganizationTicketQuery {
        include_descendants: true,
        ..Default::default()
    };
    loop {
        let found = app.organization_tickets(root, &query, &page).await.unwrap();
        all.extend(found.items.iter().map(|t| t.id));
        match found.next_cursor {
            Some(cursor) => page.cursor = Some(cursor),
            None => return all,
        }
    }
}

#[tokio::test]
async fn a_large_trees_tickets_are_listed_newest_first_like_a_small_ones() {
    // Past a few hundred organizations the list walks tickets newest first instead of
    // gathering the tree's; both plans must give the same pages.
    let db = TestDb::new().await;
    let app = App::open(db.url()).await.unwrap();
    let org = |name: String, parent| NewOrganization {
        name,
        parent_id: parent,
        ..Default::default()
    };
    let root = app
        .create_organization(&importer(), org("Root".into(), None))
        .await
        .unwrap()
        .id;
    let small = app
        .create_organization(&importer(), org("Small".into(), Some(root)))
        .await
        .unwrap()
        .id;
    let mut leaves = vec![small];
    for n in 0..520 {
        let parent = if n % 2 == 0 { root } else { leaves[n / 2] };
        let child = app
            .create_organization(&importer(), org(format!("Leaf {n}"), Some(parent)))
            .await
            .unwrap();
        leaves.push(child.id);
    }
    let outside = app
        .create_organization(&importer(), org("Outside".into(), None))
        .await
        .unwrap()
        .id;
    let mut requesters = Vec::new();
    for (n, organization) in [leaves[0], leaves[7], leaves[300], leaves[519], outside]
        .into_iter()
        .enumerate()
    {
        let user = app
            .create_user(
                &importer(),
                NewUser {
                    name: format!("U{n}"),
                    email: format!("u{n}@example.org"),
                    organization_id: Some(organization),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        requesters.push(user.id.0);
    }
    let batch: Vec<NewTicket> = (0..40)
        .map(|n| ticket(requesters[n % requesters.len()], &format!("T{n}")))
        .collect();
    let ids = app.create_tickets(&importer(), batch).await.unwrap();
    let mut expected: Vec<TicketId> = ids
        .iter()
        .enumerate()
        .filter(|(n, _)| n % requesters.len() != 4)
        .map(|(_, id)| *id)
        .collect();
    expected.reverse();
    assert_eq!(tree_tickets(&app, root, 7).await, expected, "large tree");
    let small_tree: Vec<TicketId> = ids
        .iter()
        .step_by(requesters.len())
        .rev()
        .copied()
        .collect();
    assert_eq!(tree_tickets(&app, small, 3).await, small_tree, "small tree");
}
