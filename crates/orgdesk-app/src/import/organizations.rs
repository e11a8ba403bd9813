//! Importing organizations. A row updates the organization it matches — by
//! `external_id`, else by name (any letter case) — or creates one. Absent columns leave
//! values as they are; an empty cell clears an optional value (`summary`,
//! `external_id`, a contact column, a custom field), an empty `parent` makes the
//! organization top-level and an empty `domains` takes every domain away.
//!
//! Parents may be named anywhere in the file, before or after their children, so the
//! hierarchy is checked once the whole file is read: the organizations of the file and
//! of the database together, with the parents the file gives, must form a forest no
//! deeper than [`MAX_DEPTH`]. A cycle is reported on each row on it, with the path.
//!
//! What the file does must hold at every step of applying it, so it may not hand a
//! name or a domain from one organization to another in the same file (two imports
//! do that: the first frees it, the second takes it).

use super::csv_rows::{CsvRows, RawRow};
use super::seen::Seen;
use super::{ImportProgress, Problems, Refusal, Tally, read_batch, reason};
use crate::fields::{FieldInput, FieldReader, show_fields, write_values};
use crate::history::{parent_moved, record_all};
use crate::now_ms;
use crate::organizations::{Created, parse_owned_domain};
use orgdesk_core::bulk::{Column, Header, Problem, parse_flag, split_domains, split_lines};
use orgdesk_core::contact::{ContactKind, check_contact_count};
use orgdesk_core::fields::{FieldDefinition, FieldType, FieldValue};
use orgdesk_core::hierarchy::MAX_DEPTH;
use orgdesk_core::model::{Actor, Change, Organization};
use orgdesk_core::text::{EXTERNAL_ID_MAX_CHARS, SUMMARY_MAX_CHARS, name_key, optional_text};
use orgdesk_core::{Contact, EmailDomain, Error, OrganizationId, OrganizationName, Result};
use orgdesk_store::dialect::lock_hierarchy;
use orgdesk_store::organizations::{self as orgs, DirectoryEntry};
use orgdesk_store::{ConnectionTrait, domains, fields};
use serde_json::{Value, json};
use std::collections::HashMap;

/// Every organization in the database, as a file may name it and with its parent:
/// what the hierarchy check needs (tens of bytes per organization).
struct Directory {
    by_id: HashMap<i64, DirectoryEntry>,
    by_external_id: HashMap<String, i64>,
    by_name_key: HashMap<String, i64>,
}

impl Directory {
    async fn load<C: ConnectionTrait>(conn: &C) -> Result<Self> {
        let mut directory = Directory {
            by_id: HashMap::new(),
            by_external_id: HashMap::new(),
            by_name_key: HashMap::new(),
        };
        let mut after = 0;
        loop {
            let page = orgs::directory_page(conn, after, 5000).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            for entry in page {
                if let Some(external_id) = &entry.external_id {
                    directory
                        .by_external_id
                        .insert(external_id.clone(), entry.id);
                }
                directory
                    .by_name_key
                    .insert(entry.name_key.clone(), entry.id);
                directory.by_id.insert(entry.id, entry);
            }
        }
        Ok(directory)
    }
}

/// A row's values, each checked. `None` means the column is absent: the value stays.
struct OrganizationLine {
    line: u64,
    name: OrganizationName,
    external_id: Option<Option<String>>,
    parent: Option<Option<String>>,
    domains: Option<Vec<EmailDomain>>,
    summary: Option<Option<String>>,
    /// The contacts of each kind whose column the file has.
    contacts: Vec<(ContactKind, Vec<Contact>)>,
    fields: FieldInput,
}

/// The definitions of the `field:KEY` columns, or a problem for each that is no
/// field (or a retired one).
pub(super) async fn field_columns<C: ConnectionTrait>(
    conn: &C,
    header: &Header,
    problems: &mut Problems,
) -> Result<HashMap<String, FieldDefinition>> {
    let definitions = fields::list_definitions(conn).await?;
    let mut columns = HashMap::new();
    for column in header.columns() {
        let Column::Field(key) = column else { continue };
        match definitions.iter().find(|d| d.key == *key) {
            Some(field) if !field.retired => {
                columns.insert(key.as_str().to_owned(), field.clone());
            }
            Some(_) => problems.add(Problem::new(
                1,
                Some(&column.header()),
                "unknown_column",
                "the field is retired: restore it (Admin → Fields) or drop the column",
            )),
            None => problems.add(Problem::new(
                1,
                Some(&column.header()),
                "unknown_column",
                format!("no custom field has the key \"{}\"", key.as_str()),
            )),
        }
    }
    Ok(columns)
}

/// A custom field's cell as the JSON the API takes: a checkbox's yes or no, a
/// multiple choice's items one per line, anything else as text; empty clears.
fn field_json(field: &FieldDefinition, cell: &str) -> std::result::Result<Value, String> {
    if cell.trim().is_empty() {
        return Ok(Value::Null);
    }
    Ok(match field.field_type {
        FieldType::Checkbox => Value::Bool(parse_flag(cell)?),
        FieldType::MultiChoice => Value::Array(
            split_lines(cell)
                .into_iter()
                .map(|item| Value::String(item.to_owned()))
                .collect(),
        ),
        _ => Value::String(cell.to_owned()),
    })
}

fn parse_line(
    header: &Header,
    row: &RawRow,
    field_columns: &HashMap<String, FieldDefinition>,
    problems: &mut Problems,
) -> Option<OrganizationLine> {
    let before = problems.count();
    let mut problem = |column: &str, message: String| {
        problems.add(Problem::new(row.line, Some(column), "invalid", message));
    };
    let mut name = None;
    let mut external_id = None;
    let mut parent = None;
    let mut domains = None;
    let mut summary = None;
    let mut contacts = Vec::new();
    let mut fields = FieldInput::new();
    for (column, cell) in header.columns().iter().zip(&row.cells) {
        let header_name = column.header();
        match column {
            Column::Name => match OrganizationName::parse(cell) {
                Ok(parsed) => name = Some(parsed),
                Err(err) => problem(&header_name, reason(err)),
            },
            Column::ExternalId => {
                match optional_text("external_id", Some(cell), EXTERNAL_ID_MAX_CHARS) {
                    Ok(value) => external_id = Some(value),
                    Err(err) => problem(&header_name, reason(err)),
                }
            }
            Column::Parent => {
                let reference = cell.trim();
                parent = Some((!reference.is_empty()).then(|| reference.to_owned()));
            }
            Column::Domains => {
                let mut list: Vec<EmailDomain> = Vec::new();
                for text in split_domains(cell) {
                    // Free mail is allowed here and refused in `plan` unless the
                    // organization already holds it.
                    match parse_owned_domain(text, true) {
                        Ok(domain) if !list.contains(&domain) => list.push(domain),
                        Ok(_) => {}
                        Err(err) => problem(&header_name, reason(err)),
                    }
                }
                domains = Some(list);
            }
            Column::Summary => match optional_text("summary", Some(cell), SUMMARY_MAX_CHARS) {
                Ok(value) => summary = Some(value),
                Err(err) => problem(&header_name, reason(err)),
            },
            Column::Contact(kind) => {
                let mut list = Vec::new();
                for (index, value) in split_lines(cell).into_iter().enumerate() {
                    match Contact::parse(index, kind.as_str(), None, value) {
                        Ok(contact) => list.push(contact),
                        Err(err) => problem(&header_name, reason(err)),
                    }
                }
                contacts.push((*kind, list));
            }
            Column::Field(key) => {
                if let Some(field) = field_columns.get(key.as_str()) {
                    match field_json(field, cell) {
                        Ok(value) => {
                            fields.insert(key.as_str().to_owned(), value);
                        }
                        Err(message) => problem(&header_name, message),
                    }
                }
            }
            // Users' columns: refused in the header.
            _ => {}
        }
    }
    if problems.count() != before {
        return None;
    }
    Some(OrganizationLine {
        line: row.line,
        name: name?,
        external_id,
        parent,
        domains,
        summary,
        contacts,
        fields,
    })
}

/// An organization in the hierarchy check: one in the database, or a row's new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Node {
    Existing(i64),
    New(usize),
}

/// What the hierarchy check keeps of a row.
struct PlanRow {
    line: u64,
    name: String,
    /// The external id the row gives its organization, if any.
    external_id: Option<String>,
    node: Node,
    /// `Some`: the parent the row gives (`Some(None)`: top level).
    parent: Option<Option<String>>,
}

/// A whole file checked: each row's organization and, resolved, the parent it gives.
pub(super) struct Plan {
    rows: Vec<PlanRow>,
    parents: Vec<Option<Option<Node>>>,
    pub(super) tally: Tally,
}

/// Checks a whole organizations file on `conn` (a snapshot, or the apply's
/// transaction); every problem goes to `problems`.
pub(super) async fn plan<C: ConnectionTrait>(
    conn: &C,
    rows: &mut CsvRows,
    header: &Header,
    problems: &mut Problems,
    progress: &dyn ImportProgress,
) -> Result<Plan> {
    let field_columns = field_columns(conn, header, problems).await?;
    let directory = Directory::load(conn).await?;
    let mut external_ids = Seen::default();
    let mut names = Seen::default();
    let mut matched = Seen::default();
    let mut domains_seen = Seen::default();
    let mut plan = Plan {
        rows: Vec::new(),
        parents: Vec::new(),
        tally: Tally::default(),
    };
    loop {
        let batch = read_batch(rows, problems);
        if batch.is_empty() {
            break;
        }
        let lines: Vec<OrganizationLine> = batch
            .iter()
            .filter_map(|row| parse_line(header, row, &field_columns, problems))
            .collect();
        let existing_ids: Vec<OrganizationId> = lines
            .iter()
            .filter_map(|line| match_existing(&directory, line))
            .map(OrganizationId)
            .collect();
        // The organizations rows update, with their fields: what their contacts and
        // field values are checked against.
        let mut loaded = orgs::get_many(conn, &existing_ids).await?;
        show_fields(conn, &FieldReader::Everything, &mut loaded).await?;
        let existing: HashMap<i64, Organization> =
            loaded.into_iter().map(|o| (o.id.0, o)).collect();
        let domain_names: Vec<&str> = lines
            .iter()
            .flat_map(|line| line.domains.iter().flatten().map(EmailDomain::as_str))
            .collect();
        let owners = domains::owners(conn, &domain_names).await?;

        for line in &lines {
            let before = problems.count();
            let mut problem = |column: Option<&str>, code: &str, message: String| {
                problems.add(Problem::new(line.line, column, code, message));
            };
            let found = match_existing(&directory, line);
            if let Some(Some(external_id)) = &line.external_id
                && let Some(first) = external_ids.earlier(external_id, line.line)
            {
                problem(
                    Some("external_id"),
                    "duplicate_in_file",
                    format!("\"{external_id}\" is also on line {first}"),
                );
            }
            if let Some(first) = names.earlier(line.name.key(), line.line) {
                problem(
                    Some("name"),
                    "duplicate_in_file",
                    format!("\"{}\" is also on line {first}", line.name.as_str()),
                );
            }
            if let Some(id) = found
                && let Some(first) = matched.earlier(&id.to_string(), line.line)
            {
                problem(
                    None,
                    "duplicate_in_file",
                    format!(
                        "this row and line {first} both match the organization \"{}\"",
                        directory.by_id[&id].name
                    ),
                );
            }
            if let Some(&holder) = directory.by_name_key.get(line.name.key())
                && Some(holder) != found
            {
                problem(
                    Some("name"),
                    "name_taken",
                    format!(
                        "another organization is named \"{}\"",
                        directory.by_id[&holder].name
                    ),
                );
            }
            for domain in line.domains.iter().flatten() {
                if let Some(first) = domains_seen.earlier(domain.as_str(), line.line) {
                    problem(
                        Some("domains"),
                        "duplicate_in_file",
                        format!("{domain} is also on line {first}"),
                    );
                }
                if domain.is_free_mail() && !owners.contains_key(domain.as_str()) {
                    problem(
                        Some("domains"),
                        "free_mail_domain",
                        format!(
                            "{domain} is a free mail provider shared by unrelated people; associate it through the organization's page or the API (with \"force\") if it really is theirs"
                        ),
                    );
                }
                if let Some(owner) = owners.get(domain.as_str())
                    && Some(owner.id.0) != found
                {
                    problem(
                        Some("domains"),
                        "domain_taken",
                        format!("{domain} belongs to {}", owner.name),
                    );
                }
            }
            let current = found.and_then(|id| existing.get(&id));
            let kept_contacts = current.map_or(0, |o| {
                o.contacts
                    .iter()
                    .filter(|c| !line.contacts.iter().any(|(kind, _)| *kind == c.kind))
                    .count()
            });
            let given: usize = line.contacts.iter().map(|(_, list)| list.len()).sum();
            if let Err(err) = check_contact_count(kept_contacts + given) {
                problem(
                    line.contacts.first().map(|(kind, _)| kind.as_str()),
                    "invalid",
                    format!("contacts: {}", reason(err)),
                );
            }
            for (key, sent) in &line.fields {
                let field = &field_columns[key];
                let stored = current.and_then(|o| {
                    o.fields
                        .iter()
                        .find(|f| f.key.as_str() == key)
                        .map(|f| &f.value)
                });
                if let Err(err) = FieldValue::parse(field, sent, stored) {
                    problem(Some(&format!("field:{key}")), "invalid", reason(err));
                }
            }
            if problems.count() != before {
                continue;
            }
            let node = match found {
                Some(id) => {
                    plan.tally.updated += 1;
                    Node::Existing(id)
                }
                None => {
                    plan.tally.created += 1;
                    Node::New(plan.rows.len())
                }
            };
            plan.rows.push(PlanRow {
                line: line.line,
                name: line.name.as_str().to_owned(),
                external_id: line.external_id.clone().flatten(),
                node,
                parent: line.parent.clone(),
            });
        }
        plan.tally.rows = rows.rows;
        progress.rows(rows.rows, rows.bytes());
    }
    plan.tally.rows = rows.rows;
    resolve_parents(&directory, &mut plan, problems);
    check_hierarchy(conn, &directory, &plan, problems).await?;
    Ok(plan)
}

/// The organization a row updates: the one with its external id, else its name.
fn match_existing(directory: &Directory, line: &OrganizationLine) -> Option<i64> {
    line.external_id
        .as_ref()
        .and_then(|id| id.as_deref())
        .and_then(|id| directory.by_external_id.get(id))
        .or_else(|| directory.by_name_key.get(line.name.key()))
        .copied()
}

/// Turns each row's `parent` into a node: by external id (a row of the file, else an
/// organization of the database), else by name (the same way round).
fn resolve_parents(directory: &Directory, plan: &mut Plan, problems: &mut Problems) {
    // The file's own organizations by the keys a parent cell may use. A row that
    // updates an organization is that organization, so it is found either way.
    let mut file_by_name: HashMap<String, usize> = HashMap::with_capacity(plan.rows.len());
    let mut file_by_external_id: HashMap<&str, usize> = HashMap::new();
    for (index, row) in plan.rows.iter().enumerate() {
        file_by_name.insert(name_key(&row.name), index);
        if let Some(external_id) = &row.external_id {
            file_by_external_id.insert(external_id, index);
        }
    }
    let node_of = |index: usize| plan.rows[index].node;
    let mut parents = Vec::with_capacity(plan.rows.len());
    for row in &plan.rows {
        let resolved = match &row.parent {
            None => None,
            Some(None) => Some(None),
            Some(Some(reference)) => {
                let found = file_by_external_id
                    .get(reference.as_str())
                    .map(|i| node_of(*i))
                    .or_else(|| {
                        directory
                            .by_external_id
                            .get(reference.as_str())
                            .map(|id| Node::Existing(*id))
                    })
                    .or_else(|| file_by_name.get(&name_key(reference)).map(|i| node_of(*i)))
                    .or_else(|| {
                        directory
                            .by_name_key
                            .get(&name_key(reference))
                            .map(|id| Node::Existing(*id))
                    });
                match found {
                    Some(node) => Some(Some(node)),
                    None => {
                        problems.add(Problem::new(
                            row.line,
                            Some("parent"),
                            "unknown_parent",
                            format!(
                                "no organization in the file or the database has the external_id or name \"{reference}\""
                            ),
                        ));
                        None
                    }
                }
            }
        };
        parents.push(resolved);
    }
    plan.parents = parents;
}

/// Walks the hierarchy the file would make, from each of its rows up to a root: a
/// cycle is reported on every row on it, a level beyond [`MAX_DEPTH`] on the row.
async fn check_hierarchy<C: ConnectionTrait>(
    conn: &C,
    directory: &Directory,
    plan: &Plan,
    problems: &mut Problems,
) -> Result<()> {
    let row_of_existing: HashMap<i64, usize> = plan
        .rows
        .iter()
        .enumerate()
        .filter_map(|(index, row)| match row.node {
            Node::Existing(id) => Some((id, index)),
            Node::New(_) => None,
        })
        .collect();
    let row_of = |node: Node| match node {
        Node::New(index) => Some(index),
        Node::Existing(id) => row_of_existing.get(&id).copied(),
    };
    let parent_of = |node: Node| -> Option<Node> {
        if let Some(index) = row_of(node)
            && let Some(given) = plan.parents[index]
        {
            return given;
        }
        match node {
            Node::Existing(id) => directory
                .by_id
                .get(&id)
                .and_then(|e| e.parent_id)
                .map(Node::Existing),
            Node::New(_) => None,
        }
    };
    let describe = |node: Node| match (row_of(node), node) {
        (Some(index), _) => format!("line {} ({})", plan.rows[index].line, plan.rows[index].name),
        (None, Node::Existing(id)) => format!(
            "{} (in the database)",
            directory.by_id.get(&id).map_or("?", |e| e.name.as_str())
        ),
        (None, Node::New(_)) => unreachable!("new organizations are rows"),
    };
    // Levels known so far; `None` for a node on (or under) a cycle.
    let mut levels: HashMap<Node, Option<usize>> = HashMap::new();
    for row in &plan.rows {
        let mut path: Vec<Node> = Vec::new();
        let mut at = row.node;
        let base = loop {
            if let Some(level) = levels.get(&at) {
                break *level;
            }
            if let Some(start) = path.iter().position(|n| *n == at) {
                let cycle = &path[start..];
                let mut names: Vec<String> = cycle.iter().map(|n| describe(*n)).collect();
                names.push(describe(at));
                for node in cycle {
                    if let Some(index) = row_of(*node) {
                        problems.add(Problem::new(
                            plan.rows[index].line,
                            Some("parent"),
                            "hierarchy_cycle",
                            format!(
                                "the parents make a cycle (each under the next): {}",
                                names.join(" → ")
                            ),
                        ));
                    }
                }
                break None;
            }
            path.push(at);
            match parent_of(at) {
                Some(parent) if path.len() <= MAX_DEPTH + 1 => at = parent,
                Some(_) => break None,
                None => {
                    path.pop();
                    levels.insert(at, Some(0));
                    break Some(0);
                }
            }
        };
        // Down the path: each node one level below the one above it.
        let mut level = base;
        for node in path.iter().rev() {
            level = level.map(|l| l + 1);
            levels.insert(*node, level);
        }
    }
    for (index, row) in plan.rows.iter().enumerate() {
        let Some(Some(level)) = levels.get(&row.node) else {
            continue;
        };
        // An organization of the database that moves takes its subtree along.
        let below = match (row.node, plan.parents[index]) {
            (Node::Existing(id), Some(parent)) => {
                let current = directory.by_id.get(&id).and_then(|e| e.parent_id);
                if parent != current.map(Node::Existing) {
                    orgs::subtree_height(conn, OrganizationId(id)).await?
                } else {
                    0
                }
            }
            _ => 0,
        };
        if level + below > MAX_DEPTH {
            problems.add(Problem::new(
                row.line,
                Some("parent"),
                "hierarchy_too_deep",
                format!(
                    "this would nest organizations {} levels deep; at most {MAX_DEPTH}",
                    level + below
                ),
            ));
        }
    }
    Ok(())
}

/// Applies an organizations file inside `tx`: checked again there (the database may
/// have changed since validation), then written row by row, then the parents that name
/// rows further down the file.
/// Checks every row of an organizations file on a snapshot; problems go to `problems`.
pub(super) async fn validate(
    app: &crate::App,
    rows: &mut CsvRows,
    header: &Header,
    problems: &mut Problems,
    progress: &dyn ImportProgress,
) -> Result<Tally> {
    let reads = app.store().begin_read().await?;
    let plan = plan(&reads, rows, header, problems, progress).await?;
    orgdesk_store::finish_read(reads).await?;
    Ok(plan.tally)
}

pub(super) async fn apply<C: ConnectionTrait>(
    tx: &C,
    actor: &Actor,
    path: &std::path::Path,
    progress: &dyn ImportProgress,
) -> std::result::Result<Tally, Refusal> {
    lock_hierarchy(tx).await?;
    let mut problems = Problems::default();
    let (mut rows, header) = super::open_file(orgdesk_core::bulk::RecordKind::Organizations, path)
        .map_err(|found| Refusal::Problems(Problems::from(found)))?;
    let plan = plan(tx, &mut rows, &header, &mut problems, &super::NoProgress).await?;
    if !problems.is_empty() {
        return Err(Refusal::Problems(problems));
    }
    let field_columns = field_columns(tx, &header, &mut problems).await?;
    let (mut rows, header) = super::open_file(orgdesk_core::bulk::RecordKind::Organizations, path)
        .map_err(|found| Refusal::Problems(Problems::from(found)))?;
    let writer = FieldReader::Everything;
    let at = now_ms();
    // Each row's organization once written, and whether the row changed anything.
    let mut ids: Vec<Option<OrganizationId>> = vec![None; plan.rows.len()];
    let mut changed: Vec<bool> = vec![false; plan.rows.len()];
    let mut tally = Tally {
        rows: plan.tally.rows,
        ..Tally::default()
    };
    let mut index = 0;
    loop {
        let batch = read_batch(&mut rows, &mut problems);
        if batch.is_empty() {
            break;
        }
        for row in &batch {
            let line = parse_line(&header, row, &field_columns, &mut problems)
                .ok_or_else(|| Refusal::Problems(std::mem::take(&mut problems)))?;
            let planned = &plan.rows[index];
            // A parent already written is set now; one further down, once it exists.
            let parent_now: Option<Option<OrganizationId>> = match plan.parents[index] {
                None => None,
                Some(None) => Some(None),
                Some(Some(Node::Existing(id))) => Some(Some(OrganizationId(id))),
                Some(Some(Node::New(at))) => ids[at].map(Some),
            };
            match planned.node {
                Node::Existing(id) => {
                    changed[index] = update_existing(
                        tx,
                        actor,
                        &writer,
                        OrganizationId(id),
                        &line,
                        parent_now,
                        at,
                    )
                    .await?;
                    ids[index] = Some(OrganizationId(id));
                }
                Node::New(_) => {
                    ids[index] = Some(
                        create_new(tx, actor, &writer, &line, parent_now.flatten(), at).await?,
                    );
                    changed[index] = true;
                    tally.created += 1;
                }
            }
            index += 1;
        }
        progress.rows(rows.rows, rows.bytes());
    }
    // Parents that were rows further down the file.
    for (index, planned) in plan.rows.iter().enumerate() {
        let Some(Some(Node::New(parent_index))) = plan.parents[index] else {
            continue;
        };
        if parent_index < index {
            continue;
        }
        let child = ids[index].expect("every row was written");
        let parent = ids[parent_index].expect("every row was written");
        let old = orgs::find_head(tx, child)
            .await?
            .and_then(|h| h.parent_id)
            .map(OrganizationId);
        if old == Some(parent) {
            continue;
        }
        orgs::set_parent(tx, child, Some(parent), at).await?;
        let change = Change::new("parent_id", old.map(|p| p.0), parent.0);
        record_all(
            tx,
            parent_moved(actor, child, old, Some(parent), vec![change], at),
        )
        .await?;
        if matches!(planned.node, Node::Existing(_)) {
            changed[index] = true;
        }
    }
    for (planned, changed) in plan.rows.iter().zip(&changed) {
        if let Node::Existing(_) = planned.node {
            if *changed {
                tally.updated += 1;
            } else {
                tally.unchanged += 1;
            }
        }
    }
    if !problems.is_empty() {
        return Err(Refusal::Problems(problems));
    }
    Ok(tally)
}

fn contacts_json(contacts: &[Contact]) -> Value {
    serde_json::to_value(contacts).unwrap_or(Value::Null)
}

/// Creates a row's organization, with its domains and fields, recorded as the API's
/// creation is.
async fn create_new<C: ConnectionTrait>(
    tx: &C,
    actor: &Actor,
    writer: &FieldReader,
    line: &OrganizationLine,
    parent: Option<OrganizationId>,
    at: i64,
) -> Result<OrganizationId> {
    let contacts: Vec<Contact> = line
        .contacts
        .iter()
        .flat_map(|(_, list)| list.iter().cloned())
        .collect();
    let summary = line.summary.clone().flatten();
    let external_id = line.external_id.clone().flatten();
    let id = orgs::insert(
        tx,
        &orgs::NewOrganizationRow {
            name: line.name.as_str(),
            name_key: line.name.key(),
            summary: summary.as_deref(),
            contacts: &contacts,
            parent_id: parent,
            external_id: external_id.as_deref(),
            at,
        },
    )
    .await?;
    let domains_given = line.domains.clone().unwrap_or_default();
    for domain in &domains_given {
        domains::insert(tx, id, domain.as_str(), at).await?;
    }
    let field_changes = write_values(tx, writer, id, &line.fields).await?;
    let created = Created {
        id,
        name: line.name.as_str(),
        summary: summary.as_deref(),
        parent,
        contacts: &contacts,
        domains: &domains_given,
        external_id: external_id.as_deref(),
        field_changes,
    };
    record_all(tx, created.records(actor, at)).await?;
    Ok(id)
}

/// Brings an organization in line with a row; whether anything changed. `parent`:
/// `Some` sets it (`Some(None)`: top level).
async fn update_existing<C: ConnectionTrait>(
    tx: &C,
    actor: &Actor,
    writer: &FieldReader,
    id: OrganizationId,
    line: &OrganizationLine,
    parent: Option<Option<OrganizationId>>,
    at: i64,
) -> Result<bool> {
    let current = orgs::find(tx, id)
        .await?
        .ok_or_else(|| Error::not_found(orgdesk_core::Entity::Organization, id))?;
    let mut recorded = Vec::new();
    if line.name.as_str() != current.name {
        recorded.push(Change::new(
            "name",
            current.name.as_str(),
            line.name.as_str(),
        ));
    }
    let mut summary = current.summary.clone();
    if let Some(given) = &line.summary
        && *given != current.summary
    {
        recorded.push(Change::new(
            "summary",
            current.summary.clone(),
            given.clone(),
        ));
        summary = given.clone();
    }
    let mut contacts = current.contacts.clone();
    if !line.contacts.is_empty() {
        // Contacts of a kind the file lists are replaced, unless they are the same
        // values (then any labels they carry stay); other kinds stay as they are.
        let mut next: Vec<Contact> = Vec::new();
        for contact in &current.contacts {
            match line.contacts.iter().find(|(kind, _)| *kind == contact.kind) {
                None => next.push(contact.clone()),
                Some((_, given)) => {
                    let held: Vec<&str> = current
                        .contacts
                        .iter()
                        .filter(|c| c.kind == contact.kind)
                        .map(|c| c.value.as_str())
                        .collect();
                    let wanted: Vec<&str> = given.iter().map(|c| c.value.as_str()).collect();
                    if held == wanted {
                        next.push(contact.clone());
                    }
                }
            }
        }
        for (kind, given) in &line.contacts {
            let kept = next.iter().any(|c| c.kind == *kind);
            if !kept {
                next.extend(given.iter().cloned());
            }
        }
        if next != current.contacts {
            recorded.push(Change::new(
                "contacts",
                contacts_json(&current.contacts),
                contacts_json(&next),
            ));
            contacts = next;
        }
    }
    let mut external_id = current.external_id.clone();
    if let Some(given) = &line.external_id
        && *given != current.external_id
    {
        recorded.push(Change::new(
            "external_id",
            current.external_id.clone(),
            given.clone(),
        ));
        external_id = given.clone();
    }
    let mut parent_id = current.parent_id;
    if let Some(given) = parent
        && given != current.parent_id
    {
        recorded.push(Change::new(
            "parent_id",
            current.parent_id.map(|p| p.0),
            given.map(|p| p.0),
        ));
        parent_id = given;
    }
    if let Some(wanted) = &line.domains {
        let held = &current.domains;
        let wanted_names: Vec<&str> = wanted.iter().map(EmailDomain::as_str).collect();
        let mut sorted_held: Vec<&str> = held.iter().map(String::as_str).collect();
        let mut sorted_wanted = wanted_names.clone();
        sorted_held.sort_unstable();
        sorted_wanted.sort_unstable();
        if sorted_held != sorted_wanted {
            for domain in held {
                if !wanted_names.contains(&domain.as_str()) {
                    domains::delete(tx, id, domain).await?;
                }
            }
            for domain in &wanted_names {
                if !held.iter().any(|d| d == domain) {
                    domains::insert(tx, id, domain, at).await?;
                }
            }
            recorded.push(Change::new("domains", json!(held), json!(wanted_names)));
        }
    }
    recorded.extend(write_values(tx, writer, id, &line.fields).await?);
    if recorded.is_empty() {
        return Ok(false);
    }
    let written = orgs::update(
        tx,
        id,
        current.version,
        &orgs::OrganizationUpdate {
            name: line.name.as_str(),
            name_key: line.name.key(),
            summary: summary.as_deref(),
            contacts: &contacts,
            parent_id,
            external_id: external_id.as_deref(),
            at,
        },
    )
    .await?;
    if !written {
        return Err(Error::VersionConflict {
            expected: current.version,
            current: current.version + 1,
        });
    }
    record_all(
        tx,
        parent_moved(actor, id, current.parent_id, parent_id, recorded, at),
    )
    .await?;
    Ok(true)
}
