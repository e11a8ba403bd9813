//! The columns of bulk files (CSV import and export of organizations and users) and the
//! rules for their cells, decided once for both directions:
//! - a header row names the columns, in any order; a byte-order mark before it is
//!   dropped; unknown, repeated and missing required columns are each a problem named
//!   by the column;
//! - lists (an organization's domains) are separated by spaces, commas or semicolons;
//!   names that may hold spaces (usergroups) by commas or semicolons only;
//! - an organization's contacts of one kind share their column, one per line of the cell
//!   (an address holds commas, never a line break);
//! - flags read `true/false/yes/no/1/0` in any letter case, empty as false;
//! - in exports meant for spreadsheets, a cell that a spreadsheet would run as a
//!   formula is neutralised.

use crate::contact::ContactKind;
use crate::fields::{FieldKey, FieldValue};
use std::borrow::Cow;

/// What a bulk file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Organizations,
    Users,
}

impl RecordKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Organizations => "organizations",
            RecordKind::Users => "users",
        }
    }

    /// The fixed columns, in the order exports write them (custom fields follow).
    pub fn columns(self) -> &'static [Column] {
        match self {
            RecordKind::Organizations => &[
                Column::ExternalId,
                Column::Name,
                Column::Parent,
                Column::Domains,
                Column::Summary,
                Column::Contact(ContactKind::Phone),
                Column::Contact(ContactKind::Email),
                Column::Contact(ContactKind::Website),
                Column::Contact(ContactKind::Address),
            ],
            RecordKind::Users => &[
                Column::ExternalId,
                Column::Name,
                Column::Email,
                Column::Organization,
                Column::Position,
                Column::Manager,
                Column::Usergroups,
            ],
        }
    }

    /// Columns a file must have.
    fn required(self) -> &'static [Column] {
        match self {
            RecordKind::Organizations => &[Column::Name],
            RecordKind::Users => &[Column::Email],
        }
    }
}

/// One column of a bulk file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    ExternalId,
    Name,
    /// The parent's external id, else its name.
    Parent,
    Domains,
    Summary,
    Contact(ContactKind),
    /// A custom field, `field:KEY`.
    Field(FieldKey),
    Email,
    /// The organization's external id, else its name; empty: the email domain decides.
    Organization,
    Position,
    Manager,
    Usergroups,
}

impl Column {
    /// The column's name in a header row.
    pub fn header(&self) -> Cow<'static, str> {
        Cow::Borrowed(match self {
            Column::ExternalId => "external_id",
            Column::Name => "name",
            Column::Parent => "parent",
            Column::Domains => "domains",
            Column::Summary => "summary",
            Column::Contact(kind) => kind.as_str(),
            Column::Field(key) => return Cow::Owned(format!("field:{}", key.as_str())),
            Column::Email => "email",
            Column::Organization => "organization",
            Column::Position => "position",
            Column::Manager => "manager",
            Column::Usergroups => "usergroups",
        })
    }
}

/// Something wrong in a file: where (line numbers count the header as line 1), which
/// column, a stable code and a sentence.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Problem {
    pub line: u64,
    pub column: Option<String>,
    pub code: String,
    pub message: String,
}

impl Problem {
    pub fn new(line: u64, column: Option<&str>, code: &str, message: impl Into<String>) -> Self {
        Problem {
            line,
            column: column.map(str::to_owned),
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            Some(column) => write!(f, "line {}, column {column}: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// The header row of a file, read: which column each cell position holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    columns: Vec<Column>,
}

impl Header {
    /// Reads a header row of `kind`. Every problem is reported, not just the first.
    pub fn parse(kind: RecordKind, cells: &[&str]) -> Result<Self, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut columns: Vec<Column> = Vec::with_capacity(cells.len());
        for (index, cell) in cells.iter().enumerate() {
            let name = if index == 0 {
                cell.trim_start_matches('\u{feff}')
            } else {
                cell
            }
            .trim();
            let problem = |code: &str, message: String| Problem::new(1, Some(name), code, message);
            let column = match name.strip_prefix("field:") {
                Some(key) if kind == RecordKind::Organizations => match FieldKey::parse(key) {
                    Ok(key) => Column::Field(key),
                    Err(_) => {
                        problems.push(problem(
                            "unknown_column",
                            format!("\"{key}\" is not a custom field key"),
                        ));
                        continue;
                    }
                },
                _ => match kind.columns().iter().find(|c| c.header() == name) {
                    Some(column) => column.clone(),
                    None => {
                        let known: Vec<Cow<'static, str>> =
                            kind.columns().iter().map(Column::header).collect();
                        problems.push(problem(
                            "unknown_column",
                            format!(
                                "not a column of {} files (they take {}{})",
                                kind.as_str(),
                                known.join(", "),
                                if kind == RecordKind::Organizations {
                                    " and field:KEY"
                                } else {
                                    ""
                                }
                            ),
                        ));
                        continue;
                    }
                },
            };
            if columns.contains(&column) {
                problems.push(problem(
                    "duplicate_column",
                    "appears twice in the header".into(),
                ));
                continue;
            }
            columns.push(column);
        }
        for required in kind.required() {
            if !columns.contains(required) {
                problems.push(Problem::new(
                    1,
                    Some(&required.header()),
                    "missing_column",
                    format!("{} files need this column", kind.as_str()),
                ));
            }
        }
        if problems.is_empty() {
            Ok(Header { columns })
        } else {
            Err(problems)
        }
    }

    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Where `column` is in a row, if the file has it (absent: leave the field as it is).
    pub fn position(&self, column: &Column) -> Option<usize> {
        self.columns.iter().position(|c| c == column)
    }
}

/// A list of domains: separated by spaces, commas or semicolons.
pub fn split_domains(cell: &str) -> Vec<&str> {
    cell.split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|part| !part.is_empty())
        .collect()
}

/// A list of names (usergroups): separated by commas or semicolons, since a name may
/// hold spaces.
pub fn split_names(cell: &str) -> Vec<&str> {
    cell.split([',', ';'])
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect()
}

/// The contacts of one kind in a cell: one per line.
pub fn split_lines(cell: &str) -> Vec<&str> {
    cell.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect()
}

/// A flag: `true/false/yes/no/1/0` in any letter case; empty is false.
pub fn parse_flag(cell: &str) -> Result<bool, String> {
    match cell.trim().to_ascii_lowercase().as_str() {
        "" | "false" | "no" | "0" => Ok(false),
        "true" | "yes" | "1" => Ok(true),
        other => Err(format!(
            "\"{other}\" is not a yes or no (true, false, yes, no, 1 or 0)"
        )),
    }
}

/// A custom field's value in a cell: as typed on a form (a date `YYYY-MM-DD`, a number
/// as written, a checkbox `true` or `false`), the items of a multiple choice one per line
/// (a choice may hold commas).
pub fn field_cell(value: &FieldValue) -> String {
    match value {
        FieldValue::Text(text) | FieldValue::Url(text) => text.clone(),
        FieldValue::Number(number) => number.to_string(),
        FieldValue::Date(date) => crate::day::format_day(*date),
        FieldValue::Checkbox(checked) => checked.to_string(),
        FieldValue::Choices(items) => items.join("\n"),
    }
}

/// A cell as a spreadsheet should show it: one starting with `=`, `+`, `-`, `@`, a tab
/// or a carriage return (what spreadsheets run as a formula) gets a leading `'`.
pub fn neutralised(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_takes_any_order_and_drops_a_byte_order_mark() {
        let header = Header::parse(
            RecordKind::Organizations,
            &["\u{feff}domains", " name ", "field:tier", "phone"],
        )
        .unwrap();
        assert_eq!(header.position(&Column::Name), Some(1));
        assert_eq!(header.position(&Column::Domains), Some(0));
        assert_eq!(
            header.position(&Column::Field(FieldKey::parse("tier").unwrap())),
            Some(2)
        );
        assert_eq!(header.position(&Column::Parent), None);
    }

    #[test]
    fn every_header_problem_is_reported_by_column() {
        let problems = Header::parse(
            RecordKind::Users,
            &["name", "nickname", "name", "field:tier"],
        )
        .unwrap_err();
        let found: Vec<(&str, &str)> = problems
            .iter()
            .map(|p| (p.column.as_deref().unwrap(), p.code.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("nickname", "unknown_column"),
                ("name", "duplicate_column"),
                ("field:tier", "unknown_column"),
                ("email", "missing_column"),
            ]
        );
        assert_eq!(
            problems[0].to_string(),
            "line 1, column nickname: not a column of users files (they take external_id, name, email, organization, position, manager, usergroups)"
        );
    }

    #[test]
    fn lists_split_as_their_values_allow() {
        assert_eq!(
            split_domains(" acme.com, acme.co.uk;acme.de  acme.fr "),
            ["acme.com", "acme.co.uk", "acme.de", "acme.fr"]
        );
        assert_eq!(
            split_names("Premium Support; VIP,, Partners "),
            ["Premium Support", "VIP", "Partners"]
        );
        assert_eq!(
            split_lines("1 Main St, Springfield\r\n\n2 High St, Leeds"),
            ["1 Main St, Springfield", "2 High St, Leeds"]
        );
    }

    #[test]
    fn flags_read_the_usual_words_and_empty_is_false() {
        for yes in ["true", "YES", "1", " Yes "] {
            assert_eq!(parse_flag(yes), Ok(true), "{yes}");
        }
        for no in ["", "false", "No", "0"] {
            assert_eq!(parse_flag(no), Ok(false), "{no}");
        }
        assert!(parse_flag("maybe").is_err());
    }

    #[test]
    fn field_values_are_written_as_a_form_takes_them() {
        assert_eq!(field_cell(&FieldValue::Checkbox(true)), "true");
        assert_eq!(
            field_cell(&FieldValue::Choices(vec![
                "Gold, plus".into(),
                "Silver".into()
            ])),
            "Gold, plus\nSilver"
        );
        assert_eq!(
            field_cell(&FieldValue::Number("12.50".parse().unwrap())),
            "12.50"
        );
    }

    #[test]
    fn cells_a_spreadsheet_would_run_are_neutralised() {
        assert_eq!(neutralised("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralised("+44 20 7946 0000"), "'+44 20 7946 0000");
        assert_eq!(neutralised("-5"), "'-5");
        assert_eq!(neutralised("@cmd"), "'@cmd");
        assert_eq!(neutralised("Acme"), "Acme");
        assert!(matches!(neutralised("Acme"), Cow::Borrowed(_)));
    }
}
