//! Schema migrations, written once with sea-query's builder and run at start-up.
//! One migration per file; each names itself, so renaming a file never re-runs it.

mod m0001_core;
mod m0002_usergroups;
mod m0003_user_name_key;
mod m0004_tickets;
mod m0005_lookalike_name_keys;
mod m0006_account_controls;
mod m0007_user_events;
mod m0008_member_counts;
mod m0009_manager_index;
mod m0010_organization_fields;
mod m0011_entitlements;
mod m0012_notes;
mod m0013_billing;
mod m0014_imports;
mod m0015_mail;
mod m0016_account_links;
mod m0017_registrations;

use sea_orm_migration::{MigrationTrait, MigratorTrait};

pub(crate) struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_core::Migration),
            Box::new(m0002_usergroups::Migration),
            Box::new(m0003_user_name_key::Migration),
            Box::new(m0004_tickets::Migration),
            Box::new(m0005_lookalike_name_keys::Migration),
            Box::new(m0006_account_controls::Migration),
            Box::new(m0007_user_events::Migration),
            Box::new(m0008_member_counts::Migration),
            Box::new(m0009_manager_index::Migration),
            Box::new(m0010_organization_fields::Migration),
            Box::new(m0011_entitlements::Migration),
            Box::new(m0012_notes::Migration),
            Box::new(m0013_billing::Migration),
            Box::new(m0014_imports::Migration),
            Box::new(m0015_mail::Migration),
            Box::new(m0016_account_links::Migration),
            Box::new(m0017_registrations::Migration),
        ]
    }
}
