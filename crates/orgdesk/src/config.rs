//! Where the database, attached files and outgoing mail go.

use anyhow::Context;
use orgdesk_app::{BlobLocation, DatabaseUrl, MailTransport};
use std::path::{Path, PathBuf};

/// The folder of the default embedded database, relative to the working directory.
pub const DEFAULT_DATA_DIR: &str = "orgdesk-data";

/// The given URL, or an SQLite file in `./orgdesk-data/`. Only that default folder is
/// ever created (and its creation is logged); a given SQLite path must be in a folder
/// that exists, so a typo never leaves a tree of folders behind.
pub fn database_url(given: Option<&str>) -> anyhow::Result<DatabaseUrl> {
    match given.map(str::trim).filter(|url| !url.is_empty()) {
        Some(url) => {
            let url = DatabaseUrl::parse(url).map_err(|err| anyhow::anyhow!(err))?;
            if let Some(path) = url.sqlite_path()
                && let Some(parent) = path.parent()
                && !parent.as_os_str().is_empty()
                && !parent.is_dir()
            {
                anyhow::bail!(
                    "the folder {} of the database {url} does not exist; create it first (orgdesk creates only its default ./{DEFAULT_DATA_DIR}/)",
                    parent.display()
                );
            }
            Ok(url)
        }
        None => {
            if !Path::new(DEFAULT_DATA_DIR).is_dir() {
                std::fs::create_dir_all(DEFAULT_DATA_DIR)
                    .with_context(|| format!("creating ./{DEFAULT_DATA_DIR}"))?;
                tracing::info!(
                    folder = %format!("./{DEFAULT_DATA_DIR}/"),
                    "created the folder of the default database"
                );
            }
            Ok(DatabaseUrl::sqlite_file(
                &Path::new(DEFAULT_DATA_DIR).join("orgdesk.db"),
            ))
        }
    }
}

/// Where files attached to notes go: the given folder or `s3://` address, else a
/// `blobs` folder beside an SQLite database (so one folder holds the whole install),
/// else `./orgdesk-data/blobs`. A folder is created when missing.
pub fn blob_location(given: Option<&str>, database: &DatabaseUrl) -> anyhow::Result<BlobLocation> {
    if let Some(given) = given.map(str::trim).filter(|text| !text.is_empty()) {
        return BlobLocation::parse(given).map_err(|err| anyhow::anyhow!(err));
    }
    Ok(BlobLocation::Folder(install_folder(database, "blobs")))
}

/// Where mail goes: the given SMTP server, else the given outbox folder, else an
/// `outbox` folder beside an SQLite database (or `./orgdesk-data/outbox`), so that a
/// first start sends nothing anywhere.
pub fn mail_transport(
    smtp_url: Option<&str>,
    outbox: Option<&Path>,
    database: &DatabaseUrl,
) -> anyhow::Result<MailTransport> {
    match (
        smtp_url.map(str::trim).filter(|url| !url.is_empty()),
        outbox,
    ) {
        (Some(_), Some(_)) => {
            anyhow::bail!("give either --smtp-url or --mail-outbox, not both")
        }
        (Some(url), None) => MailTransport::smtp(url).map_err(|err| anyhow::anyhow!(err)),
        (None, given) => {
            let folder = given
                .map(Path::to_path_buf)
                .unwrap_or_else(|| install_folder(database, "outbox"));
            MailTransport::outbox(&folder)
                .with_context(|| format!("creating the mail outbox {}", folder.display()))
        }
    }
}

/// A folder named `name` beside an SQLite database (so one folder holds the whole
/// install), else under `./orgdesk-data`.
fn install_folder(database: &DatabaseUrl, name: &str) -> PathBuf {
    let beside = database
        .sqlite_path()
        .and_then(|path| path.parent().map(Path::to_path_buf))
        .filter(|parent| !parent.as_os_str().is_empty());
    match (database.sqlite_path(), beside) {
        (Some(_), Some(parent)) => parent.join(name),
        (Some(_), None) => Path::new(name).to_path_buf(),
        (None, _) => Path::new(DEFAULT_DATA_DIR).join(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_go_beside_an_sqlite_database_and_under_the_data_folder_otherwise() {
        let sqlite = DatabaseUrl::parse("sqlite:///var/lib/orgdesk/orgdesk.db").unwrap();
        assert_eq!(
            blob_location(None, &sqlite).unwrap(),
            BlobLocation::Folder("/var/lib/orgdesk/blobs".into())
        );
        let postgres = DatabaseUrl::parse("postgres://u@db/orgdesk").unwrap();
        assert_eq!(
            blob_location(None, &postgres).unwrap(),
            BlobLocation::Folder(Path::new(DEFAULT_DATA_DIR).join("blobs"))
        );
        assert_eq!(
            blob_location(Some("s3://files/orgdesk"), &postgres)
                .unwrap()
                .to_string(),
            "s3://files/orgdesk"
        );
    }
}
