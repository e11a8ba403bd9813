mod agents;
mod auth;
mod organizations;
mod pagination;
mod portal;
mod usergroups;
mod users;
