//! Certificate roles: a *client* reads the event stream, a *sensor* feeds events in through the
//! ingest endpoint. The role is part of the certificate subject — organisation (O)
//! `eStreamer client` or `eStreamer sensor`, and organisational unit (OU) `sensor` for
//! sensors — so a certificate cannot be used for the other port: each port's identity check
//! ([`crate::check_peer`] with [`crate::IdentityPolicy::role`]) refuses the other role.

use serde::{Deserialize, Serialize};

/// Organization (O) put in every sensor certificate subject.
pub const SENSOR_ORGANIZATION: &str = "eStreamer sensor";
/// Organizational unit (OU) put in every sensor certificate subject.
pub const SENSOR_UNIT: &str = "sensor";

/// What a certificate may do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Read the event stream (port 8302). Every certificate that is not a sensor's, so
    /// certificates issued before roles existed keep working.
    #[default]
    Client,
    /// Feed events through the ingest endpoint.
    Sensor,
}

impl Role {
    /// The role's name, as in `clients.json` and messages.
    pub fn name(self) -> &'static str {
        match self {
            Role::Client => "client",
            Role::Sensor => "sensor",
        }
    }

    /// The role a certificate subject names: sensor when its organisations include
    /// [`SENSOR_ORGANIZATION`], client otherwise.
    pub fn of_organizations<'a>(mut orgs: impl Iterator<Item = &'a str>) -> Role {
        if orgs.any(|o| o == SENSOR_ORGANIZATION) {
            Role::Sensor
        } else {
            Role::Client
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
