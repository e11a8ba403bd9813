mod agents;
mod auth;
mod organizations;
mod pagination;
mod portal;
mod users;
