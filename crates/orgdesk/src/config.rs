//! Where the database is.

use anyhow::Context;
use orgdesk_app::DatabaseUrl;
use std::path::Path;

/// The folder of the default embedded database, relative to the working directory.
pub const DEFAULT_DATA_DIR: &str = "orgdesk-data";

/// The given URL, or an SQLite file in `./orgdesk-data/` (created when missing).
pub fn database_url(given: Option<&str>) -> anyhow::Result<DatabaseUrl> {
    match given.map(str::trim).filter(|url| !url.is_empty()) {
        Some(url) => {
            let url = DatabaseUrl::parse(url).map_err(|err| anyhow::anyhow!(err))?;
            if url.is_sqlite()
                && let Some(parent) = sqlite_path(url.expose()).and_then(|p| Path::new(p).parent())
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("creating {}", parent.display()))?;
            }
            Ok(url)
        }
        None => {
            std::fs::create_dir_all(DEFAULT_DATA_DIR)
                .with_context(|| format!("creating ./{DEFAULT_DATA_DIR}"))?;
            Ok(DatabaseUrl::sqlite_file(
                &Path::new(DEFAULT_DATA_DIR).join("orgdesk.db"),
            ))
        }
    }
}

/// The file path of an `sqlite://PATH?options` URL.
fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    Some(rest.split('?').next().unwrap_or(rest)).filter(|p| !p.is_empty() && *p != ":memory:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_path_drops_scheme_and_options() {
        assert_eq!(
            sqlite_path("sqlite://data/x.db?mode=rwc"),
            Some("data/x.db")
        );
        assert_eq!(sqlite_path("sqlite:x.db"), Some("x.db"));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
    }
}
