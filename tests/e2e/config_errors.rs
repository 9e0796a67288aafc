//! Config errors: every problem at once, with file:line:column.
