//! The flow table: every kind of synthetic connection as one row of data — who talks to whom,
//! on which port and protocol, with which application and client, under which access-control
//! rule, for how long and how many bytes. `connection.rs` reads a row; only the three flows
//! with application details (outbound web, DNS, inbound web) have a [`Detail`] step of their
//! own.
//!
//! Adding a flow is adding a [`Flow`] variant and its row (the weights are relative).

use crate::world::{app, client, Role, RuleUse};

/// Kind of traffic of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flow {
    Web,
    Dns,
    Ntp,
    Smb,
    Ldap,
    Kerberos,
    Ssh,
    Rdp,
    MailOut,
    InboundWeb,
    Backup,
}

/// Number of [`Flow`] variants.
pub(crate) const FLOW_KINDS: usize = Flow::Backup as usize + 1;

/// Which host takes one end of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// Any workstation behind the connection's device.
    Workstation,
    /// An IPv4 workstation behind the device.
    WorkstationV4,
    /// The internal host of this role behind the device.
    Internal(Role),
    /// An external host of this role (any address family).
    External(Role),
    /// An external host of this role with an IPv4 address.
    ExternalV4(Role),
    /// A web site in the initiator's address family, known-bad 6% of the time (when there is
    /// one in that family).
    Site,
}

/// Both ends of a connection, and its duration range in seconds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ends {
    pub init: End,
    pub resp: End,
    pub duration: (u32, u32),
}

/// The ends of a flow: fixed, or one of two with a chance in percent (drawn first).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Endpoints {
    One(Ends),
    Either { pct: u64, yes: Ends, no: Ends },
}

/// Application details a flow draws after its ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Detail {
    None,
    /// Outbound browsing: the site decides the URL category, reputation, web application and
    /// whether it is blocked; TLS 75%, a browser (or Windows Update), a path, a response.
    Web,
    /// A DNS query (a site or an internal name), its record type, response and TTL.
    Dns,
    /// The public web server: TLS 60%, a path, a browser, a response.
    InboundWeb,
}

/// One row of the flow table.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FlowProfile {
    pub flow: Flow,
    /// Relative weight among connections.
    pub weight: u32,
    /// Only the first device (the HQ) sees it (the DMZ servers it reaches are there).
    pub first_device: bool,
    pub ends: Endpoints,
    /// Responder port (the plain-text one for web flows; TLS uses 443).
    pub port: u16,
    /// 6 TCP, 17 UDP.
    pub proto: u8,
    /// Application protocol (63) and client application (55); web flows choose their own.
    pub app: u32,
    pub client: u32,
    /// Access-control rule that allows it.
    pub rule: RuleUse,
    /// Initiator and responder byte ranges.
    pub init_bytes: (u64, u64),
    pub resp_bytes: (u64, u64),
    pub detail: Detail,
}

const fn one(init: End, resp: End, duration: (u32, u32)) -> Endpoints {
    Endpoints::One(Ends { init, resp, duration })
}

const fn ends(init: End, resp: End, duration: (u32, u32)) -> Ends {
    Ends { init, resp, duration }
}

use End::*;

/// The flows, with their weights.
pub(crate) const FLOWS: &[FlowProfile] = &[
    FlowProfile {
        flow: Flow::Web,
        weight: 40,
        first_device: false,
        ends: one(Workstation, Site, (1, 180)),
        port: 80,
        proto: 6,
        app: app::HTTP,
        client: client::CHROME,
        rule: RuleUse::Web,
        init_bytes: (400, 25_000),
        resp_bytes: (1_500, 4_000_000),
        detail: Detail::Web,
    },
    FlowProfile {
        flow: Flow::Dns,
        weight: 18,
        first_device: false,
        ends: Endpoints::Either {
            pct: 75,
            yes: ends(WorkstationV4, Internal(Role::DomainController), (0, 0)),
            no: ends(Internal(Role::DomainController), External(Role::ExternalDns), (0, 0)),
        },
        port: 53,
        proto: 17,
        app: app::DNS,
        client: client::DNS,
        rule: RuleUse::Infra,
        init_bytes: (60, 90),
        resp_bytes: (90, 400),
        detail: Detail::Dns,
    },
    FlowProfile {
        flow: Flow::Ntp,
        weight: 3,
        first_device: false,
        ends: one(Internal(Role::DomainController), External(Role::ExternalNtp), (0, 0)),
        port: 123,
        proto: 17,
        app: app::NTP,
        client: client::NTP,
        rule: RuleUse::Infra,
        init_bytes: (90, 90),
        resp_bytes: (90, 90),
        detail: Detail::None,
    },
    FlowProfile {
        flow: Flow::Smb,
        weight: 8,
        first_device: false,
        ends: one(WorkstationV4, Internal(Role::FileServer), (2, 900)),
        port: 445,
        proto: 6,
        app: app::SMB,
        client: client::SMB,
        rule: RuleUse::Internal,
        init_bytes: (2_000, 2_000_000),
        resp_bytes: (5_000, 60_000_000),
        detail: Detail::None,
    },
    FlowProfile {
        flow: Flow::Ldap,
        weight: 5,
        first_device: false,
        ends: one(WorkstationV4, Internal(Role::DomainController), (0, 3)),
        port: 389,
        proto: 6,
        app: app::LDAP,
        client: client::LDAP,
        rule: RuleUse::Internal,
        init_bytes: (300, 3_000),
        resp_bytes: (300, 6_000),
        detail: Detail::None,
    },
    FlowProfile {
        flow: Flow::Kerberos,
        weight: 4,
        first_device: false,
        ends: one(WorkstationV4, Internal(Role::DomainController), (0, 3)),
        port: 88,
        proto: 6,
        app: app::KERBEROS,
        client: client::KERBEROS,
        rule: RuleUse::Internal,
        init_bytes: (300, 3_000),
        resp_bytes: (300, 6_000),
        detail: Detail::None,
    },
    FlowProfile {
        flow: Flow::Ssh,
        weight: 4,
        first_device: true,
        ends: Endpoints::Either {
            pct: 40,
            yes: ends(ExternalV4(Role::Attacker), Internal(Role::JumpHost), (1, 20)),
            no: ends(WorkstationV4, Internal(Role::JumpHost), (30, 5_400)),
        },
        port: 22,
        proto: 6,
        app: app::SSH,
        client: client::OPENSSH,
        rule: RuleUse::RemoteAccess,
        init_bytes: (3_000, 900_000),
        resp_bytes: (4_000, 9_000_000),
        detail: Detail::None,
    },
    FlowProfile {
        flow: Flow::Rdp,
        weight: 2,
        first_device: true,
        ends: one(WorkstationV4, Internal(Role::JumpHost), (30, 5_400)),
        port: 3389,
        proto: 6,
        app: app::RDP,
        client: client::RDP,
        rule: RuleUse::RemoteAccess,
        init_bytes: (3_000, 900_000),
        resp_bytes: (4_000, 9_000_000),
        detail: Detail::None,
    },
    FlowProfile {
        flow: Flow::MailOut,
        weight: 4,
        first_device: true,
        ends: one(Internal(Role::MailRelay), External(Role::ExternalMail), (1, 15)),
        port: 25,
        proto: 6,
        app: app::SMTP,
        client: client::SMTP,
        rule: RuleUse::Mail,
        init_bytes: (2_000, 12_000_000),
        resp_bytes: (600, 3_000),
        detail: Detail::None,
    },
    FlowProfile {
        flow: Flow::InboundWeb,
        weight: 10,
        first_device: true,
        ends: Endpoints::Either {
            pct: 30,
            yes: ends(ExternalV4(Role::Attacker), Internal(Role::WebServer), (0, 60)),
            no: ends(ExternalV4(Role::Visitor), Internal(Role::WebServer), (0, 60)),
        },
        port: 80,
        proto: 6,
        app: app::HTTP,
        client: client::CHROME,
        rule: RuleUse::InboundWeb,
        init_bytes: (400, 8_000),
        resp_bytes: (1_000, 2_000_000),
        detail: Detail::InboundWeb,
    },
    FlowProfile {
        flow: Flow::Backup,
        weight: 2,
        first_device: false,
        ends: one(Internal(Role::FileServer), Internal(Role::DomainController), (60, 1_800)),
        port: 445,
        proto: 6,
        app: app::SMB,
        client: client::SMB,
        rule: RuleUse::Backup,
        init_bytes: (1_000_000, 900_000_000),
        resp_bytes: (20_000, 2_000_000),
        detail: Detail::None,
    },
];

/// Paths requested from web sites and the public web server.
pub(crate) const WEB_PATHS: &[&str] = &[
    "/",
    "/index.html",
    "/search?q=quarterly+report",
    "/static/js/app.min.js",
    "/api/v2/status",
    "/images/logo.png",
    "/news/latest",
    "/login",
    "/downloads/",
    "/favicon.ico",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_flow_and_the_documented_weights() {
        let flows: Vec<Flow> = FLOWS.iter().map(|f| f.flow).collect();
        for (i, f) in flows.iter().enumerate() {
            assert!(!flows[..i].contains(f), "{f:?} has two rows");
        }
        assert_eq!(FLOWS.iter().map(|f| f.weight).sum::<u32>(), 100);
        for f in FLOWS {
            assert!(f.init_bytes.0 <= f.init_bytes.1 && f.resp_bytes.0 <= f.resp_bytes.1, "{:?}", f.flow);
            assert!(matches!(f.proto, 6 | 17));
        }
    }
}
