//! Usergroups grant named permissions from a catalogue the product defines: what a
//! member may do in the Help Center portal.

use crate::error::{Error, Result};

/// Every permission a usergroup can grant, with what it allows. The API documents
/// this list as the permissions' enum; anything else is refused.
pub const PERMISSIONS: &[(&str, &str)] = &[
    ("portal.tickets", "open and follow tickets in the portal"),
    ("portal.chat", "chat with agents from the portal"),
    ("portal.kb", "read knowledge base articles"),
    ("portal.guides", "read guides"),
    ("portal.downloads", "download published files"),
    ("portal.news", "read news posts"),
    ("portal.feedback", "post and vote on feedback"),
];

/// The permission names of the catalogue, in its order.
pub fn permission_names() -> impl Iterator<Item = &'static str> {
    PERMISSIONS.iter().map(|(name, _)| *name)
}

/// Parses a permission list: each entry a name from [`PERMISSIONS`] (surrounding
/// spaces ignored), none twice. The error names the entry: `permissions[1]`.
pub fn parse_permissions(inputs: &[String]) -> Result<Vec<String>> {
    let mut permissions: Vec<String> = Vec::with_capacity(inputs.len());
    for (index, input) in inputs.iter().enumerate() {
        let field = format!("permissions[{index}]");
        let permission = input.trim();
        if !permission_names().any(|name| name == permission) {
            return Err(Error::validation(
                field,
                format!(
                    "\"{permission}\" is not a permission; the permissions are {}",
                    permission_names().collect::<Vec<_>>().join(", ")
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
    fn permissions_of_the_catalogue_are_accepted_in_the_order_given() {
        assert_eq!(
            parse(&[" portal.chat ", "portal.kb"]).unwrap(),
            ["portal.chat", "portal.kb"]
        );
        let all: Vec<&str> = permission_names().collect();
        assert_eq!(parse(&all).unwrap(), all);
    }

    #[test]
    fn permissions_outside_the_catalogue_or_repeated_are_refused_naming_the_entry() {
        for bad in [
            "",
            "root.everything",
            "Portal.chat",
            "portal chat",
            "portal.chat:12",
            "kb.category:12",
        ] {
            let err = parse(&["portal.chat", bad]).unwrap_err();
            assert!(
                matches!(err, Error::Validation { ref field, ref message }
                    if field == "permissions[1]" && message.contains("portal.tickets")),
                "{bad:?}: {err}"
            );
        }
        assert!(parse(&["portal.chat", "portal.chat"]).is_err());
    }
}
