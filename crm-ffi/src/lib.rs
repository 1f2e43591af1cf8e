//! The C ABI of crmkit (`libcrm`). The full set of functions comes with its own issue; for now the
//! library builds and tells its version.

/// The version of the library, as a NUL-terminated string with static lifetime.
#[unsafe(no_mangle)]
pub extern "C" fn crm_version() -> *const std::ffi::c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}
