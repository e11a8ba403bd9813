//! Input a hostile client sends: control characters (a NUL byte makes PostgreSQL refuse
//! a whole statement) anywhere text is parsed. Each is refused with a 4xx naming the
//! problem, the same on both engines, and changes nothing.

use axum::http::{Method, StatusCode};
use orgdesk_testkit::TestApp;
use serde_json::json;

#[tokio::test]
async fn sign_in_with_a_nul_byte_in_the_email_is_refused_as_bad_credentials() {
    let t = TestApp::start().await;
    t.portal_user("Pat", "pat@example.org", "portal password")
        .await;
    for (path, email) in [
        ("/api/v1/auth/token", "admin@helpdesk.test\u{0}"),
        ("/api/v1/auth/token", "ad\u{0}min@helpdesk.test"),
        ("/api/v1/portal/token", "pat@example.org\u{0}"),
        ("/api/v1/portal/token", "\u{7}pat@example.org"),
    ] {
        let response = t
            .send(
                Method::POST,
                path,
                None,
                Some(json!({"email": email, "password": "portal password"})),
                &[],
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::UNAUTHORIZED,
            "{path} {email:?}"
        );
        assert_eq!(response.code(), "unauthenticated");
    }
}

#[tokio::test]
async fn control_characters_in_query_parameters_are_refused_naming_the_parameter() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let requester = t
        .user_id(json!({"name": "Jo", "email": "jo@example.org"}))
        .await;
    let ticket = t
        .post(
            "/api/v1/tickets",
            json!({"requester_id": requester, "subject": "Hello", "body": "Hi"}),
        )
        .await;
    assert_eq!(ticket.status, StatusCode::CREATED);
    for (path, field) in [
        ("/api/v1/organizations?q=%00".to_owned(), "q"),
        ("/api/v1/organizations?q=ac%00me".to_owned(), "q"),
        ("/api/v1/users?q=a%00b".to_owned(), "q"),
        ("/api/v1/users?q=jo%0A".to_owned(), "q"),
        (
            format!("/api/v1/organizations/{acme}/child-candidates?q=%00"),
            "q",
        ),
        ("/api/v1/tickets?q=hello%00".to_owned(), "q"),
        (format!("/api/v1/organizations/{acme}/tickets?q=%1B"), "q"),
        // base64 of "a\0b" and of "1\0"
        ("/api/v1/organizations?cursor=YQBi".to_owned(), "cursor"),
        ("/api/v1/users?cursor=MQA".to_owned(), "cursor"),
        (
            "/api/v1/organizations?domain=acme%00.com".to_owned(),
            "domain",
        ),
    ] {
        let response = t.get(&path).await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            response.body
        );
        assert_eq!(response.code(), "validation_failed", "{path}");
        assert_eq!(response.body["error"]["field"], field, "{path}");
    }
}

#[tokio::test]
async fn control_characters_in_bodies_are_refused_and_change_nothing() {
    let t = TestApp::start().await;
    let acme = t.org("Acme", None).await;
    let jo = t
        .user_id(json!({"name": "Jo", "email": "jo@example.org"}))
        .await;
    let cases = [
        (
            Method::POST,
            "/api/v1/organizations".to_owned(),
            json!({"name": "Glo\u{0}bex"}),
            "name",
        ),
        (
            Method::POST,
            "/api/v1/organizations".to_owned(),
            json!({"name": "Globex", "external_id": "x\u{0}"}),
            "external_id",
        ),
        (
            Method::POST,
            "/api/v1/organizations".to_owned(),
            json!({"name": "Globex", "contacts": [{"kind": "phone", "value": "+1 555\u{0}"}]}),
            "contacts[0].value",
        ),
        (
            Method::PATCH,
            format!("/api/v1/organizations/{acme}"),
            json!({"summary": "a\u{0}b"}),
            "summary",
        ),
        (
            Method::POST,
            format!("/api/v1/organizations/{acme}/domains"),
            json!({"domain": "acme\u{0}.com"}),
            "domain",
        ),
        (
            Method::POST,
            "/api/v1/users".to_owned(),
            json!({"name": "Kim", "email": "kim\u{0}@example.org"}),
            "email",
        ),
        (
            Method::PATCH,
            format!("/api/v1/users/{jo}"),
            json!({"name": "J\u{0}o"}),
            "name",
        ),
        (
            Method::PUT,
            format!("/api/v1/organizations/{acme}/members/{jo}"),
            json!({"position": "Boss\u{0}"}),
            "position",
        ),
        (
            Method::POST,
            "/api/v1/usergroups".to_owned(),
            json!({"name": "VIP\u{0}", "permissions": []}),
            "name",
        ),
        (
            Method::POST,
            "/api/v1/tickets".to_owned(),
            json!({"requester_id": jo, "subject": "Hi\u{0}", "body": "x"}),
            "subject",
        ),
        (
            Method::POST,
            "/api/v1/tickets".to_owned(),
            json!({"requester_id": jo, "subject": "Hi", "body": "x\u{0}"}),
            "body",
        ),
    ];
    for (method, path, body, field) in cases {
        let response = t
            .send(
                method.clone(),
                &path,
                Some(&t.admin_token),
                Some(body.clone()),
                &[],
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{method} {path} {body}: {}",
            response.body
        );
        assert_eq!(response.body["error"]["field"], field, "{method} {path}");
    }
    let organizations = t.get("/api/v1/organizations").await;
    assert_eq!(organizations.names(), ["Acme"], "nothing was created");
    assert_eq!(
        t.get(&format!("/api/v1/users/{jo}")).await.body["name"],
        "Jo"
    );
}

#[tokio::test]
async fn look_alike_copies_of_a_name_are_refused_as_taken() {
    let t = TestApp::start().await;
    t.org("Globex Holdings", None).await;
    t.org("Café", None).await;
    let group = t
        .post(
            "/api/v1/usergroups",
            json!({"name": "VIP Customers", "permissions": []}),
        )
        .await;
    assert_eq!(group.status, StatusCode::CREATED);
    for copy in [
        "Globex Holdings\u{200B}",
        "Globex Holdings\u{2060}",
        "\u{FEFF}Globex Holdings",
        "Globex Hol\u{00AD}dings",
        "Globex\u{00A0}Holdings",
        "Globex  Holdings",
        "ＧＬＯＢＥＸ Ｈｏｌｄｉｎｇｓ",
        "Cafe\u{301}",
    ] {
        let response = t.post("/api/v1/organizations", json!({"name": copy})).await;
        assert_eq!(
            response.status,
            StatusCode::CONFLICT,
            "{copy:?}: {}",
            response.body
        );
        assert_eq!(response.code(), "name_taken", "{copy:?}");
    }
    let copy = t
        .post(
            "/api/v1/usergroups",
            json!({"name": "VIP\u{00A0}Customers\u{200B}", "permissions": []}),
        )
        .await;
    assert_eq!(copy.status, StatusCode::CONFLICT, "{}", copy.body);

    let reversed = t
        .post("/api/v1/organizations", json!({"name": "Acme\u{202E}moc"}))
        .await;
    assert_eq!(reversed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reversed.body["error"]["field"], "name");

    // What is shown is what was typed, minus the invisible; searches find it whatever
    // spelling is typed.
    let spaced = t
        .post(
            "/api/v1/organizations",
            json!({"name": " Initech\u{200B}  Ltd "}),
        )
        .await;
    assert_eq!(spaced.body["name"], "Initech Ltd");
    let found = t.get("/api/v1/organizations?q=INITECH%C2%A0L").await;
    assert_eq!(found.names(), ["Initech Ltd"]);
    let person = t
        .user(json!({"name": "Zoe\u{0308}\u{200B}", "email": "zoe@example.org"}))
        .await;
    assert_eq!(person["name"], "Zoë");
}
