//! Findings and fixes: what every language front end produces and every renderer consumes.

use std::collections::{BTreeMap, BTreeSet};

use crate::edit::TextEdit;

/// The safety of applying a fix without reading it, ordered from the safest to the least safe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Applicability {
    /// Keeps the program's meaning and compiles; `--apply` writes it.
    Safe,
    /// Probably right, but mockfix could not prove it; written only with `--unsafe-fixes`.
    NeedsReview,
    /// Known to leave the double unsynchronized, so it is shown as a starting point for a change
    /// by hand and never written, not even with `--unsafe-fixes`.
    DisplayOnly,
}

impl Applicability {
    /// Returns the name used in the JSON, SARIF and GitHub output and in the messages on stderr.
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::NeedsReview => "needs-review",
            Applicability::DisplayOnly => "display-only",
        }
    }

    /// Chooses the applicability of a planned fix from the reasons it falls short: `unfinished`
    /// lists what the fix is known to leave unsynchronized, and `review` what mockfix could not
    /// prove. Returns it with the reasons joined, the unfinished ones first, or `None` for a safe
    /// fix.
    pub fn from_reasons(unfinished: &[String], review: &[String]) -> (Applicability, Option<String>) {
        let applicability = if !unfinished.is_empty() {
            Applicability::DisplayOnly
        } else if !review.is_empty() {
            Applicability::NeedsReview
        } else {
            return (Applicability::Safe, None);
        };
        let reasons: Vec<&str> = unfinished.iter().chain(review).map(String::as_str).collect();
        (applicability, Some(reasons.join("; ")))
    }
}

/// A planned fix for one finding: every edit it needs in the finding's file.
#[derive(Clone, Debug)]
pub struct Fix {
    /// Sentence-case title saying what the fix does.
    pub title: String,
    pub applicability: Applicability,
    /// The reason the fix needs review or is display-only; set when `applicability` is not `Safe`.
    pub review_reason: Option<String>,
    /// Edits of the struct, its constructors, methods and use sites. Import edits are planned
    /// later for the whole file, once it is known which fixes are applied together.
    pub edits: Vec<TextEdit>,
    /// The change to the double's type, which its uses in other files must follow.
    pub conversion: Conversion,
}

/// How a fix changes a double, so that its uses in other files can change with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Conversion {
    /// These `RefCell` fields became `Mutex`es, locked with `.{lock_call}`.
    Wrap {
        fields: Vec<String>,
        /// `Mutex`, or `tokio::sync::Mutex` for state held across `.await`.
        mutex_type: String,
        lock_call: String,
        /// For each method of the double, the fields it locks, directly or through other methods.
        method_locks: BTreeMap<String, BTreeSet<String>>,
    },
    /// A `Mutex<()>` field of this name was added, which every struct literal must initialise.
    Guard {
        field: String,
        /// `Mutex`, or `tokio::sync::Mutex` for a guard held across `.await`.
        mutex_type: String,
    },
    /// Go: the methods of the double lock the `sync.Mutex` or `sync.RWMutex` field `field`.
    GoGuard {
        field: String,
        /// The fix adds the field, so composite literals that list the fields by position stop
        /// compiling.
        field_added: bool,
        /// The fields that the lock guards; methods declared in other files must not touch them.
        state_fields: Vec<String>,
        /// Methods that run only while their caller holds the lock, so no other code may call
        /// them.
        unlocked_helpers: Vec<String>,
    },
    /// `Rc` became `Arc` and `Rc<RefCell<T>>` became `Arc<Mutex<T>>` for these fields, and in the
    /// results of these functions.
    Rc {
        fields: Vec<String>,
        functions: Vec<SharedResult>,
        lock_call: String,
        method_locks: BTreeMap<String, BTreeSet<String>>,
    },
    /// These `Cell` fields became atomics or `Mutex`es.
    Cell {
        fields: Vec<CellField>,
        /// `Ordering` variants of a load, a store and a read-modify-write.
        orderings: (String, String, String),
        lock_call: String,
        method_locks: BTreeMap<String, BTreeSet<String>>,
    },
    /// A `static mut` of this name became a `static` atomic or `Mutex`.
    StaticMut {
        form: StaticForm,
        /// `Ordering` variants of a load, a store and a read-modify-write.
        orderings: (String, String, String),
        lock_call: String,
    },
    /// These `UnsafeCell` fields became atomics or `Mutex`es and these `RefCell` fields
    /// `Mutex`es, and the double's `unsafe impl Sync` and `unsafe impl Send` were removed.
    UnsafeSyncCell {
        fields: Vec<CellField>,
        refcell_fields: Vec<String>,
        orderings: (String, String, String),
        lock_call: String,
        method_locks: BTreeMap<String, BTreeSet<String>>,
    },
}

/// The new type of a converted `static mut`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StaticForm {
    /// An atomic of this type, such as `AtomicUsize`, for an integer or `bool`.
    Atomic(String),
    /// A `Mutex` around the old value.
    Mutex,
    /// A `LazyLock<Mutex<T>>` for an `Option<T>` that every use filled on first access with
    /// `get_or_insert_with`.
    LazyMutex,
}

/// A function whose result holds converted `Rc<RefCell<T>>` values, so that locals bound from it
/// are converted too: all of the result, or the listed elements of a returned tuple.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedResult {
    pub function: String,
    /// `None` when the whole result is shared; otherwise the tuple positions that are.
    pub positions: Option<Vec<usize>>,
}

/// A `Cell` field and what replaces it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellField {
    pub name: String,
    /// The atomic type, such as `AtomicUsize`, or `None` for a `Mutex`.
    pub atomic: Option<String>,
}

/// A double declared in another file whose fix this file's uses must follow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForeignDouble {
    pub struct_name: String,
    pub conversion: Conversion,
}

/// A test double whose shared state is not synchronized.
#[derive(Clone, Debug)]
pub struct Finding {
    pub rule_id: String,
    pub struct_name: String,
    /// Byte range of the struct's name.
    pub name_range: (usize, usize),
    /// The fields whose type the fix changes; code elsewhere that reaches them must change too.
    pub changed_fields: Vec<String>,
    /// Places in the same file that show the problem, such as the first `borrow_mut()` of a
    /// cell or the `unsafe impl Sync`, for editors to point at.
    pub related: Vec<Related>,
    /// What is unsynchronized and why it matters.
    pub message: String,
    /// The fix, or `None` when no correct fix could be planned.
    pub fix: Option<Fix>,
    /// Why there is no fix; set when `fix` is `None`.
    pub unfixable_reason: Option<String>,
}

/// A place that shows a finding's problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    /// Byte range in the finding's file.
    pub range: (usize, usize),
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::Applicability;

    #[test]
    fn unfinished_reasons_make_display_only() {
        let unfinished = vec!["leaves a `Cell`".to_string()];
        let review = vec!["a use may not follow".to_string()];
        assert_eq!(
            Applicability::from_reasons(&unfinished, &review),
            (
                Applicability::DisplayOnly,
                Some("leaves a `Cell`; a use may not follow".to_string())
            )
        );
        assert_eq!(
            Applicability::from_reasons(&[], &review),
            (Applicability::NeedsReview, Some("a use may not follow".to_string()))
        );
        assert_eq!(Applicability::from_reasons(&[], &[]), (Applicability::Safe, None));
    }

    #[test]
    fn display_only_is_least_safe() {
        assert!(Applicability::Safe < Applicability::NeedsReview);
        assert!(Applicability::NeedsReview < Applicability::DisplayOnly);
    }
}
