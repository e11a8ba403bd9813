//! Where the bytes of files attached to notes live: a folder on this machine (the
//! default, under the data folder) or any S3-compatible bucket, both through the
//! `object_store` crate.
//!
//! Files arrive as streams and are written a part at a time, so memory per upload is
//! one part (1 MiB on a folder, 5 MiB — S3's smallest multipart part — on S3), never a
//! whole file. Each is hashed (SHA-256) and counted on the way; one that outgrows its
//! limit is abandoned and nothing of it stays. Keys are generated here
//! (`attachments/<uuid>`): no name a person chose ever becomes a path.

mod location;

pub use location::BlobLocation;

use bytes::Bytes;
use futures::{Stream, StreamExt, TryStreamExt, stream::BoxStream};
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{MultipartUpload, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Part size on a local folder: small, since parts go straight to the file.
const FOLDER_PART_BYTES: usize = 1024 * 1024;
/// Part size on S3: every part of a multipart upload but the last must be 5 MiB or more.
const S3_PART_BYTES: usize = 5 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("the blob store at {location} failed: {source}")]
    Store {
        location: String,
        #[source]
        source: object_store::Error,
    },
    #[error("the blob store cannot be set up: {0}")]
    Setup(String),
    /// No blob has this key (deleted meanwhile, or never written).
    #[error("the blob store has no {key}")]
    NotFound { key: String },
}

/// Why a write did not store a blob. Nothing of it is left in the store.
#[derive(Debug, thiserror::Error)]
pub enum WriteError<E: std::error::Error + 'static> {
    #[error("the file is larger than {limit_bytes} bytes")]
    TooLarge { limit_bytes: u64 },
    /// The incoming stream failed (the sender went away, a malformed upload).
    #[error("the upload broke off: {0}")]
    Source(#[source] E),
    #[error(transparent)]
    Store(#[from] BlobError),
}

/// A blob as written: its key, size and SHA-256 (lower-case hex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenBlob {
    pub key: String,
    pub size: u64,
    pub sha256: String,
}

/// A stored blob being read: its size and its bytes as they arrive.
pub struct BlobReader {
    pub size: u64,
    pub bytes: BoxStream<'static, Result<Bytes, BlobError>>,
}

/// The blob store. Cloning it is a reference count.
#[derive(Clone, Debug)]
pub struct BlobStore {
    inner: Arc<dyn ObjectStore>,
    location: Arc<str>,
    part_bytes: usize,
}

impl BlobStore {
    /// Opens the store at `location`; `env` gives the `AWS_*` settings of an S3 store
    /// (the process environment when serving).
    pub fn open(
        location: &BlobLocation,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, BlobError> {
        match location {
            BlobLocation::Folder(folder) => Self::folder(folder),
            BlobLocation::S3 { url, .. } => Self::s3(url, env),
        }
    }

    /// A folder on this machine, created when missing.
    pub fn folder(folder: &std::path::Path) -> Result<Self, BlobError> {
        std::fs::create_dir_all(folder).map_err(|err| {
            BlobError::Setup(format!(
                "cannot create the folder {}: {err}",
                folder.display()
            ))
        })?;
        let store = LocalFileSystem::new_with_prefix(folder)
            .map_err(|err| BlobError::Setup(format!("{}: {err}", folder.display())))?
            // Folders left empty by deletions go too.
            .with_automatic_cleanup(true);
        Ok(Self {
            inner: Arc::new(store),
            location: folder.display().to_string().into(),
            part_bytes: FOLDER_PART_BYTES,
        })
    }

    /// An S3-compatible bucket, `s3://bucket` or `s3://bucket/prefix`, configured by the
    /// `AWS_*` variables in `env` (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_REGION`, `AWS_ENDPOINT_URL` for a store other than Amazon's…). An endpoint
    /// given as `http://` is allowed plain HTTP: naming it is the choice.
    pub fn s3(
        url: &str,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, BlobError> {
        let location = BlobLocation::parse(url).map_err(BlobError::Setup)?;
        let BlobLocation::S3 { bucket, prefix, .. } = &location else {
            return Err(BlobError::Setup(format!("{url} is not an s3:// address")));
        };
        let mut builder = AmazonS3Builder::new().with_bucket_name(bucket);
        for (name, value) in env {
            if !name.starts_with("AWS_") {
                continue;
            }
            if let Ok(key) = name.to_ascii_lowercase().parse::<AmazonS3ConfigKey>() {
                builder = builder.with_config(key, value);
            }
        }
        if builder
            .get_config_value(&AmazonS3ConfigKey::Endpoint)
            .is_some_and(|endpoint| endpoint.starts_with("http://"))
        {
            builder = builder.with_allow_http(true);
        }
        if builder
            .get_config_value(&AmazonS3ConfigKey::Region)
            .is_none()
        {
            builder = builder.with_region("us-east-1");
        }
        // A store that does not answer is reported within seconds (at start, and to a
        // person waiting on an upload), not after the default three minutes of retries.
        let bucket_store = builder
            .with_retry(RetryConfig {
                max_retries: 3,
                retry_timeout: std::time::Duration::from_secs(20),
                ..RetryConfig::default()
            })
            .build()
            .map_err(|err| BlobError::Setup(format!("{url}: {err}")))?;
        let inner: Arc<dyn ObjectStore> = match prefix {
            Some(prefix) => Arc::new(PrefixStore::new(bucket_store, prefix.as_str())),
            None => Arc::new(bucket_store),
        };
        Ok(Self {
            inner,
            location: url.into(),
            part_bytes: S3_PART_BYTES,
        })
    }

    /// Where the store is, for logs.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Asks the store for a key that cannot exist: "not found" means it answers and
    /// accepts our credentials.
    pub async fn check(&self) -> Result<(), BlobError> {
        match self.inner.head(&Path::from("orgdesk-check/absent")).await {
            Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(source) => Err(self.failed(source)),
        }
    }

    /// A key no blob has: where the next file goes.
    pub fn new_key() -> String {
        format!("attachments/{}", uuid::Uuid::new_v4().simple())
    }

    /// Writes `chunks` under `key` (from [`BlobStore::new_key`]), at most `limit_bytes`
    /// of them. On any failure (too large, the stream broke off, the store refused)
    /// nothing is left stored.
    pub async fn write<S, E>(
        &self,
        key: &str,
        chunks: S,
        limit_bytes: u64,
    ) -> Result<WrittenBlob, WriteError<E>>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::error::Error + 'static,
    {
        let key = key.to_owned();
        let path = Path::from(key.as_str());
        let mut writer = PartWriter {
            store: self,
            path: &path,
            upload: None,
            buffered: Vec::new(),
            buffered_bytes: 0,
        };
        match self.write_parts(chunks, limit_bytes, &mut writer).await {
            Ok((size, sha256)) => Ok(WrittenBlob { key, size, sha256 }),
            Err(err) => {
                writer.abandon().await;
                Err(err)
            }
        }
    }

    async fn write_parts<S, E>(
        &self,
        mut chunks: S,
        limit_bytes: u64,
        writer: &mut PartWriter<'_>,
    ) -> Result<(u64, String), WriteError<E>>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::error::Error + 'static,
    {
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(WriteError::Source)?;
            size += chunk.len() as u64;
            if size > limit_bytes {
                return Err(WriteError::TooLarge { limit_bytes });
            }
            hasher.update(&chunk);
            writer.push(chunk).await?;
        }
        writer.finish().await?;
        Ok((size, hex::encode(hasher.finalize())))
    }

    /// The blob's bytes, streamed from the store.
    pub async fn read(&self, key: &str) -> Result<BlobReader, BlobError> {
        let found = self
            .inner
            .get(&Path::from(key))
            .await
            .map_err(|err| match err {
                object_store::Error::NotFound { .. } => BlobError::NotFound {
                    key: key.to_owned(),
                },
                other => self.failed(other),
            })?;
        let location = self.location.clone();
        Ok(BlobReader {
            size: found.meta.size,
            bytes: found
                .into_stream()
                .map_err(move |source| BlobError::Store {
                    location: location.to_string(),
                    source,
                })
                .boxed(),
        })
    }

    /// Deletes a blob; one already gone is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), BlobError> {
        match self.inner.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(self.failed(err)),
        }
    }

    /// Deletes blobs after the rows naming them are gone for good. A failure is logged,
    /// not returned: the change it follows has already happened.
    pub async fn delete_all_logged(&self, keys: &[String]) {
        for key in keys {
            if let Err(err) = self.delete(key).await {
                tracing::error!(key = %key, cause = %err, "a deleted file's blob could not be removed");
            }
        }
    }

    /// Every key in the store, sorted (for checks and tests: it reads the whole store).
    pub async fn keys(&self) -> Result<Vec<String>, BlobError> {
        let mut keys: Vec<String> = self
            .inner
            .list(None)
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await
            .map_err(|err| self.failed(err))?;
        keys.sort();
        Ok(keys)
    }

    fn failed(&self, source: object_store::Error) -> BlobError {
        BlobError::Store {
            location: self.location.to_string(),
            source,
        }
    }
}

/// Buffers incoming chunks into parts. A blob that ends within the first part is one
/// plain write; a longer one becomes a multipart upload, a part at a time.
struct PartWriter<'a> {
    store: &'a BlobStore,
    path: &'a Path,
    upload: Option<Box<dyn MultipartUpload>>,
    buffered: Vec<Bytes>,
    buffered_bytes: usize,
}

impl PartWriter<'_> {
    async fn push(&mut self, chunk: Bytes) -> Result<(), BlobError> {
        self.buffered_bytes += chunk.len();
        self.buffered.push(chunk);
        if self.buffered_bytes >= self.store.part_bytes {
            if self.upload.is_none() {
                let upload = self
                    .store
                    .inner
                    .put_multipart(self.path)
                    .await
                    .map_err(|err| self.store.failed(err))?;
                self.upload = Some(upload);
            }
            let part = self.take_part();
            if let Some(upload) = self.upload.as_mut() {
                upload
                    .put_part(part)
                    .await
                    .map_err(|err| self.store.failed(err))?;
            }
        }
        Ok(())
    }

    fn take_part(&mut self) -> PutPayload {
        self.buffered_bytes = 0;
        std::mem::take(&mut self.buffered).into_iter().collect()
    }

    async fn finish(&mut self) -> Result<(), BlobError> {
        let rest = self.take_part();
        let result = match self.upload.as_mut() {
            None => self.store.inner.put(self.path, rest).await.map(drop),
            Some(upload) => {
                if rest.content_length() > 0 {
                    upload
                        .put_part(rest)
                        .await
                        .map_err(|err| self.store.failed(err))?;
                }
                upload.complete().await.map(drop)
            }
        };
        result.map_err(|err| self.store.failed(err))?;
        self.upload = None;
        Ok(())
    }

    /// Drops what was written so far: the parts of an unfinished multipart upload.
    async fn abandon(&mut self) {
        if let Some(mut upload) = self.upload.take()
            && let Err(err) = upload.abort().await
        {
            tracing::warn!(cause = %err, "an abandoned upload could not be cleaned up");
        }
    }
}

impl Drop for PartWriter<'_> {
    /// A write dropped halfway (its request timed out, or its sender went away while a
    /// part was on its way) aborts its multipart upload on the runtime, so no parts are
    /// left on the store. (A folder's upload removes its own staging file.)
    fn drop(&mut self) {
        let Some(mut upload) = self.upload.take() else {
            return;
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(err) = upload.abort().await {
                    tracing::warn!(cause = %err, "an abandoned upload could not be cleaned up");
                }
            });
        }
    }
}
