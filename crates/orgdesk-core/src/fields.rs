//! Custom organization fields: their definitions (key, type, choices, who may view and
//! edit them) and their values, parsed by type. A value travels as JSON in the API and
//! is stored as text rows (one per chosen item of a multiple choice), each with the key
//! that `?field.KEY=` filters match.

use crate::day::{format_day, parse_day};
use crate::error::{Error, Result};
use crate::ids::AgentId;
use crate::model::Agent;
use crate::text::bounded_text;
use rust_decimal::Decimal;
use serde_json::Value;
use std::str::FromStr;
use time::Date;

/// Identifies a field definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldId(pub i64);

impl std::fmt::Display for FieldId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

pub const KEY_MAX_CHARS: usize = 64;
pub const LABEL_MAX_CHARS: usize = 100;
pub const CHOICE_MAX_CHARS: usize = 100;
pub const MAX_CHOICES: usize = 500;
pub const TEXT_MAX_CHARS: usize = 255;
pub const LONG_TEXT_MAX_CHARS: usize = 10_000;
pub const URL_MAX_CHARS: usize = 2_048;
/// Digits a number may carry: JSON readers take numbers as 64-bit floats, which hold
/// 15 significant decimal digits exactly, so every stored number reads back as written.
pub const NUMBER_MAX_DIGITS: u32 = 15;

/// A field's stable name in the API (`fields.tier`, `?field.tier=`): a lower-case
/// letter, then lower-case letters, digits and underscores.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldKey(String);

impl FieldKey {
    pub fn parse(input: &str) -> Result<Self> {
        let key = input.trim();
        let valid_start = key.starts_with(|c: char| c.is_ascii_lowercase());
        let valid_rest = key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid_start || !valid_rest || key.len() > KEY_MAX_CHARS {
            return Err(Error::validation(
                "key",
                format!(
                    "must start with a lower-case letter and hold only a-z, 0-9 and _ (at most {KEY_MAX_CHARS}); got \"{key}\""
                ),
            ));
        }
        Ok(Self(key.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for FieldKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text,
    LongText,
    Number,
    Date,
    Choice,
    MultiChoice,
    Checkbox,
    Url,
}

impl FieldType {
    pub const ALL: [FieldType; 8] = [
        FieldType::Text,
        FieldType::LongText,
        FieldType::Number,
        FieldType::Date,
        FieldType::Choice,
        FieldType::MultiChoice,
        FieldType::Checkbox,
        FieldType::Url,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::LongText => "long_text",
            FieldType::Number => "number",
            FieldType::Date => "date",
            FieldType::Choice => "choice",
            FieldType::MultiChoice => "multi_choice",
            FieldType::Checkbox => "checkbox",
            FieldType::Url => "url",
        }
    }

    pub fn parse(input: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == input)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|t| t.as_str()).collect();
                Error::validation(
                    "type",
                    format!("must be one of {}; got \"{input}\"", names.join(", ")),
                )
            })
    }

    pub fn has_choices(self) -> bool {
        matches!(self, FieldType::Choice | FieldType::MultiChoice)
    }

    /// Whether `?field.KEY=` may filter by it (long texts are not indexed).
    pub fn filterable(self) -> bool {
        self != FieldType::LongText
    }
}

/// Who a permission admits besides admins, who may always view and edit every field
/// (they can change the permissions anyway).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Agents,
    Admins,
    Chosen,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Agents => "agents",
            Audience::Admins => "admins",
            Audience::Chosen => "chosen",
        }
    }

    pub fn parse(field: &str, input: &str) -> Result<Self> {
        match input {
            "agents" => Ok(Audience::Agents),
            "admins" => Ok(Audience::Admins),
            "chosen" => Ok(Audience::Chosen),
            _ => Err(Error::validation(
                field,
                format!("must be agents, admins or chosen; got \"{input}\""),
            )),
        }
    }
}

/// Who may view, or edit, a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub audience: Audience,
    /// The chosen agents; empty unless the audience is `Chosen`.
    pub agents: Vec<AgentId>,
}

impl Access {
    pub fn everyone() -> Self {
        Self {
            audience: Audience::Agents,
            agents: Vec::new(),
        }
    }

    /// Builds an access from its audience and chosen agents: agents are named only for
    /// `chosen`, and are then sorted without repeats.
    pub fn new(field: &str, audience: Audience, mut agents: Vec<AgentId>) -> Result<Self> {
        if audience != Audience::Chosen && !agents.is_empty() {
            return Err(Error::validation(
                field,
                format!(
                    "agents are chosen only when the audience is \"chosen\" (it is \"{}\")",
                    audience.as_str()
                ),
            ));
        }
        agents.sort();
        agents.dedup();
        Ok(Self { audience, agents })
    }

    pub fn admits(&self, agent: &Agent) -> bool {
        agent.admin
            || match self.audience {
                Audience::Agents => true,
                Audience::Admins => false,
                Audience::Chosen => self.agents.contains(&agent.id),
            }
    }

    /// Whether everyone this admits is also admitted by `wider`.
    fn within(&self, wider: &Access) -> bool {
        match (wider.audience, self.audience) {
            (Audience::Agents, _) | (_, Audience::Admins) => true,
            (Audience::Admins, _) => false,
            (Audience::Chosen, Audience::Agents) => false,
            (Audience::Chosen, Audience::Chosen) => {
                self.agents.iter().all(|a| wider.agents.contains(a))
            }
        }
    }
}

/// Refuses permissions under which someone could edit a field they may not view.
pub fn check_access(view: &Access, edit: &Access) -> Result<()> {
    if edit.within(view) {
        Ok(())
    } else {
        Err(Error::validation(
            "edit",
            "everyone who may edit the field must also be allowed to view it",
        ))
    }
}

/// A field's choices: the ones offered, and retired ones that stored values may still
/// hold but nobody can newly pick.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Choices {
    pub active: Vec<String>,
    pub retired: Vec<String>,
}

impl Choices {
    /// Parses both lists: each choice trimmed, 1–100 characters, one line, and no two
    /// alike in any letter case across both lists.
    pub fn parse(field_type: FieldType, active: &[String], retired: &[String]) -> Result<Self> {
        if !field_type.has_choices() {
            if active.is_empty() && retired.is_empty() {
                return Ok(Self::default());
            }
            return Err(Error::validation(
                "choices",
                format!("a {} field has no choices", field_type.as_str()),
            ));
        }
        if active.is_empty() {
            return Err(Error::validation(
                "choices",
                "a choice field needs at least one choice",
            ));
        }
        if active.len() + retired.len() > MAX_CHOICES {
            return Err(Error::validation(
                "choices",
                format!("at most {MAX_CHOICES} choices"),
            ));
        }
        let parse_list = |field: &str, list: &[String]| -> Result<Vec<String>> {
            list.iter()
                .map(|choice| {
                    let choice = bounded_text(field, choice, CHOICE_MAX_CHARS)?;
                    if choice.contains(['\n', '\r', '\t']) {
                        return Err(Error::validation(field, "each choice is a single line"));
                    }
                    Ok(choice)
                })
                .collect()
        };
        let choices = Self {
            active: parse_list("choices", active)?,
            retired: parse_list("retired_choices", retired)?,
        };
        let mut seen = std::collections::HashSet::new();
        for choice in choices.active.iter().chain(&choices.retired) {
            if !seen.insert(choice.to_lowercase()) {
                return Err(Error::validation(
                    "choices",
                    format!("\"{choice}\" is listed twice"),
                ));
            }
        }
        Ok(choices)
    }

    /// The stored spelling of `input` among the offered choices, in any letter case.
    fn find_active(&self, input: &str) -> Option<&str> {
        let input = input.trim();
        self.active
            .iter()
            .find(|c| c.to_lowercase() == input.to_lowercase())
            .map(String::as_str)
    }

    /// Every choice, offered or retired, that was dropped from both lists by `next`.
    pub fn removed_by<'a>(&'a self, next: &Choices) -> Vec<&'a str> {
        self.active
            .iter()
            .chain(&self.retired)
            .filter(|c| !next.active.contains(c) && !next.retired.contains(c))
            .map(String::as_str)
            .collect()
    }
}

/// An admin-defined organization field.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDefinition {
    pub id: FieldId,
    pub key: FieldKey,
    pub label: String,
    pub field_type: FieldType,
    pub choices: Choices,
    pub view: Access,
    pub edit: Access,
    /// Members of the organization see the value in the portal.
    pub portal_visible: bool,
    /// 1-based place in the order fields are shown.
    pub position: i64,
    /// Hidden everywhere; values are kept and come back when it is restored.
    pub retired: bool,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl FieldDefinition {
    pub fn visible_to(&self, agent: &Agent) -> bool {
        !self.retired && self.view.admits(agent)
    }

    pub fn editable_by(&self, agent: &Agent) -> bool {
        !self.retired && self.edit.admits(agent)
    }

    /// The name a value of this field goes by in errors and history: `fields.KEY`.
    pub fn path(&self) -> String {
        format!("fields.{}", self.key)
    }
}

/// A value as one reader sees it on an organization.
#[derive(Debug, Clone, PartialEq)]
pub struct ShownField {
    pub key: FieldKey,
    pub label: String,
    pub field_type: FieldType,
    pub value: FieldValue,
}

impl ShownField {
    pub fn json(&self) -> Value {
        self.value.to_json(self.field_type)
    }
}

/// A field label: one line, 1–100 characters.
pub fn parse_label(input: &str) -> Result<String> {
    let label = bounded_text("label", input, LABEL_MAX_CHARS)?;
    if label.contains(['\n', '\r', '\t']) {
        return Err(Error::validation("label", "must be a single line"));
    }
    Ok(label)
}

/// A custom field's value, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    Text(String),
    Number(Decimal),
    Date(Date),
    Checkbox(bool),
    Url(String),
    /// The chosen items, in the order of the field's choices; one for a single choice.
    Choices(Vec<String>),
}

/// One stored row of a value: the value as text, and the key filters match (none for
/// long texts, which are not indexed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredValue {
    pub value: String,
    pub filter_key: Option<String>,
}

impl FieldValue {
    /// Parses a value sent for `field`; `None` for JSON null or a blank string, which
    /// clear it. `stored` is the organization's current value: a retired choice it
    /// already holds may stay, but nobody can newly pick one.
    pub fn parse(
        field: &FieldDefinition,
        input: &Value,
        stored: Option<&FieldValue>,
    ) -> Result<Option<FieldValue>> {
        let path = field.path();
        let invalid = |message: String| Error::validation(path.clone(), message);
        if input.is_null() || input.as_str().is_some_and(|s| s.trim().is_empty()) {
            return Ok(None);
        }
        let text = || {
            input
                .as_str()
                .ok_or_else(|| invalid(format!("must be a string, not {}", json_kind(input))))
        };
        let value = match field.field_type {
            FieldType::Text => {
                let text = bounded_text(&path, text()?, TEXT_MAX_CHARS)?;
                if text.contains(['\n', '\r']) {
                    return Err(invalid(
                        "must be a single line (use a long text field)".into(),
                    ));
                }
                FieldValue::Text(text)
            }
            FieldType::LongText => FieldValue::Text(bounded_text(
                &path,
                &text()?.replace("\r\n", "\n"),
                LONG_TEXT_MAX_CHARS,
            )?),
            FieldType::Number => FieldValue::Number(parse_number(&path, input)?),
            FieldType::Date => FieldValue::Date(parse_day(&path, text()?)?),
            FieldType::Checkbox => FieldValue::Checkbox(input.as_bool().ok_or_else(|| {
                invalid(format!("must be true or false, not {}", json_kind(input)))
            })?),
            FieldType::Url => FieldValue::Url(parse_url(&path, text()?)?),
            FieldType::Choice => {
                let chosen = pick_choice(field, &path, text()?, stored)?;
                FieldValue::Choices(vec![chosen])
            }
            FieldType::MultiChoice => {
                let items = input.as_array().ok_or_else(|| {
                    invalid(format!(
                        "must be a list of choices, not {}",
                        json_kind(input)
                    ))
                })?;
                let mut picked = Vec::new();
                for item in items {
                    let item = item.as_str().ok_or_else(|| {
                        invalid(format!(
                            "each choice must be a string, not {}",
                            json_kind(item)
                        ))
                    })?;
                    let chosen = pick_choice(field, &path, item, stored)?;
                    if !picked.contains(&chosen) {
                        picked.push(chosen);
                    }
                }
                if picked.is_empty() {
                    return Ok(None);
                }
                FieldValue::Choices(in_choice_order(&field.choices, picked))
            }
        };
        Ok(Some(value))
    }

    /// The value as the API shows it.
    pub fn to_json(&self, field_type: FieldType) -> Value {
        match self {
            FieldValue::Text(text) | FieldValue::Url(text) => Value::String(text.clone()),
            FieldValue::Number(number) => number_json(*number),
            FieldValue::Date(date) => Value::String(format_day(*date)),
            FieldValue::Checkbox(checked) => Value::Bool(*checked),
            FieldValue::Choices(items) if field_type == FieldType::Choice => items
                .first()
                .map(|c| Value::String(c.clone()))
                .unwrap_or(Value::Null),
            FieldValue::Choices(items) => {
                Value::Array(items.iter().cloned().map(Value::String).collect())
            }
        }
    }

    /// The value as people read it on a page.
    pub fn display(&self) -> String {
        match self {
            FieldValue::Text(text) | FieldValue::Url(text) => text.clone(),
            FieldValue::Number(number) => number.to_string(),
            FieldValue::Date(date) => format_day(*date),
            FieldValue::Checkbox(true) => "Yes".into(),
            FieldValue::Checkbox(false) => "No".into(),
            FieldValue::Choices(items) => items.join(", "),
        }
    }

    /// The rows that store the value.
    pub fn stored(&self, field_type: FieldType) -> Vec<StoredValue> {
        let row = |value: String| StoredValue {
            filter_key: filter_key_of(field_type, &value),
            value,
        };
        match self {
            FieldValue::Choices(items) => items.iter().cloned().map(row).collect(),
            FieldValue::Checkbox(checked) => vec![row(checked.to_string())],
            FieldValue::Number(number) => vec![row(number.to_string())],
            FieldValue::Date(date) => vec![row(format_day(*date))],
            FieldValue::Text(text) | FieldValue::Url(text) => vec![row(text.clone())],
        }
    }

    /// Reads a value back from its stored rows (`None` when there are none).
    pub fn from_stored(field: &FieldDefinition, rows: Vec<String>) -> Result<Option<FieldValue>> {
        let unreadable = |row: &str| {
            Error::internal(format!(
                "field {} holds an unreadable value \"{row}\"",
                field.key
            ))
        };
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let value = match field.field_type {
            FieldType::Text | FieldType::LongText => FieldValue::Text(first.clone()),
            FieldType::Url => FieldValue::Url(first.clone()),
            FieldType::Number => {
                FieldValue::Number(Decimal::from_str(first).map_err(|_| unreadable(first))?)
            }
            FieldType::Date => {
                FieldValue::Date(parse_day("date", first).map_err(|_| unreadable(first))?)
            }
            FieldType::Checkbox => FieldValue::Checkbox(first == "true"),
            FieldType::Choice | FieldType::MultiChoice => {
                FieldValue::Choices(in_choice_order(&field.choices, rows))
            }
        };
        Ok(Some(value))
    }

    /// The filter key `?field.KEY=input` matches, parsed by the field's type.
    pub fn filter_key(field: &FieldDefinition, input: &str) -> Result<String> {
        let path = format!("field.{}", field.key);
        if !field.field_type.filterable() {
            return Err(Error::validation(
                path,
                "long text fields cannot be filtered on",
            ));
        }
        let json = match field.field_type {
            FieldType::Checkbox => match input.trim() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                other => {
                    return Err(Error::validation(
                        path,
                        format!("must be true or false; got \"{other}\""),
                    ));
                }
            },
            FieldType::MultiChoice => Value::Array(vec![Value::String(input.to_owned())]),
            _ => Value::String(input.to_owned()),
        };
        // Retired choices may be filtered on: organizations still hold them.
        let mut all = field.clone();
        all.choices
            .active
            .extend(all.choices.retired.iter().cloned());
        let value = FieldValue::parse(&all, &json, None)
            .map_err(|err| match err {
                Error::Validation { message, .. } => Error::validation(path.clone(), message),
                other => other,
            })?
            .ok_or_else(|| Error::validation(path.clone(), "must not be blank"))?;
        value
            .stored(field.field_type)
            .into_iter()
            .next()
            .and_then(|row| row.filter_key)
            .ok_or_else(|| Error::validation(path, "cannot be filtered on"))
    }

    /// Whether the value holds `choice` (for counting before a choice is dropped).
    pub fn holds_choice(&self, choice: &str) -> bool {
        matches!(self, FieldValue::Choices(items) if items.iter().any(|c| c == choice))
    }
}

/// The key `?field.KEY=` filters match for one stored row of a `field_type` value:
/// text and choices in lower case (matched in any letter case), long texts none (not
/// indexed), anything else as stored.
pub fn filter_key_of(field_type: FieldType, stored: &str) -> Option<String> {
    match field_type {
        FieldType::LongText => None,
        FieldType::Text | FieldType::Choice | FieldType::MultiChoice => Some(stored.to_lowercase()),
        _ => Some(stored.to_owned()),
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A number as a JSON number or a decimal string: exact, at most 15 significant digits.
fn parse_number(path: &str, input: &Value) -> Result<Decimal> {
    let text = match input {
        Value::Number(number) => number.to_string(),
        Value::String(text) => text.trim().to_owned(),
        other => {
            return Err(Error::validation(
                path,
                format!("must be a number, not {}", json_kind(other)),
            ));
        }
    };
    let number = Decimal::from_str_exact(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .map_err(|_| Error::validation(path, format!("must be a decimal number; got \"{text}\"")))?
        .normalize();
    let digits = significant_digits(number);
    if digits > NUMBER_MAX_DIGITS {
        return Err(Error::validation(
            path,
            format!("must have at most {NUMBER_MAX_DIGITS} significant digits (got {digits})"),
        ));
    }
    Ok(number)
}

fn significant_digits(number: Decimal) -> u32 {
    let mantissa = number.mantissa().unsigned_abs();
    if mantissa == 0 {
        1
    } else {
        mantissa.ilog10() + 1
    }
}

/// A stored number as a JSON number: at most 15 significant digits, so the float that
/// JSON carries prints back as exactly these digits.
fn number_json(number: Decimal) -> Value {
    let text = number.to_string();
    serde_json::from_str::<Value>(&text)
        .ok()
        .filter(Value::is_number)
        .unwrap_or(Value::String(text))
}

fn parse_url(path: &str, input: &str) -> Result<String> {
    let text = input.trim();
    if text.chars().count() > URL_MAX_CHARS {
        return Err(Error::validation(
            path,
            format!("must be at most {URL_MAX_CHARS} characters"),
        ));
    }
    let url = url::Url::parse(text)
        .map_err(|err| Error::validation(path, format!("must be a web address ({err})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(Error::validation(
            path,
            format!("must be an http or https address; got \"{text}\""),
        ));
    }
    Ok(text.to_owned())
}

fn pick_choice(
    field: &FieldDefinition,
    path: &str,
    input: &str,
    stored: Option<&FieldValue>,
) -> Result<String> {
    if let Some(choice) = field.choices.find_active(input) {
        return Ok(choice.to_owned());
    }
    let kept = stored.and_then(|value| match value {
        FieldValue::Choices(items) => items.iter().find(|c| c.as_str() == input.trim()),
        _ => None,
    });
    if let Some(kept) = kept {
        return Ok(kept.clone());
    }
    Err(Error::validation(
        path,
        format!(
            "\"{}\" is not one of the choices ({})",
            input.trim(),
            field.choices.active.join(", ")
        ),
    ))
}

/// Orders chosen items as the field lists its choices (offered, then retired); items
/// no longer listed at all go last.
fn in_choice_order(choices: &Choices, mut items: Vec<String>) -> Vec<String> {
    let rank = |item: &String| {
        choices
            .active
            .iter()
            .chain(&choices.retired)
            .position(|c| c == item)
            .unwrap_or(usize::MAX)
    };
    items.sort_by_key(rank);
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn agent(id: i64, admin: bool) -> Agent {
        Agent {
            id: AgentId(id),
            name: format!("Agent {id}"),
            email: format!("a{id}@example.com"),
            admin,
            disabled: false,
            created_at: 0,
        }
    }

    fn field(field_type: FieldType, choices: &[&str]) -> FieldDefinition {
        FieldDefinition {
            id: FieldId(1),
            key: FieldKey::parse("tier").unwrap(),
            label: "Tier".into(),
            field_type,
            choices: Choices {
                active: choices.iter().map(|c| c.to_string()).collect(),
                retired: Vec::new(),
            },
            view: Access::everyone(),
            edit: Access::everyone(),
            portal_visible: false,
            position: 1,
            retired: false,
            version: 1,
            created_at: 0,
            updated_at: 0,
        }
    }

    fn parse(field_type: FieldType, input: Value) -> Result<Option<FieldValue>> {
        FieldValue::parse(&field(field_type, &["Gold", "Silver"]), &input, None)
    }

    fn message(result: Result<Option<FieldValue>>) -> String {
        match result {
            Err(Error::Validation { field, message }) => format!("{field}: {message}"),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn keys_are_lower_case_letters_digits_and_underscores_starting_with_a_letter() {
        for good in ["tier", "contract_2026", "a"] {
            assert_eq!(FieldKey::parse(good).unwrap().as_str(), good);
        }
        for bad in [
            "",
            "Tier",
            "2fast",
            "_x",
            "with-dash",
            "spa ce",
            "é",
            &"a".repeat(65),
        ] {
            assert!(FieldKey::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn numbers_are_exact_decimals_of_at_most_fifteen_digits() {
        assert_eq!(
            parse(FieldType::Number, json!("12.50")).unwrap(),
            Some(FieldValue::Number(Decimal::new(125, 1)))
        );
        assert_eq!(
            parse(FieldType::Number, json!(250)).unwrap(),
            Some(FieldValue::Number(Decimal::new(250, 0)))
        );
        let value = parse(FieldType::Number, json!("0.1")).unwrap().unwrap();
        assert_eq!(value.to_json(FieldType::Number), json!(0.1));
        assert_eq!(value.stored(FieldType::Number)[0].value, "0.1");
        assert!(message(parse(FieldType::Number, json!("12,5"))).contains("decimal number"));
        assert!(message(parse(FieldType::Number, json!(true))).contains("not a boolean"));
        assert!(
            message(parse(FieldType::Number, json!("1234567890.123456")))
                .contains("at most 15 significant digits (got 16)")
        );
        let big = parse(FieldType::Number, json!("999999999999999"))
            .unwrap()
            .unwrap();
        assert_eq!(
            big.to_json(FieldType::Number),
            json!(999_999_999_999_999_i64)
        );
    }

    #[test]
    fn dates_are_year_month_day() {
        let value = parse(FieldType::Date, json!("2026-02-28"))
            .unwrap()
            .unwrap();
        assert_eq!(value.to_json(FieldType::Date), json!("2026-02-28"));
        for bad in ["2026-02-30", "28/02/2026", "2026-2-8", "tomorrow"] {
            assert!(
                message(parse(FieldType::Date, json!(bad))).contains("YYYY-MM-DD"),
                "{bad}"
            );
        }
    }

    #[test]
    fn urls_must_be_http_or_https_with_a_host() {
        let value = parse(FieldType::Url, json!(" https://acme.example/crm?id=4 ")).unwrap();
        assert_eq!(
            value,
            Some(FieldValue::Url("https://acme.example/crm?id=4".into()))
        );
        for bad in [
            "ftp://acme.example",
            "javascript:alert(1)",
            "acme.example",
            "https://",
        ] {
            assert!(
                parse(FieldType::Url, json!(bad)).is_err(),
                "{bad} was accepted"
            );
        }
    }

    #[test]
    fn choices_come_from_the_list_in_any_letter_case() {
        assert_eq!(
            parse(FieldType::Choice, json!("gold")).unwrap(),
            Some(FieldValue::Choices(vec!["Gold".into()]))
        );
        assert_eq!(
            message(parse(FieldType::Choice, json!("Bronze"))),
            "fields.tier: \"Bronze\" is not one of the choices (Gold, Silver)"
        );
        let multi = parse(FieldType::MultiChoice, json!(["silver", "Gold", "gold"]))
            .unwrap()
            .unwrap();
        assert_eq!(
            multi.to_json(FieldType::MultiChoice),
            json!(["Gold", "Silver"])
        );
        assert_eq!(parse(FieldType::MultiChoice, json!([])).unwrap(), None);
    }

    #[test]
    fn a_retired_choice_may_be_kept_but_not_newly_picked() {
        let mut tier = field(FieldType::Choice, &["Gold"]);
        tier.choices.retired = vec!["Bronze".into()];
        let held = FieldValue::Choices(vec!["Bronze".into()]);
        assert_eq!(
            FieldValue::parse(&tier, &json!("Bronze"), Some(&held)).unwrap(),
            Some(held.clone())
        );
        assert!(FieldValue::parse(&tier, &json!("Bronze"), None).is_err());
    }

    #[test]
    fn null_and_blank_clear_a_value() {
        for field_type in FieldType::ALL {
            assert_eq!(
                FieldValue::parse(&field(field_type, &["A"]), &Value::Null, None).unwrap(),
                None
            );
        }
        assert_eq!(parse(FieldType::Text, json!("  ")).unwrap(), None);
    }

    #[test]
    fn text_is_one_line_and_long_text_keeps_its_line_breaks() {
        assert!(message(parse(FieldType::Text, json!("a\nb"))).contains("single line"));
        assert_eq!(
            parse(FieldType::LongText, json!("line one\r\nline two")).unwrap(),
            Some(FieldValue::Text("line one\nline two".into()))
        );
        let long = parse(FieldType::LongText, json!("x")).unwrap().unwrap();
        assert_eq!(long.stored(FieldType::LongText)[0].filter_key, None);
    }

    #[test]
    fn stored_values_read_back_as_they_were() {
        let cases = [
            (FieldType::Text, json!("Acme Gold")),
            (FieldType::LongText, json!("a\nb")),
            (FieldType::Number, json!(-3.25)),
            (FieldType::Date, json!("1999-12-31")),
            (FieldType::Checkbox, json!(false)),
            (FieldType::Url, json!("http://acme.example")),
            (FieldType::Choice, json!("Silver")),
            (FieldType::MultiChoice, json!(["Gold", "Silver"])),
        ];
        for (field_type, input) in cases {
            let definition = field(field_type, &["Gold", "Silver"]);
            let value = FieldValue::parse(&definition, &input, None)
                .unwrap()
                .unwrap();
            let rows = value
                .stored(field_type)
                .into_iter()
                .map(|r| r.value)
                .collect();
            let back = FieldValue::from_stored(&definition, rows).unwrap().unwrap();
            assert_eq!(back, value, "{field_type:?}");
            assert_eq!(back.to_json(field_type), input, "{field_type:?}");
        }
    }

    #[test]
    fn filters_match_text_in_any_letter_case_and_numbers_by_value() {
        let text = field(FieldType::Text, &[]);
        assert_eq!(FieldValue::filter_key(&text, "GOLD").unwrap(), "gold");
        let number = field(FieldType::Number, &[]);
        assert_eq!(FieldValue::filter_key(&number, "250.0").unwrap(), "250");
        let checkbox = field(FieldType::Checkbox, &[]);
        assert!(FieldValue::filter_key(&checkbox, "yes").is_err());
        let long = field(FieldType::LongText, &[]);
        assert!(FieldValue::filter_key(&long, "x").is_err());
        let mut multi = field(FieldType::MultiChoice, &["Gold"]);
        multi.choices.retired = vec!["Bronze".into()];
        assert_eq!(FieldValue::filter_key(&multi, "bronze").unwrap(), "bronze");
    }

    #[test]
    fn admins_view_and_edit_everything_and_chosen_agents_only_their_fields() {
        let chosen = Access::new("view", Audience::Chosen, vec![AgentId(7)]).unwrap();
        assert!(chosen.admits(&agent(7, false)));
        assert!(!chosen.admits(&agent(8, false)));
        assert!(chosen.admits(&agent(8, true)));
        let admins = Access::new("view", Audience::Admins, vec![]).unwrap();
        assert!(!admins.admits(&agent(7, false)));
        assert!(Access::everyone().admits(&agent(8, false)));
        assert!(Access::new("view", Audience::Agents, vec![AgentId(1)]).is_err());
    }

    #[test]
    fn nobody_may_edit_a_field_they_may_not_view() {
        let everyone = Access::everyone();
        let admins = Access::new("x", Audience::Admins, vec![]).unwrap();
        let seven = Access::new("x", Audience::Chosen, vec![AgentId(7)]).unwrap();
        let seven_eight = Access::new("x", Audience::Chosen, vec![AgentId(7), AgentId(8)]).unwrap();
        assert!(check_access(&everyone, &everyone).is_ok());
        assert!(check_access(&everyone, &admins).is_ok());
        assert!(check_access(&seven_eight, &seven).is_ok());
        assert!(check_access(&seven, &admins).is_ok());
        assert!(check_access(&admins, &everyone).is_err());
        assert!(check_access(&admins, &seven).is_err());
        assert!(check_access(&seven, &seven_eight).is_err());
        assert!(check_access(&seven, &everyone).is_err());
    }

    #[test]
    fn choices_are_unique_in_any_letter_case_across_offered_and_retired() {
        let ok = Choices::parse(FieldType::Choice, &["Gold".into()], &["Bronze".into()]).unwrap();
        assert_eq!(ok.active, ["Gold"]);
        assert!(Choices::parse(FieldType::Choice, &["Gold".into(), "gold".into()], &[]).is_err());
        assert!(Choices::parse(FieldType::Choice, &["Gold".into()], &["GOLD".into()]).is_err());
        assert!(Choices::parse(FieldType::Choice, &[], &[]).is_err());
        assert!(Choices::parse(FieldType::Text, &["Gold".into()], &[]).is_err());
        let next = Choices::parse(FieldType::Choice, &["Gold".into()], &[]).unwrap();
        assert_eq!(ok.removed_by(&next), ["Bronze"]);
    }
}
