//! `plan` end to end.
