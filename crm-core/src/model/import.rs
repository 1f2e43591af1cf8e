//! Import of spreadsheets: what is imported, how, and what came of it.

use super::code_enum;

code_enum!(
    /// What a spreadsheet holds: one record per row (orders: one line per row, rows with the same order
    /// number make one order).
    ImportKind, "kind" {
        /// Clients (companies or persons).
        Clients = "clients",
        /// Contact persons of clients.
        Contacts = "contacts",
        /// Leads (requests).
        Leads = "leads",
        /// Orders (one line per row).
        Orders = "orders",
    }
);
