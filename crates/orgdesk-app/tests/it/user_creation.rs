use orgdesk_app::core::model::Actor;
use orgdesk_app::core::{Error, OrganizationId};
use orgdesk_app::{App, NewOrganization, NewUser, PageRequest};
use orgdesk_testkit::TestDb;

fn importer() -> Actor {
    Actor::System {
        name: "import".into(),
    }
}

fn user(name: &str, email: &str) -> NewUser {
    NewUser {
        name: name.into(),
        email: email.into(),
        ..Default::default()
    }
}

async fn app_with_acme(db: &TestDb) -> (App, OrganizationId) {
    let app = App::open(db.url()).await.unwrap();
    let acme = app
        .create_organization(
            &importer(),
            NewOrganization {
                name: "Acme".into(),
                domains: vec!["acme.com".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    (app, acme.id)
}

async fn user_count(app: &App) -> usize {
    app.list_users(None, None, None, &PageRequest::first(500))
        .await
        .unwrap()
        .items
        .len()
}

#[tokio::test]
async fn a_batch_applies_the_domain_association_to_each_user_and_records_who_placed_them() {
    let db = TestDb::new().await;
    let (app, acme) = app_with_acme(&db).await;
    let other = app
        .create_organization(
            &importer(),
            NewOrganization {
                name: "Other".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id;
    let mut explicit = user("Explicit", "explicit@acme.com");
    explicit.organization_id = Some(other);
    explicit.manager = true;
    let batch: Vec<NewUser> = (0..250)
        .map(|n| user(&format!("User {n}"), &format!("user{n}@acme.com")))
        .chain([user("Loner", "loner@elsewhere.org"), explicit])
        .collect();
    let created = app.create_users(&importer(), batch).await.unwrap();

    assert_eq!(created.len(), 252);
    assert!(
        created[..250]
            .iter()
            .all(|u| u.organization.as_ref().map(|o| (o.id, o.name.as_str()))
                == Some((acme, "Acme")))
    );
    assert_eq!(created[250].organization, None);
    assert_eq!(
        created[251].organization.as_ref().map(|o| o.id),
        Some(other)
    );
    assert!(created[251].manager);
    // The returned users are what is stored.
    let stored = app.get_user(created[7].id).await.unwrap();
    assert_eq!(stored, created[7]);

    assert_eq!(
        app.get_organization_without_fields(acme)
            .await
            .unwrap()
            .member_count,
        250
    );
    let history = app
        .organization_history(acme, &PageRequest::first(500))
        .await
        .unwrap()
        .items;
    let joined: Vec<_> = history
        .iter()
        .filter(|e| e.action == "member_added")
        .collect();
    assert_eq!(joined.len(), 250);
    assert!(joined.iter().all(|e| e.actor
        == Actor::System {
            name: "email domain association".into()
        }));
    let other_history = app
        .organization_history(other, &PageRequest::first(10))
        .await
        .unwrap()
        .items;
    assert_eq!(
        other_history[0].actor,
        importer(),
        "an explicit organization is recorded with the caller"
    );
}

#[tokio::test]
async fn a_batch_with_one_bad_entry_creates_nobody_and_names_the_entry() {
    let db = TestDb::new().await;
    let (app, _) = app_with_acme(&db).await;
    app.create_user(&importer(), user("Existing", "existing@example.org"))
        .await
        .unwrap();

    let cases: Vec<(Vec<NewUser>, &str)> = vec![
        (
            vec![user("A", "a@example.org"), user("B", "not an email")],
            "users[1].email",
        ),
        (
            vec![user("A", "a@example.org"), user("B", "A@EXAMPLE.org")],
            "users[1].email",
        ),
        (
            vec![
                user("A", "a@example.org"),
                user("B", "b@example.org"),
                user("C", "EXISTING@example.org"),
            ],
            "users[2].email",
        ),
        (vec![user(" ", "a@example.org")], "users[0].name"),
        (
            vec![
                user("A", "a@example.org"),
                NewUser {
                    organization_id: Some(OrganizationId(999)),
                    ..user("B", "b@example.org")
                },
            ],
            "users[1].organization_id",
        ),
    ];
    for (batch, expected_field) in cases {
        match app.create_users(&importer(), batch).await {
            Err(Error::Validation { field, .. }) => assert_eq!(field, expected_field),
            other => panic!("expected a refusal naming {expected_field}, got {other:?}"),
        }
    }
    assert_eq!(user_count(&app).await, 1, "no refused batch created anyone");
}

#[tokio::test]
async fn a_single_user_with_a_taken_email_gets_email_taken() {
    let db = TestDb::new().await;
    let (app, _) = app_with_acme(&db).await;
    app.create_user(&importer(), user("Jane", "jane@example.org"))
        .await
        .unwrap();
    let err = app
        .create_user(&importer(), user("Jane Again", "JANE@example.org"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::EmailTaken { ref email, .. } if email == "JANE@example.org"),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_empty_batch_creates_nothing() {
    let db = TestDb::new().await;
    let (app, _) = app_with_acme(&db).await;
    assert!(
        app.create_users(&importer(), Vec::new())
            .await
            .unwrap()
            .is_empty()
    );
}
