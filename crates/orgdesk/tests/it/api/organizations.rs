mod create;
mod delete;
mod domains;
mod hierarchy;
mod members;
mod tickets;
mod update;
