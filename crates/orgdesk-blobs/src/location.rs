//! `--blob-store`: a folder, or `s3://bucket/prefix`.

use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobLocation {
    /// A folder on this machine (created when missing).
    Folder(PathBuf),
    /// An S3-compatible bucket; keys go under `prefix` when given.
    S3 {
        url: String,
        bucket: String,
        prefix: Option<String>,
    },
}

impl BlobLocation {
    /// `s3://bucket[/prefix]`, `file:///path`, or a plain path.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("the blob store is blank; give a folder or s3://bucket/prefix".into());
        }
        if let Some(rest) = text.strip_prefix("s3://") {
            let (bucket, prefix) = match rest.split_once('/') {
                Some((bucket, prefix)) => (bucket, prefix.trim_matches('/')),
                None => (rest, ""),
            };
            if bucket.is_empty() {
                return Err(format!("{text}: name the bucket, as in s3://bucket/prefix"));
            }
            return Ok(Self::S3 {
                url: text.to_owned(),
                bucket: bucket.to_owned(),
                prefix: (!prefix.is_empty()).then(|| prefix.to_owned()),
            });
        }
        if let Some(path) = text.strip_prefix("file://") {
            return Ok(Self::Folder(PathBuf::from(path)));
        }
        if text.contains("://") {
            return Err(format!(
                "{text}: the blob store is a folder or an s3:// address"
            ));
        }
        Ok(Self::Folder(PathBuf::from(text)))
    }
}

impl std::fmt::Display for BlobLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BlobLocation::Folder(folder) => write!(f, "{}", folder.display()),
            BlobLocation::S3 { url, .. } => f.write_str(url),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_s3_address_names_a_bucket_and_an_optional_prefix() {
        assert_eq!(
            BlobLocation::parse("s3://files/orgdesk/prod/").unwrap(),
            BlobLocation::S3 {
                url: "s3://files/orgdesk/prod/".into(),
                bucket: "files".into(),
                prefix: Some("orgdesk/prod".into()),
            }
        );
        assert_eq!(
            BlobLocation::parse("s3://files").unwrap(),
            BlobLocation::S3 {
                url: "s3://files".into(),
                bucket: "files".into(),
                prefix: None,
            }
        );
        assert!(BlobLocation::parse("s3:///x").is_err());
    }

    #[test]
    fn anything_else_is_a_folder_unless_it_names_another_scheme() {
        assert_eq!(
            BlobLocation::parse("orgdesk-data/blobs").unwrap(),
            BlobLocation::Folder("orgdesk-data/blobs".into())
        );
        assert_eq!(
            BlobLocation::parse("file:///var/lib/orgdesk").unwrap(),
            BlobLocation::Folder("/var/lib/orgdesk".into())
        );
        assert!(BlobLocation::parse("gs://bucket").is_err());
        assert!(BlobLocation::parse("  ").is_err());
    }
}
