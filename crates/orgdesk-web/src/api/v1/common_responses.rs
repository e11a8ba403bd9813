//! Refusals every operation shares, added to the OpenAPI document from what the
//! operation declares (its security, parameters and body), so that no operation can
//! forget one and the document lists every status the server can answer with.
//!
//! Each handler documents only what is particular to it (a 409 for a taken name, a
//! 412 for a stale version); the rules below hold for all of them:
//! - a token is required → 401 (missing, unknown, expired, disabled account);
//! - only one kind of token is accepted (agent or portal user) → 403 for the other;
//! - path, query or body to read → 400 (not readable: a non-numeric id, bad JSON);
//! - query or body to check → 422 (`validation_failed`, naming the field);
//! - a path naming a record → 404;
//! - a body → 413 beyond the size limit;
//! - any request → 414 beyond the URI limit, 408 beyond the time limit.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder};

/// A shared response: its status, its name under `components/responses`, and what it
/// means.
struct Shared {
    status: &'static str,
    name: &'static str,
    description: &'static str,
}

const MALFORMED: Shared = Shared {
    status: "400",
    name: "Malformed",
    description: "the request cannot be read: a path or query value of the wrong type, or a body that is not the JSON asked for (`malformed_request`)",
};
const UNAUTHENTICATED: Shared = Shared {
    status: "401",
    name: "Unauthenticated",
    description: "no valid token: missing or unknown (`unauthenticated`), expired (`token_expired`), or its account is disabled (`account_disabled`)",
};
const WRONG_ACCOUNT_KIND: Shared = Shared {
    status: "403",
    name: "Forbidden",
    description: "the token is of the other kind: an agent's on a portal route, a portal user's on an agent route (`forbidden`)",
};
const NOT_FOUND: Shared = Shared {
    status: "404",
    name: "NotFound",
    description: "a record the path names does not exist (`not_found`)",
};
const TIMED_OUT: Shared = Shared {
    status: "408",
    name: "TimedOut",
    description: "the request took longer than the server allows (`timed_out`); nothing was changed",
};
const TOO_LARGE: Shared = Shared {
    status: "413",
    name: "PayloadTooLarge",
    description: "the body is larger than the server accepts (`payload_too_large`)",
};
const URI_TOO_LONG: Shared = Shared {
    status: "414",
    name: "UriTooLong",
    description: "the path and query are longer than the server accepts (`uri_too_long`)",
};
const INVALID: Shared = Shared {
    status: "422",
    name: "ValidationFailed",
    description: "a value is not acceptable (`validation_failed`); `field` names it",
};

const ALL: [&Shared; 8] = [
    &MALFORMED,
    &UNAUTHENTICATED,
    &WRONG_ACCOUNT_KIND,
    &NOT_FOUND,
    &TIMED_OUT,
    &TOO_LARGE,
    &URI_TOO_LONG,
    &INVALID,
];

/// Adds the shared refusals to every operation, and a description to every response
/// that lacks one (OpenAPI requires it).
pub fn add_to(document: &mut OpenApi) {
    let components = document.components.get_or_insert_with(Default::default);
    for shared in ALL {
        components.responses.insert(
            shared.name.to_owned(),
            RefOr::T(error_response(shared.description)),
        );
    }
    for item in document.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            for shared in applicable(operation) {
                operation
                    .responses
                    .responses
                    .entry(shared.status.to_owned())
                    .or_insert_with(|| RefOr::Ref(Ref::from_response_name(shared.name)));
            }
            for (status, response) in operation.responses.responses.iter_mut() {
                if let RefOr::T(response) = response
                    && response.description.is_empty()
                {
                    response.description = default_description(status).to_owned();
                }
            }
        }
    }
}

/// The shared refusals `operation` can answer with, from what it declares.
fn applicable(operation: &Operation) -> Vec<&'static Shared> {
    let parameters: Vec<ParameterIn> = operation
        .parameters
        .iter()
        .flatten()
        .filter_map(|parameter| match parameter {
            RefOr::T(parameter) => Some(parameter.parameter_in.clone()),
            RefOr::Ref(_) => None,
        })
        .collect();
    let in_path = parameters.contains(&ParameterIn::Path);
    let in_query = parameters.contains(&ParameterIn::Query);
    let has_body = operation.request_body.is_some();
    // Each requirement is one kind of token (`agent`, `portal_user`) that is accepted.
    let accepted_token_kinds = operation.security.as_ref().map_or(0, Vec::len);

    let mut shared = vec![&TIMED_OUT, &URI_TOO_LONG];
    if in_path || in_query || has_body {
        shared.push(&MALFORMED);
    }
    if accepted_token_kinds > 0 {
        shared.push(&UNAUTHENTICATED);
    }
    // One kind of token accepted means the other kind is refused.
    if accepted_token_kinds == 1 {
        shared.push(&WRONG_ACCOUNT_KIND);
    }
    if in_path {
        shared.push(&NOT_FOUND);
    }
    if in_query || has_body {
        shared.push(&INVALID);
    }
    if has_body {
        shared.push(&TOO_LARGE);
    }
    shared
}

fn error_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
}

fn default_description(status: &str) -> &'static str {
    match status {
        "200" => "done",
        "201" => "created",
        "204" => "done; no content",
        "401" => UNAUTHENTICATED.description,
        "403" => WRONG_ACCOUNT_KIND.description,
        "404" => NOT_FOUND.description,
        "409" => "the change conflicts with what is stored",
        "412" => "the record changed since the version given (`version_conflict`)",
        "422" => INVALID.description,
        _ => "see the error code",
    }
}
