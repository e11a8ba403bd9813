//! The agent app's pages, through the real router: plain HTML forms with a session
//! cookie, as a browser without JavaScript uses them.

mod admin;
mod billing;
mod entitlements;
mod fields;
mod imports;
mod notes;
mod organizations;
mod portal;
mod profile;
mod profile_actions;
mod profile_lists;
mod search;
mod sign_in;
mod tickets;
mod users;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use orgdesk_testkit::{ADMIN_EMAIL, ADMIN_PASSWORD, Part, Response, TestApp, multipart_body};

/// A browser: the cookies the server set, sent back with each request.
pub struct Browser<'a> {
    pub t: &'a TestApp,
    pub cookies: Vec<(String, String)>,
}

impl<'a> Browser<'a> {
    pub fn new(t: &'a TestApp) -> Self {
        Browser {
            t,
            cookies: Vec::new(),
        }
    }

    /// A browser signed in as the test app's admin.
    pub async fn signed_in(t: &'a TestApp) -> Self {
        let mut browser = Browser::new(t);
        let response = browser
            .post_form(
                "/agent/sign-in",
                &[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)],
            )
            .await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
        browser
    }

    /// A browser signed in to the portal as the user with this email and password.
    pub async fn in_portal(t: &'a TestApp, email: &str, password: &str) -> Self {
        let mut browser = Browser::new(t);
        let response = browser
            .post_form(
                "/portal/sign-in",
                &[("email", email), ("password", password)],
            )
            .await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
        browser
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, response: &Response) {
        for set in response.headers.get_all("set-cookie") {
            let set = set.to_str().unwrap();
            let pair = set.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.retain(|(kept, _)| kept != name);
            let removed = set.contains("Max-Age=0") || set.contains("Expires=Thu, 01 Jan 1970");
            if !value.is_empty() && !removed {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
    }

    async fn send(&mut self, request: axum::http::request::Builder, body: Body) -> Response {
        let request = request
            .header("cookie", self.cookie_header())
            .body(body)
            .unwrap();
        let response = self.t.send_request(request).await;
        self.keep_cookies(&response);
        response
    }

    pub async fn get(&mut self, path: &str) -> Response {
        self.send(
            Request::builder().method(Method::GET).uri(path),
            Body::empty(),
        )
        .await
    }

    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Response {
        let body = serde_urlencoded::to_string(fields).unwrap();
        self.send(
            Request::builder()
                .method(Method::POST)
                .uri(path)
                .header("content-type", "application/x-www-form-urlencoded"),
            Body::from(body),
        )
        .await
    }

    /// A `multipart/form-data` form, as a browser sends one with a file input.
    pub async fn post_multipart(&mut self, path: &str, parts: &[Part<'_>]) -> Response {
        let (content_type, body) = multipart_body(parts);
        self.send(
            Request::builder()
                .method(Method::POST)
                .uri(path)
                .header("content-type", content_type),
            Body::from(body),
        )
        .await
    }

    /// Follows a redirect answer with a GET, as a browser does.
    pub async fn follow(&mut self, response: &Response) -> Response {
        assert!(
            response.status.is_redirection(),
            "{}: {}",
            response.status,
            response.body
        );
        let location = location(response);
        self.get(&location).await
    }
}

pub fn location(response: &Response) -> String {
    response.headers["location"].to_str().unwrap().to_owned()
}

/// The HTML of a page.
pub fn html(response: &Response) -> &str {
    response.body.as_str().unwrap_or("")
}

/// The value of the CSRF field in a page's forms.
pub fn csrf(page: &Response) -> String {
    let html = html(page);
    let at = html
        .find(r#"name="csrf" value=""#)
        .unwrap_or_else(|| panic!("no CSRF field: {html}"));
    let rest = &html[at + r#"name="csrf" value=""#.len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}
