//! The native part of the Python package `crmkit`. The bindings come with their own issue; for now the
//! crate builds against crm-core.

/// The version of crm-core this package is built on.
pub fn core_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}
