//! `apply` and `destroy` end to end.
