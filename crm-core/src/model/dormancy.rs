//! Dormancy: where a client stands against its own buying rhythm.

use serde::{Deserialize, Serialize};

use super::{ClientId, code_enum};

code_enum!(
    /// The dormancy ladder: a client moves down it as time passes without a purchase and back to the
    /// top with a purchase.
    DormancyState, "dormancy" {
        /// Buying in its usual rhythm.
        Active = "active",
        /// Later than usual.
        Cooling = "cooling",
        /// Well past its usual rhythm.
        Dormant = "dormant",
        /// Gone, as far as the rhythm tells.
        Lost = "lost",
    }
);

/// A client's move on the dormancy ladder, found by `run_due`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DormancyChange {
    /// The client.
    pub client_id: ClientId,
    /// Where it was (none: not placed on the ladder before).
    pub from: Option<DormancyState>,
    /// Where it is now.
    pub to: DormancyState,
}
