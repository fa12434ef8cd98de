//! The errors a use-case can end in. `Display` is what the person sees, so every
//! variant's text is a kind sentence that says how to go on; storage failures show
//! a generic sentence with a reference, and the cause is logged against it.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input can't be used as it is; the sentence says how to fix it.
    #[error("{0}")]
    Invalid(String),
    /// The thing named doesn't exist (or isn't visible to this person).
    #[error("{0}")]
    NotFound(String),
    /// This person's role doesn't allow it; the sentence names the role needed.
    #[error("{0}")]
    Forbidden(String),
    /// Something failed on hearth's side. Nothing was changed.
    #[error(
        "Sorry, something went wrong on my side and nothing was changed. Please try again in a \
         moment; if it keeps happening, tell a coordinator and mention reference {reference}."
    )]
    Internal { reference: String },
}

impl AppError {
    pub fn invalid(message: impl Into<String>) -> Self {
        AppError::Invalid(message.into())
    }

    /// An internal failure: logs the whole cause chain under a fresh reference.
    pub fn internal(cause: &(dyn std::error::Error + 'static)) -> Self {
        let reference = new_reference();
        let chain = crate::report::cause_chain(cause);
        tracing::error!(%reference, error = %chain, "command failed");
        AppError::Internal { reference }
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        AppError::internal(&error)
    }
}

/// Domain rule errors carry the sentence the person sees.
macro_rules! invalid_from {
    ($($ty:ty),* $(,)?) => {
        $(impl From<$ty> for AppError {
            fn from(error: $ty) -> Self {
                AppError::Invalid(error.to_string())
            }
        })*
    };
}

invalid_from!(
    crate::domain::group::GroupRuleError,
    crate::domain::time::ZoneError,
    crate::domain::time::WhenError,
    crate::domain::time::DurationError,
    crate::domain::recurrence::RecurrenceError,
    crate::domain::reminder::OffsetError,
    crate::domain::text::TextError,
    crate::domain::dropin::HoursError,
);

/// A short reference like `E7F3A2C1` that ties a member's report to a log line.
fn new_reference() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    format!("E{:08X}", hasher.finish() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_internal_error_hides_its_cause_but_gives_a_reference() {
        let error = AppError::from(StoreError::Corrupt("secret detail".into()));
        let shown = error.to_string();
        assert!(!shown.contains("secret detail"));
        assert!(shown.contains("reference E"), "{shown}");
    }
}
