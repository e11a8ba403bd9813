//! Usergroups grant named permissions, such as `portal.chat` or `kb.category:12`.

use crate::error::{Error, Result};

pub const PERMISSIONS_MAX: usize = 100;
const PERMISSION_MAX_CHARS: usize = 100;

/// Parses a permission list: each entry a lower-case dotted name (`portal.chat`),
/// optionally scoped with `:` (`kb.category:12`); duplicates are refused.
pub fn parse_permissions(inputs: &[String]) -> Result<Vec<String>> {
    if inputs.len() > PERMISSIONS_MAX {
        return Err(Error::validation(
            "permissions",
            format!("at most {PERMISSIONS_MAX} entries"),
        ));
    }
    let mut permissions: Vec<String> = Vec::with_capacity(inputs.len());
    for (index, input) in inputs.iter().enumerate() {
        let field = format!("permissions[{index}]");
        let permission = input.trim();
        let (name, scope) = match permission.split_once(':') {
            Some((name, scope)) => (name, Some(scope)),
            None => (permission, None),
        };
        let name_ok = name.len() <= PERMISSION_MAX_CHARS
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
            && !name.ends_with('.');
        let scope_ok = scope.is_none_or(|s| {
            !s.is_empty()
                && s.len() <= PERMISSION_MAX_CHARS
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-".contains(c))
        });
        if !name_ok || !scope_ok {
            return Err(Error::validation(
                field,
                format!(
                    "\"{permission}\" is not a permission (e.g. portal.chat or kb.category:12)"
                ),
            ));
        }
        if permissions.iter().any(|p| p == permission) {
            return Err(Error::validation(
                field,
                format!("\"{permission}\" is listed twice"),
            ));
        }
        permissions.push(permission.to_owned());
    }
    Ok(permissions)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(list: &[&str]) -> Result<Vec<String>> {
        parse_permissions(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn dotted_names_with_optional_scope_are_permissions() {
        assert_eq!(
            parse(&[" portal.chat ", "kb.category:12"]).unwrap(),
            ["portal.chat", "kb.category:12"]
        );
    }

    #[test]
    fn malformed_and_repeated_permissions_are_refused_naming_the_entry() {
        for bad in [
            "",
            "Portal.chat",
            "portal chat",
            "portal.",
            "kb.category:",
            "kb.category:a b",
            "9lives",
        ] {
            let err = parse(&["portal.chat", bad]).unwrap_err();
            assert!(
                matches!(err, Error::Validation { ref field, .. } if field == "permissions[1]"),
                "{bad:?}"
            );
        }
        assert!(parse(&["portal.chat", "portal.chat"]).is_err());
    }
}
