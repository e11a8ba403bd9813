//! The organization hierarchy rule: an organization can never be its own ancestor.
//!
//! Storage supplies the chain of the proposed parent (the parent, then its parent, up
//! to a root), read inside the write transaction under the hierarchy lock; this module
//! decides. Keeping the decision pure lets the property tests below run it against a
//! simple in-memory model.

use crate::error::{Error, Result};
use crate::ids::OrganizationId;

/// The deepest level an organization may sit at: a root is level 0. Every recursive
/// walk of the hierarchy stops here, so a stored cycle (which no write can make, but a
/// hand-edited database could) never loops forever; and since no write may nest deeper,
/// a walk that reaches the bound on a sound hierarchy never truncates anything.
pub const MAX_DEPTH: usize = 1000;

/// One organization in an ancestor chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainLink {
    pub id: OrganizationId,
    pub name: String,
}

/// Refuses a parent that would make `child` its own ancestor, or nest `child`'s subtree
/// (`child_height` levels below it) deeper than [`MAX_DEPTH`]. `parent_chain` starts
/// with the proposed parent and walks up to its root, as read by a walk bounded at
/// `MAX_DEPTH` levels: a chain that long never ended, so it is refused, not trusted.
/// The cycle error's path runs from `child` down to the proposed parent, so a person
/// can see which links to undo.
pub fn check_new_parent(
    child: OrganizationId,
    child_name: &str,
    parent_chain: &[ChainLink],
    child_height: usize,
) -> Result<()> {
    match parent_chain.iter().position(|link| link.id == child) {
        None => check_depth(parent_chain.len() + child_height),
        Some(at) => {
            let mut path: Vec<String> = parent_chain[..at]
                .iter()
                .rev()
                .map(|link| link.name.clone())
                .collect();
            path.insert(0, child_name.to_owned());
            Err(Error::HierarchyCycle { path })
        }
    }
}

/// Refuses nesting anything at `level` when it is beyond [`MAX_DEPTH`].
pub fn check_depth(level: usize) -> Result<()> {
    if level > MAX_DEPTH {
        Err(Error::HierarchyTooDeep { max: MAX_DEPTH })
    } else {
        Ok(())
    }
}

/// Why an organization cannot be chosen as a child of another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CandidateReason {
    /// The organization itself.
    SelfOrganization,
    /// One of its ancestors: making it a child would close a cycle.
    Ancestor,
    /// Already a direct child.
    AlreadyChild,
}

impl CandidateReason {
    pub fn as_str(self) -> &'static str {
        match self {
            CandidateReason::SelfOrganization => "self",
            CandidateReason::Ancestor => "ancestor",
            CandidateReason::AlreadyChild => "already_child",
        }
    }
}

/// Classifies `candidate` (whose current parent is `candidate_parent`) as a child of
/// `organization`, whose ancestors are `ancestors`.
pub fn classify_child_candidate(
    organization: OrganizationId,
    ancestors: &[OrganizationId],
    candidate: OrganizationId,
    candidate_parent: Option<OrganizationId>,
) -> Option<CandidateReason> {
    if candidate == organization {
        Some(CandidateReason::SelfOrganization)
    } else if ancestors.contains(&candidate) {
        Some(CandidateReason::Ancestor)
    } else if candidate_parent == Some(organization) {
        Some(CandidateReason::AlreadyChild)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    fn link(id: i64, name: &str) -> ChainLink {
        ChainLink {
            id: OrganizationId(id),
            name: name.into(),
        }
    }

    #[test]
    fn parent_outside_the_subtree_is_accepted() {
        assert!(
            check_new_parent(OrganizationId(9), "Nine", &[link(2, "B"), link(1, "A")], 0).is_ok()
        );
    }

    #[test]
    fn self_as_parent_is_a_cycle_of_one() {
        let err = check_new_parent(OrganizationId(1), "A", &[link(1, "A")], 0).unwrap_err();
        assert!(matches!(err, Error::HierarchyCycle { ref path } if path == &["A"]));
    }

    #[test]
    fn grandchild_as_parent_names_the_path_down_to_it() {
        // C's chain: C → B → A; making C the parent of A closes A → B → C → A.
        let err = check_new_parent(
            OrganizationId(1),
            "A",
            &[link(3, "C"), link(2, "B"), link(1, "A")],
            0,
        )
        .unwrap_err();
        assert!(matches!(err, Error::HierarchyCycle { ref path } if path == &["A", "B", "C"]));
    }

    fn chain_of(len: usize) -> Vec<ChainLink> {
        (0..len as i64)
            .rev()
            .map(|id| link(id + 100, "X"))
            .collect()
    }

    #[test]
    fn a_subtree_may_reach_the_deepest_level_but_not_pass_it() {
        // A parent at level 9 (a chain of ten) takes a child at level 10.
        let parent = chain_of(10);
        let child = OrganizationId(1);
        assert!(check_new_parent(child, "C", &parent, MAX_DEPTH - 10).is_ok());
        let err = check_new_parent(child, "C", &parent, MAX_DEPTH - 9).unwrap_err();
        assert!(matches!(err, Error::HierarchyTooDeep { max: MAX_DEPTH }));
    }

    #[test]
    fn a_chain_that_reaches_the_walks_bound_is_refused_not_trusted() {
        // A stored cycle above the parent reads as a chain cut at the bound.
        let endless = chain_of(MAX_DEPTH + 1);
        let err = check_new_parent(OrganizationId(1), "C", &endless, 0).unwrap_err();
        assert!(matches!(err, Error::HierarchyTooDeep { .. }));
    }

    #[test]
    fn candidates_are_classified_with_their_reason() {
        let org = OrganizationId(2);
        let ancestors = [OrganizationId(1)];
        let classify =
            |id, parent| classify_child_candidate(org, &ancestors, OrganizationId(id), parent);
        assert_eq!(
            classify(2, Some(OrganizationId(1))),
            Some(CandidateReason::SelfOrganization)
        );
        assert_eq!(classify(1, None), Some(CandidateReason::Ancestor));
        assert_eq!(classify(3, Some(org)), Some(CandidateReason::AlreadyChild));
        assert_eq!(classify(4, None), None);
        assert_eq!(classify(5, Some(OrganizationId(1))), None);
    }

    /// A forest held as a parent map: the simple model the rule is checked against.
    #[derive(Default)]
    struct Forest {
        parent: HashMap<i64, i64>,
    }

    impl Forest {
        fn chain(&self, start: i64) -> Vec<ChainLink> {
            let mut chain = vec![link(start, &start.to_string())];
            let mut at = start;
            while let Some(&up) = self.parent.get(&at) {
                assert!(
                    chain.len() <= self.parent.len() + 1,
                    "the forest holds a cycle"
                );
                chain.push(link(up, &up.to_string()));
                at = up;
            }
            chain
        }

        /// The model's own answer: `child` may go under `parent` unless walking up from
        /// `parent` reaches `child`.
        fn model_allows(&self, child: i64, parent: i64) -> bool {
            let mut at = Some(parent);
            while let Some(node) = at {
                if node == child {
                    return false;
                }
                at = self.parent.get(&node).copied();
            }
            true
        }
    }

    proptest! {
        #[test]
        fn random_parent_changes_never_form_a_cycle_and_agree_with_the_model(
            moves in prop::collection::vec((0i64..12, prop::option::weighted(0.85, 0i64..12)), 1..200)
        ) {
            let mut forest = Forest::default();
            for (child, parent) in moves {
                match parent {
                    None => { forest.parent.remove(&child); }
                    Some(parent) => {
                        let verdict = check_new_parent(OrganizationId(child), &child.to_string(), &forest.chain(parent), 0);
                        prop_assert_eq!(verdict.is_ok(), forest.model_allows(child, parent));
                        if let Err(Error::HierarchyCycle { path }) = &verdict {
                            // The path starts at the child and ends at the proposed parent.
                            prop_assert_eq!(path.first().unwrap(), &child.to_string());
                            prop_assert_eq!(path.last().unwrap(), &parent.to_string());
                        }
                        if verdict.is_ok() {
                            forest.parent.insert(child, parent);
                        }
                    }
                }
                // Every node still reaches a root: chain() asserts it terminates.
                for node in 0..12 {
                    forest.chain(node);
                }
            }
        }
    }
}
