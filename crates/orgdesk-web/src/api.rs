//! The JSON API.

pub mod v1;
