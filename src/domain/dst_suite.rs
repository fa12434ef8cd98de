//! The DST test suite (filled in with the recurrence module).
