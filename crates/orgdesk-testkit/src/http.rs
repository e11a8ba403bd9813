//! The real router, called in process through `tower::ServiceExt::oneshot`.

use crate::TestDb;
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use orgdesk_app::{App, BlobStore, NewAgent, Settings};
use serde_json::Value;
use std::net::SocketAddr;
use tower::ServiceExt;

pub const ADMIN_EMAIL: &str = "admin@helpdesk.test";
pub const ADMIN_PASSWORD: &str = "admin password";
/// Where test requests come from, unless a test says otherwise.
pub const TEST_CLIENT: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 40_000);

/// An application on a fresh database, with an admin agent signed in.
pub struct TestApp {
    pub app: App,
    router: Router,
    /// The admin's bearer token, used by the short helpers (`get`, `post`, …).
    pub admin_token: String,
    pub db: TestDb,
    /// The folder of the blob store, when the test did not choose a store.
    pub blob_folder: Option<tempfile::TempDir>,
}

/// A response with its body read as JSON (`Value::Null` when empty).
#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    /// The body's bytes as received (a download's file).
    pub raw: axum::body::Bytes,
}

/// One part of a `multipart/form-data` request.
pub struct Part<'a> {
    pub name: &'a str,
    /// Set for a file part.
    pub file_name: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub bytes: &'a [u8],
}

impl<'a> Part<'a> {
    pub fn text(name: &'a str, value: &'a str) -> Self {
        Part {
            name,
            file_name: None,
            content_type: None,
            bytes: value.as_bytes(),
        }
    }
    pub fn file(name: &'a str, file_name: &'a str, content_type: &'a str, bytes: &'a [u8]) -> Self {
        Part {
            name,
            file_name: Some(file_name),
            content_type: Some(content_type),
            bytes,
        }
    }
}

const BOUNDARY: &str = "orgdesk-test-boundary-7MA4YWxkTrZu0gW";

/// A `multipart/form-data` body and its content type.
pub fn multipart_body(parts: &[Part<'_>]) -> (String, Vec<u8>) {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let mut disposition = format!("Content-Disposition: form-data; name=\"{}\"", part.name);
        if let Some(file_name) = part.file_name {
            disposition.push_str(&format!("; filename=\"{file_name}\""));
        }
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(b"\r\n");
        if let Some(content_type) = part.content_type {
            body.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(part.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

impl Response {
    /// The `error.code` of an error body.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
    pub fn message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or("")
    }
    /// The `name` of each item of a list body (`{"data": [...]}`), in order.
    pub fn names(&self) -> Vec<String> {
        self.strings("name")
    }
    /// The string field `key` of each item of a list body, in order.
    pub fn strings(&self, key: &str) -> Vec<String> {
        let items = self.body["data"]
            .as_array()
            .unwrap_or_else(|| panic!("not a list: {}", self.body));
        items
            .iter()
            .map(|item| {
                item[key]
                    .as_str()
                    .unwrap_or_else(|| panic!("no {key} in {item}"))
                    .to_owned()
            })
            .collect()
    }
    pub fn id(&self) -> i64 {
        self.body["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("no id in {}", self.body))
    }
}

impl TestApp {
    pub async fn start() -> Self {
        Self::start_with(Settings::default()).await
    }

    /// Like [`TestApp::start`], with the given application settings.
    pub async fn start_with(mut settings: Settings) -> Self {
        let blob_folder = match settings.blob_store {
            Some(_) => None,
            None => {
                let folder = tempfile::tempdir().expect("temporary folder");
                settings.blob_store =
                    Some(BlobStore::folder(folder.path()).expect("a blob store in a folder"));
                Some(folder)
            }
        };
        let db = TestDb::new().await;
        let app = App::open(db.url())
            .await
            .expect("open app")
            .with_settings(settings);
        app.create_agent(
            None,
            NewAgent {
                email: ADMIN_EMAIL,
                name: "Ada Admin",
                password: ADMIN_PASSWORD,
                admin: true,
            },
        )
        .await
        .expect("create admin");
        let admin_token = app
            .issue_agent_token(ADMIN_EMAIL, ADMIN_PASSWORD, TEST_CLIENT.ip())
            .await
            .expect("admin token")
            .token;
        let router = orgdesk_web::router(app.clone(), &orgdesk_web::WebSettings::default());
        Self {
            app,
            router,
            admin_token,
            db,
            blob_folder,
        }
    }

    /// Sends a request with optional bearer token, JSON body and extra headers.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = match body {
            Some(body) => request
                .header("content-type", "application/json")
                .body(Body::from(body.to_string())),
            None => request.body(Body::empty()),
        }
        .expect("request");
        self.send_request(request).await
    }

    /// Sends a request built by the caller (raw bodies, odd headers). It comes from
    /// [`TEST_CLIENT`] unless it carries its own `ConnectInfo`.
    pub async fn send_request(&self, mut request: Request<Body>) -> Response {
        if request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .is_none()
        {
            request.extensions_mut().insert(ConnectInfo(TEST_CLIENT));
        }
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("router never fails");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Response {
            status,
            headers,
            body,
            raw: bytes,
        }
    }

    /// A `multipart/form-data` POST with the given token (the admin's when `None`).
    pub async fn post_multipart(
        &self,
        path: &str,
        token: Option<&str>,
        parts: &[Part<'_>],
    ) -> Response {
        let (content_type, body) = multipart_body(parts);
        let request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(
                "authorization",
                format!("Bearer {}", token.unwrap_or(&self.admin_token)),
            )
            .header("content-type", content_type)
            .body(Body::from(body))
            .expect("request");
        self.send_request(request).await
    }

    pub async fn get(&self, path: &str) -> Response {
        self.send(Method::GET, path, Some(&self.admin_token), None, &[])
            .await
    }
    /// Every item of a list, following `next_cursor` page by page (as the admin).
    /// Panics on a refusal: callers test the walk, not its errors.
    pub async fn get_all(&self, path: &str) -> Vec<Value> {
        let separator = if path.contains('?') { '&' } else { '?' };
        let mut items = Vec::new();
        let mut next = path.to_owned();
        loop {
            let page = self.get(&next).await;
            assert_eq!(page.status, StatusCode::OK, "GET {next}: {}", page.body);
            items.extend(
                page.body["data"]
                    .as_array()
                    .expect("a list")
                    .iter()
                    .cloned(),
            );
            match page.body["next_cursor"].as_str() {
                Some(cursor) => next = format!("{path}{separator}cursor={cursor}"),
                None => return items,
            }
        }
    }
    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.send(Method::POST, path, Some(&self.admin_token), Some(body), &[])
            .await
    }
    /// A PUT with no body, as the admin.
    pub async fn put_empty(&self, path: &str) -> Response {
        self.send(Method::PUT, path, Some(&self.admin_token), None, &[])
            .await
    }
    pub async fn patch(&self, path: &str, body: Value) -> Response {
        self.send(
            Method::PATCH,
            path,
            Some(&self.admin_token),
            Some(body),
            &[],
        )
        .await
    }
    pub async fn put(&self, path: &str, body: Value) -> Response {
        self.send(Method::PUT, path, Some(&self.admin_token), Some(body), &[])
            .await
    }
    pub async fn delete(&self, path: &str) -> Response {
        self.send(Method::DELETE, path, Some(&self.admin_token), None, &[])
            .await
    }

    /// A GET with someone else's token (a portal user's, another agent's).
    pub async fn get_as(&self, token: &str, path: &str) -> Response {
        self.send(Method::GET, path, Some(token), None, &[]).await
    }
    /// A PATCH with someone else's token.
    pub async fn patch_as(&self, token: &str, path: &str, body: Value) -> Response {
        self.send(Method::PATCH, path, Some(token), Some(body), &[])
            .await
    }
    /// A POST with someone else's token.
    pub async fn post_as(&self, token: &str, path: &str, body: Value) -> Response {
        self.send(Method::POST, path, Some(token), Some(body), &[])
            .await
    }

    /// Creates an agent through the API (as the admin) and signs them in; returns the token.
    pub async fn agent_token(&self, email: &str, password: &str, admin: bool) -> String {
        let created = self.post("/api/v1/agents", serde_json::json!({"email": email, "name": email, "password": password, "admin": admin})).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let token = self
            .send(
                Method::POST,
                "/api/v1/auth/token",
                None,
                Some(serde_json::json!({"email": email, "password": password})),
                &[],
            )
            .await;
        assert_eq!(token.status, StatusCode::CREATED, "{}", token.body);
        token.body["token"].as_str().expect("token").to_owned()
    }

    /// Creates an organization through the API and returns its id.
    pub async fn organization(&self, body: Value) -> i64 {
        let response = self.post("/api/v1/organizations", body).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
        response.id()
    }

    /// Creates an organization by name, optionally under a parent.
    pub async fn org(&self, name: &str, parent: Option<i64>) -> i64 {
        self.organization(serde_json::json!({"name": name, "parent_id": parent}))
            .await
    }

    /// Creates a user through the API and returns the whole response body.
    pub async fn user(&self, body: Value) -> Value {
        let response = self.post("/api/v1/users", body).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
        response.body
    }

    /// Creates a user (as [`TestApp::user`]) and gives their id.
    pub async fn user_id(&self, body: Value) -> i64 {
        self.user(body).await["id"].as_i64().expect("a user id")
    }

    /// Registers a portal user as a person does (register, then the link mailed to the
    /// address, read from the mail queue, unless confirmation is switched off) and
    /// signs them in; returns (user, token).
    pub async fn portal_user(&self, name: &str, email: &str, password: &str) -> (Value, String) {
        let registered = self
            .send(
                Method::POST,
                "/api/v1/portal/register",
                None,
                Some(serde_json::json!({"name": name, "email": email, "password": password})),
                &[],
            )
            .await;
        let user = match registered.status {
            // Confirmation switched off: the user exists.
            StatusCode::CREATED => registered.body,
            StatusCode::ACCEPTED => {
                let confirmed = self
                    .send(
                        Method::POST,
                        "/api/v1/portal/confirm-registration",
                        None,
                        Some(serde_json::json!({
                            "token": self.mailed_token(email, "registration").await
                        })),
                        &[],
                    )
                    .await;
                assert_eq!(confirmed.status, StatusCode::CREATED, "{}", confirmed.body);
                confirmed.body
            }
            other => panic!("registering {email}: {other} {}", registered.body),
        };
        let token = self
            .send(
                Method::POST,
                "/api/v1/portal/token",
                None,
                Some(serde_json::json!({"email": email, "password": password})),
                &[],
            )
            .await;
        assert_eq!(token.status, StatusCode::CREATED, "{}", token.body);
        (
            user,
            token.body["token"].as_str().expect("token").to_owned(),
        )
    }

    /// The `token` of the link in the newest queued mail of `kind` to `address` (read
    /// before the mail is sent: a sent one's link is blanked).
    pub async fn mailed_token(&self, address: &str, kind: &str) -> String {
        let body = self
            .db
            .text(&format!(
                "SELECT body FROM outgoing_mail WHERE lower(recipient) = lower('{}') AND kind = '{}' ORDER BY id DESC LIMIT 1",
                address.replace('\'', "''"),
                kind.replace('\'', "''")
            ))
            .await;
        let start = body
            .find("token=")
            .unwrap_or_else(|| panic!("no link in {body}"))
            + "token=".len();
        body[start..]
            .split(char::is_whitespace)
            .next()
            .expect("a token")
            .to_owned()
    }
}
