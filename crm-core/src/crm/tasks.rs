//! Tasks and the agenda.
