//! Reading and parsing a file's rows one batch ahead of the import, on the blocking
//! pool. An import's own work is a single line of statements on one writer; while
//! SQLite writes one batch, the next is read from the file and its cells parsed on the
//! other core (reading and parsing were a tenth of an import's time, all of it spent
//! while SQLite waited, or SQLite while it ran).

use super::csv_rows::{CsvRows, RawRow};
use super::{Problems, read_batch};
use orgdesk_core::{Error, Result};
use std::sync::Arc;
use tokio::task::JoinHandle;

/// A batch of rows, read and parsed.
pub(crate) struct Parsed<T> {
    /// The rows that parsed, in file order.
    pub lines: Vec<T>,
    /// What reading and parsing these rows found, in file order.
    pub problems: Problems,
    /// Rows read from the file so far, and how far into it (bytes).
    pub rows: u64,
    pub bytes: u64,
    /// How many rows the whole file holds, once that can be told.
    pub expected_rows: Option<u64>,
    /// The file ended: no batch follows.
    last: bool,
}

/// How a row becomes a `T`, adding its problems when it cannot.
type Parse<T> = Arc<dyn Fn(&RawRow, &mut Problems) -> Option<T> + Send + Sync>;

/// A file's rows, parsed a batch ahead.
pub(crate) struct ReadAhead<T> {
    reading: Option<JoinHandle<(CsvRows, Parsed<T>)>>,
    parse: Parse<T>,
}

impl<T: Send + 'static> ReadAhead<T> {
    /// Starts reading the first batch.
    pub fn start(
        rows: CsvRows,
        parse: impl Fn(&RawRow, &mut Problems) -> Option<T> + Send + Sync + 'static,
    ) -> Self {
        let mut ahead = ReadAhead {
            reading: None,
            parse: Arc::new(parse),
        };
        ahead.read(rows);
        ahead
    }

    fn read(&mut self, mut rows: CsvRows) {
        let parse = Arc::clone(&self.parse);
        self.reading = Some(tokio::task::spawn_blocking(move || {
            let mut problems = Problems::default();
            let batch = read_batch(&mut rows, &mut problems);
            let lines = batch
                .iter()
                .filter_map(|row| parse(row, &mut problems))
                .collect();
            let parsed = Parsed {
                lines,
                problems,
                rows: rows.rows,
                bytes: rows.bytes(),
                expected_rows: rows.expected_rows(),
                last: batch.is_empty(),
            };
            (rows, parsed)
        }));
    }

    /// The next batch, and the one after it starts being read; `None` once the file
    /// has ended. The last batch may hold no rows, only what the end of the file
    /// revealed (a quote left open).
    pub async fn next(&mut self) -> Result<Option<Parsed<T>>> {
        let Some(reading) = self.reading.take() else {
            return Ok(None);
        };
        let (rows, parsed) = reading
            .await
            .map_err(|err| Error::internal(format!("reading the import's file failed: {err}")))?;
        if !parsed.last {
            self.read(rows);
        }
        Ok(Some(parsed))
    }
}
