//! Reading a bulk file's rows, with the checks every row gets whatever it holds: text
//! that is UTF-8, as many cells as the header, no cell over [`MAX_CELL_BYTES`], a quote
//! that closes. A row that fails one is reported and skipped, so one pass finds every
//! problem; a row that never ends (a quote left open) stops the reading, since nothing
//! after it can be told apart.

use super::Problems;
use orgdesk_core::bulk::Problem;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The longest cell taken; a summary or a contact is far shorter.
pub(crate) const MAX_CELL_BYTES: usize = 64 * 1024;

/// The longest row read before the file is declared unreadable: past any real row,
/// short of memory trouble.
const MAX_ROW_BYTES: u64 = 16 * 1024 * 1024;

/// A row as read: where it starts and its cells.
#[derive(Debug)]
pub(crate) struct RawRow {
    pub line: u64,
    pub cells: Vec<String>,
}

/// The file, counting what it hands out, and refusing to go more than
/// `MAX_ROW_BYTES` past the end of the last whole row (kept in `row_limit`): a row
/// without an end then fails as an I/O error instead of filling memory.
struct Guarded {
    file: io::BufReader<std::fs::File>,
    read: u64,
    row_limit: Arc<AtomicU64>,
}

impl Read for Guarded {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.read > self.row_limit.load(Ordering::Relaxed) {
            return Err(io::Error::new(io::ErrorKind::InvalidData, RowTooLong));
        }
        let n = self.file.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

#[derive(Debug)]
struct RowTooLong;

impl std::fmt::Display for RowTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a row longer than {} MiB", MAX_ROW_BYTES >> 20)
    }
}

impl std::error::Error for RowTooLong {}

pub(crate) struct CsvRows {
    reader: csv::Reader<Guarded>,
    record: csv::ByteRecord,
    row_limit: Arc<AtomicU64>,
    path: PathBuf,
    /// The header's cells: a row must have as many, and problems name them.
    names: Vec<String>,
    /// Where the last row read began (line, byte), to check its quotes at the end.
    last_start: Option<(u64, u64)>,
    finished: bool,
    /// Rows handed out or reported so far (the header not counted).
    pub rows: u64,
    /// The file's size when opened.
    size: u64,
}

impl CsvRows {
    pub fn open(path: &Path) -> io::Result<Self> {
        let row_limit = Arc::new(AtomicU64::new(MAX_ROW_BYTES));
        let opened = std::fs::File::open(path)?;
        let size = opened.metadata()?.len();
        let file = Guarded {
            file: io::BufReader::with_capacity(64 * 1024, opened),
            read: 0,
            row_limit: row_limit.clone(),
        };
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(file);
        Ok(CsvRows {
            reader,
            record: csv::ByteRecord::new(),
            row_limit,
            path: path.to_owned(),
            names: Vec::new(),
            last_start: None,
            finished: false,
            rows: 0,
            size,
        })
    }

    /// How many rows the file holds in all, guessed from the rows read so far and the
    /// bytes they took; `None` until a tenth of the file is read, so the guess rests on
    /// enough of it.
    pub fn expected_rows(&self) -> Option<u64> {
        let read = self.bytes();
        if self.rows == 0 || read == 0 || read < self.size / 10 {
            return None;
        }
        let guess = u128::from(self.size) * u128::from(self.rows) / u128::from(read);
        Some(u64::try_from(guess).unwrap_or(u64::MAX).max(self.rows))
    }

    /// The header row's cells; an empty file or an unreadable header is a problem.
    pub fn header(&mut self) -> Result<Vec<String>, Problem> {
        match self.read_record() {
            Ok(true) => {}
            Ok(false) => {
                return Err(Problem::new(
                    1,
                    None,
                    "empty_file",
                    "the file is empty: it needs a header row naming the columns",
                ));
            }
            Err(problem) => return Err(problem),
        }
        let line = self.line();
        let cells: Vec<String> = self
            .record
            .iter()
            .map(|cell| std::str::from_utf8(cell).map(str::to_owned))
            .collect::<Result<_, _>>()
            .map_err(|_| not_utf8(line, None))?;
        self.names = cells
            .iter()
            .map(|c| c.trim_start_matches('\u{feff}').trim().to_owned())
            .collect();
        Ok(cells)
    }

    /// The next row whose cells pass the checks; those that do not are added to
    /// `problems` and skipped. `None` at the end of the file (or after a problem that
    /// stops the reading).
    pub fn next_row(&mut self, problems: &mut Problems) -> Option<RawRow> {
        loop {
            if self.finished {
                return None;
            }
            match self.read_record() {
                Ok(true) => {}
                Ok(false) => {
                    self.finished = true;
                    if let Some(problem) = self.unclosed_quote() {
                        problems.add(problem);
                    }
                    return None;
                }
                Err(problem) => {
                    self.finished = true;
                    problems.add(problem);
                    return None;
                }
            }
            self.rows += 1;
            let line = self.line();
            match self.cells(line) {
                Ok(cells) => return Some(RawRow { line, cells }),
                Err(problem) => problems.add(problem),
            }
        }
    }

    /// Bytes of the file read so far.
    pub fn bytes(&self) -> u64 {
        self.reader.position().byte()
    }

    fn line(&self) -> u64 {
        self.record.position().map_or(0, |p| p.line())
    }

    /// Reads the next record; false at the end.
    fn read_record(&mut self) -> Result<bool, Problem> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(more) => {
                if more {
                    let start = self.record.position().cloned();
                    self.last_start = start.map(|p| (p.line(), p.byte()));
                    let end = self.reader.position().byte();
                    self.row_limit
                        .store(end.saturating_add(MAX_ROW_BYTES), Ordering::Relaxed);
                }
                Ok(more)
            }
            Err(err) => {
                let line = self
                    .last_start
                    .map_or(1, |(line, _)| line + 1)
                    .max(self.reader.position().line());
                let message = match err.kind() {
                    csv::ErrorKind::Io(io)
                        if io.get_ref().is_some_and(|e| e.is::<RowTooLong>()) =>
                    {
                        format!(
                            "{} MiB without the row ending: a quote opened here and never closed? Nothing after it can be read",
                            MAX_ROW_BYTES >> 20
                        )
                    }
                    _ => format!("the file cannot be read further: {err}"),
                };
                Err(Problem::new(line, None, "unreadable", message))
            }
        }
    }

    /// The record's cells as text, if each is UTF-8 and short enough and their number
    /// is the header's.
    fn cells(&self, line: u64) -> Result<Vec<String>, Problem> {
        let count = self.record.len();
        let width = self.names.len();
        if count != width {
            let code = if count > width {
                "too_many_cells"
            } else {
                "too_few_cells"
            };
            return Err(Problem::new(
                line,
                None,
                code,
                format!(
                    "the row has {count} cells and the header {width} (a comma or quote too many or too few?)"
                ),
            ));
        }
        let mut cells = Vec::with_capacity(count);
        for (index, cell) in self.record.iter().enumerate() {
            if cell.len() > MAX_CELL_BYTES {
                return Err(Problem::new(
                    line,
                    Some(&self.names[index]),
                    "cell_too_long",
                    format!(
                        "the cell holds {} bytes; a cell holds at most {} KiB",
                        cell.len(),
                        MAX_CELL_BYTES / 1024
                    ),
                ));
            }
            match std::str::from_utf8(cell) {
                // Control characters (a NUL above all, which PostgreSQL refuses in
                // text) are no cell's content; tabs and line breaks are.
                Ok(text)
                    if text
                        .chars()
                        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) =>
                {
                    return Err(Problem::new(
                        line,
                        Some(&self.names[index]),
                        "control_character",
                        "holds a control character (a NUL or the like): not text",
                    ));
                }
                Ok(text) => cells.push(text.to_owned()),
                Err(_) => return Err(not_utf8(line, Some(&self.names[index]))),
            }
        }
        Ok(cells)
    }

    /// The CSV reader ends a quote left open at the end of the file without a word; the
    /// last row's quotes are counted instead (a closed quote, an escaped one, always
    /// comes in pairs).
    fn unclosed_quote(&self) -> Option<Problem> {
        let (line, byte) = self.last_start?;
        let mut file = std::fs::File::open(&self.path).ok()?;
        file.seek(SeekFrom::Start(byte)).ok()?;
        let mut quotes = 0u64;
        let mut buf = [0u8; 64 * 1024];
        loop {
            let n = file.read(&mut buf).ok()?;
            if n == 0 {
                break;
            }
            quotes += buf[..n].iter().filter(|&&b| b == b'"').count() as u64;
        }
        (quotes % 2 == 1).then(|| {
            Problem::new(
                line,
                None,
                "unclosed_quote",
                "a quote opened in this row is never closed",
            )
        })
    }
}

fn not_utf8(line: u64, column: Option<&str>) -> Problem {
    Problem::new(
        line,
        column,
        "not_utf8",
        "not UTF-8 text: save the file as CSV UTF-8",
    )
}
