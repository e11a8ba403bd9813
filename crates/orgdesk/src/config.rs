//! Where the database is.

use anyhow::Context;
use orgdesk_app::DatabaseUrl;
use std::path::Path;

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
