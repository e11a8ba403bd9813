//! Internal notes on organizations and the files attached to them: what a body may
//! hold, what a file name may be, and how a file is labelled when it is served back.
//!
//! A file's name is only ever a label: files are stored under generated keys, so a
//! name never reaches a path. Still, a name is cleaned so that it cannot mislead when
//! it is saved on an agent's computer (`../../etc/passwd` becomes `passwd`).

use crate::error::{Error, Result};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use unicode_normalization::UnicodeNormalization;

/// An internal note on an organization, with its files.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub id: i64,
    pub organization_id: crate::OrganizationId,
    pub author: NoteAuthor,
    pub body: String,
    pub attachments: Vec<Attachment>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The agent who wrote a note.
#[derive(Debug, Clone, PartialEq)]
pub struct NoteAuthor {
    pub id: crate::AgentId,
    pub name: String,
}

/// A file attached to a note. `blob_key` names its bytes in the blob store; it is
/// generated, never derived from the file's name.
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub id: i64,
    pub note_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    /// SHA-256 of the bytes, in lower-case hex.
    pub sha256: String,
    pub blob_key: String,
    pub created_at: i64,
}

/// A note body is plain text: room for a long call summary, not for a document.
pub const NOTE_BODY_MAX_CHARS: usize = 20_000;
/// The longest file name most file systems accept.
pub const FILE_NAME_MAX_CHARS: usize = 255;
/// Files one note may carry.
pub const FILES_PER_NOTE_MAX: usize = 10;
/// The content type of a file whose sender named none (or an unreadable one).
pub const UNKNOWN_CONTENT_TYPE: &str = "application/octet-stream";

/// A note's body: line breaks kept (any `\r\n` becomes `\n`), trimmed, without control
/// characters other than line breaks and tabs. It may be empty only when the note
/// carries files.
pub fn note_body(input: &str, has_files: bool) -> Result<String> {
    let body = input.replace("\r\n", "\n").replace('\r', "\n");
    let body = body.trim();
    if body.is_empty() {
        if has_files {
            return Ok(String::new());
        }
        return Err(Error::validation(
            "body",
            "must not be blank (a note holds text, files, or both)",
        ));
    }
    let chars = body.chars().count();
    if chars > NOTE_BODY_MAX_CHARS {
        return Err(Error::validation(
            "body",
            format!("must be at most {NOTE_BODY_MAX_CHARS} characters (got {chars})"),
        ));
    }
    if body
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(Error::validation(
            "body",
            "must not contain control characters other than line breaks and tabs",
        ));
    }
    Ok(body.to_owned())
}

/// The name a file is kept and offered under: the last part of what the sender gave
/// (browsers on some systems send whole paths, and a name like `../x` must not read as
/// a path), in Unicode NFC, trimmed. Refused when it holds control characters (NUL
/// included), is empty, is only dots (`.`, `..`), or is longer than 255 characters.
pub fn file_name(field: &str, raw: &str) -> Result<String> {
    if raw.chars().any(char::is_control) {
        return Err(Error::validation(
            field,
            "the file name must not contain control characters",
        ));
    }
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let name: String = last.nfc().collect::<String>().trim().to_owned();
    if name.is_empty() {
        return Err(Error::validation(field, "the file needs a name"));
    }
    if name.chars().all(|c| c == '.') {
        return Err(Error::validation(
            field,
            format!("\"{name}\" is not a file name"),
        ));
    }
    let chars = name.chars().count();
    if chars > FILE_NAME_MAX_CHARS {
        return Err(Error::validation(
            field,
            format!("the file name must be at most {FILE_NAME_MAX_CHARS} characters (got {chars})"),
        ));
    }
    Ok(name)
}

/// The content type a file is stored with: the sender's `type/subtype` in lower case
/// (parameters such as `charset` kept), or `application/octet-stream` when none was
/// given or it does not parse. It only labels the download: files are always served
/// as attachments that a browser may not sniff or render.
pub fn content_type(given: Option<&str>) -> String {
    given
        .and_then(|text| text.trim().parse::<mime::Mime>().ok())
        .map(|mime| mime.to_string().to_ascii_lowercase())
        .unwrap_or_else(|| UNKNOWN_CONTENT_TYPE.to_owned())
}

/// RFC 5987 `attr-char`s stay as they are; everything else is percent-encoded.
const ATTR_CHAR_ESCAPES: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// The `Content-Disposition` of a download (RFC 6266): always `attachment`, the name in
/// UTF-8 as `filename*`, and a plain-ASCII `filename` for old clients (characters it
/// cannot hold become `_`).
pub fn attachment_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = utf8_percent_encode(name, ATTR_CHAR_ESCAPES);
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_keeps_its_line_breaks_and_loses_carriage_returns() {
        assert_eq!(
            note_body("  Called them.\r\n\r\n\tAll good.\n", false).unwrap(),
            "Called them.\n\n\tAll good."
        );
    }

    #[test]
    fn a_blank_body_is_refused_unless_files_come_with_it() {
        assert!(note_body(" \n ", false).is_err());
        assert_eq!(note_body(" \n ", true).unwrap(), "");
    }

    #[test]
    fn a_body_refuses_nul_and_other_control_characters() {
        assert!(note_body("a\u{0}b", false).is_err());
        assert!(note_body("a\u{7}b", false).is_err());
        assert!(note_body(&"x".repeat(NOTE_BODY_MAX_CHARS + 1), false).is_err());
        assert!(note_body(&"é".repeat(NOTE_BODY_MAX_CHARS), false).is_ok());
    }

    #[test]
    fn a_file_name_is_the_last_part_of_a_path() {
        assert_eq!(file_name("files", "../../etc/passwd").unwrap(), "passwd");
        assert_eq!(
            file_name("files", "C:\\Users\\ada\\invoice 7.pdf").unwrap(),
            "invoice 7.pdf"
        );
        assert_eq!(file_name("files", " config.yml ").unwrap(), "config.yml");
        assert_eq!(file_name("files", ".env").unwrap(), ".env");
    }

    #[test]
    fn a_file_name_of_dots_control_characters_or_nothing_is_refused() {
        for bad in [
            "",
            " ",
            ".",
            "..",
            "...",
            "../",
            "a/..",
            "a\u{0}b",
            "a\nb",
            "x\u{1b}[31m",
        ] {
            let err = file_name("files", bad).unwrap_err();
            assert!(err.to_string().starts_with("files: "), "{bad:?} gave {err}");
        }
        assert!(file_name("files", &"n".repeat(FILE_NAME_MAX_CHARS + 1)).is_err());
    }

    #[test]
    fn a_file_name_is_kept_in_composed_unicode() {
        assert_eq!(file_name("files", "Cafe\u{301}.txt").unwrap(), "Café.txt");
    }

    #[test]
    fn a_content_type_is_kept_when_it_parses_and_is_octet_stream_otherwise() {
        assert_eq!(content_type(Some("Text/HTML")), "text/html");
        assert_eq!(
            content_type(Some("text/plain; charset=utf-8")),
            "text/plain; charset=utf-8"
        );
        assert_eq!(content_type(Some("not a type")), UNKNOWN_CONTENT_TYPE);
        assert_eq!(content_type(None), UNKNOWN_CONTENT_TYPE);
    }

    #[test]
    fn a_disposition_is_an_attachment_with_both_name_forms() {
        assert_eq!(
            attachment_disposition("Rechnung März \"2026\".pdf"),
            "attachment; filename=\"Rechnung M_rz _2026_.pdf\"; filename*=UTF-8''Rechnung%20M%C3%A4rz%20%222026%22.pdf"
        );
        assert_eq!(
            attachment_disposition("a;b.txt"),
            "attachment; filename=\"a;b.txt\"; filename*=UTF-8''a%3Bb.txt"
        );
    }
}
