//! How failures are told to operators: the whole cause chain in one line, so a log
//! line or a start-up failure says "the database /var/lib/hearth.db could not be
//! opened: unable to open database file: …" rather than "database error".

use std::error::Error;

/// `error` and each of its sources, joined with ": ".
pub fn cause_chain(error: &(dyn Error + 'static)) -> String {
    let mut chain = error.to_string();
    let mut source = error.source();
    while let Some(next) = source {
        let text = next.to_string();
        // thiserror's `#[error("{0}")]` wrappers repeat their source: say it once.
        if !chain.ends_with(&text) {
            chain.push_str(": ");
            chain.push_str(&text);
        }
        source = next.source();
    }
    chain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("the database x.db could not be opened")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn the_chain_names_every_cause_once() {
        let error = Outer(std::io::Error::other("permission denied"));
        assert_eq!(
            cause_chain(&error),
            "the database x.db could not be opened: permission denied"
        );
    }
}
