//! Request extractors whose refusals use the API's error body, and bearer-token auth.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use orgdesk_app::Principal;
use orgdesk_app::core::Error;
use orgdesk_app::core::model::{Agent, User};
use std::net::{IpAddr, SocketAddr};

/// JSON body; unreadable JSON or wrong types answer 400 `malformed_request`.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

/// Query string; wrong types answer 400 `malformed_request`.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// Path parameters; an id that is not a number answers 400 `malformed_request`.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            return ApiError::TooLarge;
        }
        ApiError::Malformed(format!(
            "the request body is not acceptable JSON: {}",
            rejection.body_text()
        ))
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        let text = rejection.body_text();
        let detail = text
            .strip_prefix("Failed to deserialize query string: ")
            .unwrap_or(&text);
        ApiError::Malformed(format!("the query string cannot be read: {detail}"))
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        let text = rejection.body_text();
        let detail = text.strip_prefix("Invalid URL: ").unwrap_or(&text);
        ApiError::Malformed(format!("the path cannot be read: {detail}"))
    }
}

/// The bearer token of the request, as sent.
pub struct BearerToken(pub String);

impl<S: Send + Sync> FromRequestParts<S> for BearerToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or_else(|| {
                Error::Unauthenticated("sign in first: send Authorization: Bearer TOKEN".into())
            })?;
        let value = header.to_str().map_err(|_| {
            Error::Unauthenticated("the Authorization header is not readable".into())
        })?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .ok_or_else(|| {
                Error::Unauthenticated("the Authorization header must be \"Bearer TOKEN\"".into())
            })?;
        Ok(BearerToken(token.to_owned()))
    }
}

async fn principal(parts: &mut Parts, state: &AppState) -> Result<Principal, ApiError> {
    let BearerToken(token) = BearerToken::from_request_parts(parts, state).await?;
    Ok(state.authenticate(&token).await?)
}

/// A signed-in agent; a portal user's token is refused with 403.
pub struct AgentAuth(pub Agent);

impl FromRequestParts<AppState> for AgentAuth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match principal(parts, state).await? {
            Principal::Agent(agent) => Ok(AgentAuth(agent)),
            Principal::User(_) => Err(Error::Forbidden(
                "this route is for agents; portal users cannot use it".into(),
            )
            .into()),
        }
    }
}

/// A signed-in portal user; an agent's token is refused with 403.
pub struct UserAuth(pub User);

impl FromRequestParts<AppState> for UserAuth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match principal(parts, state).await? {
            Principal::User(user) => Ok(UserAuth(user)),
            Principal::Agent(_) => Err(Error::Forbidden(
                "this route is for portal users; sign in with /api/v1/portal/token".into(),
            )
            .into()),
        }
    }
}

/// Deserializes a field that distinguishes "absent" (`None`) from `null` (`Some(None)`).
pub fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Some)
}

/// Addresses of the reverse proxies whose `X-Forwarded-For` is believed. Empty (the
/// default) believes no header: the address is the connection's peer.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub std::sync::Arc<[IpAddr]>);

/// Where the request comes from, as sign-in and registration throttling count it: the
/// connection's peer, or, when that peer is a trusted proxy, the right-most address in
/// `X-Forwarded-For` that is not a trusted proxy (left of it, clients can write
/// anything).
pub struct ClientAddress(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            .ok_or_else(|| {
                ApiError::from(Error::internal(
                    "the server was started without connection addresses",
                ))
            })?;
        let trusted = parts
            .extensions
            .get::<TrustedProxies>()
            .map(|proxies| &*proxies.0)
            .unwrap_or_default();
        Ok(ClientAddress(client_address(peer, &parts.headers, trusted)))
    }
}

fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    forwarded
        .iter()
        .rev()
        .map_while(|hop| hop.parse::<IpAddr>().ok())
        .find(|hop| !trusted.contains(hop))
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(forwarded: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", forwarded.parse().unwrap());
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_peer_that_is_not_a_trusted_proxy_is_the_client() {
        let found = client_address(ip("192.0.2.9"), &headers("203.0.113.1"), &[]);
        assert_eq!(found, ip("192.0.2.9"));
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client() {
        let proxy = ip("10.0.0.1");
        let found = client_address(proxy, &headers("6.6.6.6, 203.0.113.1"), &[proxy]);
        assert_eq!(found, ip("203.0.113.1"));
    }

    #[test]
    fn chained_trusted_proxies_are_skipped() {
        let (edge, inner) = (ip("10.0.0.1"), ip("10.0.0.2"));
        let found = client_address(inner, &headers("203.0.113.1, 10.0.0.1"), &[edge, inner]);
        assert_eq!(found, ip("203.0.113.1"));
    }

    #[test]
    fn an_unreadable_hop_stops_the_walk_at_the_proxy() {
        let proxy = ip("10.0.0.1");
        let found = client_address(proxy, &headers("203.0.113.1, garbage"), &[proxy]);
        assert_eq!(found, proxy);
    }
}
