//! Issue 10 part (being written).
