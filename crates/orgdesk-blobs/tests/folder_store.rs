//! The blob store on a local folder: streamed writes, limits, reads and deletion.

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt, stream};
use orgdesk_blobs::{BlobStore, WriteError};
use sha2::{Digest, Sha256};

type Chunks = Vec<Result<Bytes, std::io::Error>>;

fn chunks_of(bytes: &[u8], size: usize) -> Chunks {
    bytes
        .chunks(size)
        .map(|chunk| Ok(Bytes::copy_from_slice(chunk)))
        .collect()
}

async fn read_all(store: &BlobStore, key: &str) -> Vec<u8> {
    let reader = store.read(key).await.unwrap();
    let parts: Vec<Bytes> = reader.bytes.try_collect().await.unwrap();
    parts.concat()
}

#[tokio::test]
async fn a_small_file_is_stored_whole_with_its_size_and_sha256() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::folder(dir.path()).unwrap();
    let written = store
        .write(
            &BlobStore::new_key(),
            stream::iter(chunks_of(b"hello, world", 5)),
            100,
        )
        .await
        .unwrap();
    assert_eq!(written.size, 12);
    assert_eq!(written.sha256, hex::encode(Sha256::digest(b"hello, world")));
    assert!(written.key.starts_with("attachments/"));
    assert_eq!(read_all(&store, &written.key).await, b"hello, world");
    assert_eq!(store.keys().await.unwrap(), vec![written.key]);
}

#[tokio::test]
async fn a_file_larger_than_a_part_is_written_in_parts_and_reads_back_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::folder(dir.path()).unwrap();
    let bytes: Vec<u8> = (0..3_500_000u32).map(|n| (n % 251) as u8).collect();
    let written = store
        .write(
            &BlobStore::new_key(),
            stream::iter(chunks_of(&bytes, 64 * 1024)),
            10_000_000,
        )
        .await
        .unwrap();
    assert_eq!(written.size, bytes.len() as u64);
    assert_eq!(written.sha256, hex::encode(Sha256::digest(&bytes)));
    assert_eq!(read_all(&store, &written.key).await, bytes);
}

#[tokio::test]
async fn a_file_over_the_limit_is_refused_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::folder(dir.path()).unwrap();
    let bytes = vec![7u8; 3 * 1024 * 1024];
    let refused = store
        .write(
            &BlobStore::new_key(),
            stream::iter(chunks_of(&bytes, 100_000)),
            2 * 1024 * 1024,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(refused, WriteError::TooLarge { limit_bytes } if limit_bytes == 2 * 1024 * 1024)
    );
    assert!(store.keys().await.unwrap().is_empty());
    assert_eq!(files_under(dir.path()), Vec::<String>::new());
}

#[tokio::test]
async fn a_stream_that_breaks_off_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::folder(dir.path()).unwrap();
    let good = chunks_of(&vec![1u8; 2 * 1024 * 1024], 100_000);
    let broken = stream::iter(good).chain(stream::iter(vec![Err(std::io::Error::other(
        "connection reset",
    ))]));
    let refused = store
        .write(&BlobStore::new_key(), broken, 10_000_000)
        .await
        .unwrap_err();
    assert!(matches!(refused, WriteError::Source(_)));
    assert_eq!(files_under(dir.path()), Vec::<String>::new());
}

#[tokio::test]
async fn deleting_removes_the_file_and_deleting_again_is_harmless() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::folder(dir.path()).unwrap();
    let written = store
        .write(
            &BlobStore::new_key(),
            stream::iter(chunks_of(b"bye", 3)),
            10,
        )
        .await
        .unwrap();
    store.delete(&written.key).await.unwrap();
    store.delete(&written.key).await.unwrap();
    assert!(store.keys().await.unwrap().is_empty());
    assert!(store.read(&written.key).await.is_err());
}

/// Every file below `root`, staging files included.
fn files_under(root: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                found.push(path.display().to_string());
            }
        }
    }
    found
}
