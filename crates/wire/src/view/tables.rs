//! Every built-in value table of the computed view, as static data (RECORDS.md §4, §6.2, §6.5–§6.9,
//! §7.5).
//!
//! Display strings are quoted as the spec gives them, typos included, because they become output
//! values. Where the spec abbreviates a table ("…"), only the entries it spells out are listed; a
//! value without an entry simply leaves its computed key out. Every `(u64, &str)` table is sorted
//! by number (a unit test checks it) and searched with [`find`].

/// Binary search in a sorted `(number, name)` table.
pub fn find(table: &'static [(u64, &'static str)], n: u64) -> Option<&'static str> {
    table.binary_search_by_key(&n, |e| e.0).ok().map(|i| table[i].1)
}

/// Discovery event (type, subtype) → `eventDescription` (RECORDS.md §4; eNcore's strings).
pub static RNA_EVENTS: &[(u32, u32, &str)] = &[
    (1000, 1, "New Host"),
    (1000, 2, "New TCP Service"),
    (1000, 3, "New Network Protocol"),
    (1000, 4, "New Transport Protocol"),
    (1000, 5, "New IP to IP traffic"),
    (1000, 6, "New UDP Service"),
    (1000, 7, "New Client Applicastion"),
    (1000, 8, "New OS Fingerprint"),
    (1000, 9, "New IPv6 to IPv6 Traffic"),
    (1001, 1, "Host IP Address Changed"),
    (1001, 2, "OS Information Update"),
    (1001, 3, "Host IP Address Reused"),
    (1001, 4, "Vulnerability Changed"),
    (1001, 5, "Hops Change"),
    (1001, 6, "TCP Service Information Update"),
    (1001, 7, "Host Timeout"),
    (1001, 8, "TCP Port Closed"),
    (1001, 9, "UDP Port Closed"),
    (1001, 10, "UDP Service Information Update"),
    (1001, 11, "TCP Port Timeout"),
    (1001, 12, "UDP Port Timeout"),
    (1001, 13, "MAC Information Change"),
    (1001, 14, "Additional MAC Detected"),
    (1001, 15, "Host Last Seen"),
    (1001, 16, "Host Identified as Router or Bridge"),
    (1001, 17, "Flow Statistics"),
    (1001, 18, "VLAN Tag Information Update"),
    (1001, 19, "Host Deleted: Limit Reached"),
    (1001, 20, "Client Application Timeout"),
    (1001, 21, "NetBIOS Name Change"),
    (1001, 22, "NetBIOS Domain Change"),
    (1001, 23, "Host Dropped: Host Limit Reached"),
    (1001, 24, "Banner Update"),
    (1001, 25, "TCP Service Confidence Update"),
    (1001, 26, "UDP Service Confidence Update"),
    (1001, 27, "OS Confidence Update"),
    (1001, 28, "DHCP Information"),
    (1001, 29, "Identity Conflict"),
    (1001, 30, "Identity Timeout"),
    (1001, 31, "Secondary Host Update"),
    (1001, 32, "Client Application Update"),
    (1002, 1, "Valid Vulnerabilities"),
    (1002, 2, "Invalid Vulnerabilities"),
    (1002, 3, "Delete Address"),
    (1002, 4, "Delete Service"),
    (1002, 5, "Set Host Criticality"),
    (1002, 6, "Host Attribute Add"),
    (1002, 7, "Host Attribute Update"),
    (1002, 8, "Host Attribute Delete"),
    (1002, 9, "Host Attribute Set Value"),
    (1002, 10, "Host Attribute Delete Value"),
    (1002, 11, "Add Scan Result"),
    (1002, 12, "Set Vulnerability Impact Qualification"),
    (1002, 13, "User Policy Control"),
    (1002, 14, "Delete Protocol"),
    (1002, 15, "Delete Client Application"),
    (1002, 16, "Set Operating System Definition"),
    (1002, 17, "Account Seen"),
    (1002, 18, "Account Update"),
    (1002, 19, "Set Service Definition"),
    (1002, 20, "Delete Host/Network"),
    (1002, 21, "Delete Service"),
    (1002, 22, "Vulnerability Set Valid"),
    (1002, 23, "Vulnerability Set Invalid"),
    (1002, 24, "Set Host Criticality"),
    (1002, 25, "Host Attribute Set Value"),
    (1002, 26, "Host Attribute Delete Value"),
    (1002, 27, "Add Host"),
    (1002, 28, "Add Service"),
    (1002, 29, "Add Client Application"),
    (1002, 30, "Add Protocol"),
    (1002, 31, "Reload App"),
    (1002, 32, "Account Delete"),
    (1002, 45, "IOC Delete"),
    (1002, 46, "IOC Invalid"),
    (1003, 1, "Flow Statistics"),
    (1003, 2, "Flow Chunk"),
    (1004, 1, "User Information"),
    (1004, 2, "User Login Information"),
    (1004, 3, "Delete User Identity"),
    (1004, 4, "User Identity Dropped: User Limit Reached"),
    (1008, 1, "IOC Set"),
];

/// IP protocol numbers → IANA keywords (eNcore names 0 "Unknown" instead of HOPOPT). Numbers
/// IANA gives no keyword (61, 63, 68, 99, 114) are absent.
pub static IP_PROTOCOLS: &[(u64, &str)] = &[
    (0, "Unknown"),
    (1, "ICMP"),
    (2, "IGMP"),
    (3, "GGP"),
    (4, "IPv4"),
    (5, "ST"),
    (6, "TCP"),
    (7, "CBT"),
    (8, "EGP"),
    (9, "IGP"),
    (10, "BBN-RCC-MON"),
    (11, "NVP-II"),
    (12, "PUP"),
    (13, "ARGUS"),
    (14, "EMCON"),
    (15, "XNET"),
    (16, "CHAOS"),
    (17, "UDP"),
    (18, "MUX"),
    (19, "DCN-MEAS"),
    (20, "HMP"),
    (21, "PRM"),
    (22, "XNS-IDP"),
    (23, "TRUNK-1"),
    (24, "TRUNK-2"),
    (25, "LEAF-1"),
    (26, "LEAF-2"),
    (27, "RDP"),
    (28, "IRTP"),
    (29, "ISO-TP4"),
    (30, "NETBLT"),
    (31, "MFE-NSP"),
    (32, "MERIT-INP"),
    (33, "DCCP"),
    (34, "3PC"),
    (35, "IDPR"),
    (36, "XTP"),
    (37, "DDP"),
    (38, "IDPR-CMTP"),
    (39, "TP++"),
    (40, "IL"),
    (41, "IPv6"),
    (42, "SDRP"),
    (43, "IPv6-Route"),
    (44, "IPv6-Frag"),
    (45, "IDRP"),
    (46, "RSVP"),
    (47, "GRE"),
    (48, "DSR"),
    (49, "BNA"),
    (50, "ESP"),
    (51, "AH"),
    (52, "I-NLSP"),
    (53, "SWIPE"),
    (54, "NARP"),
    (55, "MOBILE"),
    (56, "TLSP"),
    (57, "SKIP"),
    (58, "IPv6-ICMP"),
    (59, "IPv6-NoNxt"),
    (60, "IPv6-Opts"),
    (62, "CFTP"),
    (64, "SAT-EXPAK"),
    (65, "KRYPTOLAN"),
    (66, "RVD"),
    (67, "IPPC"),
    (69, "SAT-MON"),
    (70, "VISA"),
    (71, "IPCV"),
    (72, "CPNX"),
    (73, "CPHB"),
    (74, "WSN"),
    (75, "PVP"),
    (76, "BR-SAT-MON"),
    (77, "SUN-ND"),
    (78, "WB-MON"),
    (79, "WB-EXPAK"),
    (80, "ISO-IP"),
    (81, "VMTP"),
    (82, "SECURE-VMTP"),
    (83, "VINES"),
    (84, "TTP"),
    (85, "NSFNET-IGP"),
    (86, "DGP"),
    (87, "TCF"),
    (88, "EIGRP"),
    (89, "OSPFIGP"),
    (90, "Sprite-RPC"),
    (91, "LARP"),
    (92, "MTP"),
    (93, "AX.25"),
    (94, "IPIP"),
    (95, "MICP"),
    (96, "SCC-SP"),
    (97, "ETHERIP"),
    (98, "ENCAP"),
    (100, "GMTP"),
    (101, "IFMP"),
    (102, "PNNI"),
    (103, "PIM"),
    (104, "ARIS"),
    (105, "SCPS"),
    (106, "QNX"),
    (107, "A/N"),
    (108, "IPComp"),
    (109, "SNP"),
    (110, "Compaq-Peer"),
    (111, "IPX-in-IP"),
    (112, "VRRP"),
    (113, "PGM"),
    (115, "L2TP"),
    (116, "DDX"),
    (117, "IATP"),
    (118, "STP"),
    (119, "SRP"),
    (120, "UTI"),
    (121, "SMP"),
    (122, "SM"),
    (123, "PTP"),
    (124, "ISIS over IPv4"),
    (125, "FIRE"),
    (126, "CRTP"),
    (127, "CRUDP"),
    (128, "SSCOPMCE"),
    (129, "IPLT"),
    (130, "SPS"),
    (131, "PIPE"),
    (132, "SCTP"),
    (133, "FC"),
    (134, "RSVP-E2E-IGNORE"),
    (135, "Mobility Header"),
    (136, "UDPLite"),
    (137, "MPLS-in-IP"),
    (138, "manet"),
    (139, "HIP"),
    (140, "Shim6"),
    (141, "WESP"),
    (142, "ROHC"),
];

/// Managed devices: 0 is the FMC itself.
pub static DEVICES: &[(u64, &str)] = &[(0, "Defense Center")];

/// Id 0 of users, application protocols, client applications, source applications, payloads,
/// URL categories/reputations, source detectors and file types.
pub static UNKNOWN_ZERO: &[(u64, &str)] = &[(0, "Unknown")];

/// Geolocation: country code 0.
pub static COUNTRIES: &[(u64, &str)] = &[(0, "unknown")];

/// Source types (record 90) and AMP detectors (record 130): 0.
pub static RNA_ZERO: &[(u64, &str)] = &[(0, "RNA")];

/// Security Intelligence source/destination (record 281): 0 = not a Security Intelligence event.
pub static SI_SRC_DEST: &[(u64, &str)] = &[(0, "N/A")];

/// Intrusion `blocked` (eNcore 5.2 names).
pub static BLOCKED: &[(u64, &str)] = &[
    (0, "No"),
    (1, "Yes"),
    (2, "Would"),
    (3, "Partially Dropped"),
    (4, "Block"),
    (5, "Would be Blocked"),
    (6, "Partial Block"),
    (7, "Drop"),
    (8, "Would Drop"),
    (9, "Reject"),
    (10, "Would be Rejected"),
    (11, "Rejected"),
    (12, "Would be Rejected"),
    (13, "Rewrite"),
    (14, "Would be Rewritten"),
];

/// Intrusion `blockedReasonId`.
pub static BLOCKED_REASONS: &[(u64, &str)] = &[
    (1, "Interface in Passive or Tap mode"),
    (2, "Intrusion Policy in \"Detection\" Inspection Mode"),
    (3, "Network Analysis Policy in \"Detection\" Inspection Mode"),
    (4, "Connection Timed Out"),
    (5, "Connection Closed (0x01)"),
    (6, "Connection Closed (0x02)"),
    (7, "Connection Closed (0x04)"),
];

/// Impact levels (computed from the impact bits, see `impact_level`).
pub static IMPACTS: &[(u64, &str)] = &[
    (1, "Red (vulnerable)"),
    (2, "Orange (potentially vulnerable)"),
    (3, "Yellow (currently not vulnerable)"),
    (4, "Blue (unknown target)"),
    (5, "Gray (unknown impact)"),
];

/// Access-control rule reasons (bit values; record 124 may override).
pub static RULE_REASONS: &[(u64, &str)] = &[
    (1, "IP Block"),
    (2, "IP Monitor"),
    (4, "User Bypass"),
    (8, "File Monitor"),
    (16, "File Block"),
    (32, "Intrusion Monitor"),
    (64, "Intrusion Block"),
    (128, "File Resume Block"),
    (256, "File Resume Allow"),
    (512, "File Custom Detection"),
];

/// File event `action`.
pub static FILE_ACTIONS: &[(u64, &str)] = &[
    (3, "Malware Cloud Lookup"),
    (4, "Malware Block"),
    (5, "Malware Whitelist"),
    (6, "Cloud Lookup Timeout"),
    (7, "Custom Detection"),
    (8, "Custom Detection Block"),
    (9, "Archive Block (Depth Exceeded)"),
    (10, "Archive Block (Encrypted)"),
    (11, "Archive Block (Failed To Inspect)"),
];

/// File / malware / SHA dispositions (also the fallback for Spero dispositions).
pub static DISPOSITIONS: &[(u64, &str)] =
    &[(0, "N/A"), (1, "Clean"), (2, "Unknown"), (3, "Malware"), (4, "Unavailable"), (5, "Custom signature")];

/// File storage status (record 515 may override).
pub static FILE_STORAGE: &[(u64, &str)] = &[
    (1, "File Stored"),
    (2, "File Stored"),
    (3, "Unable to Store File"),
    (4, "Unable to Store File"),
    (5, "Unable to Store File"),
    (6, "Unable to Store File"),
    (7, "Unable to Store File"),
    (8, "too large"),
    (9, "too small"),
    (10, "Unable to Store File"),
    (11, "not stored (disposition unavailable)"),
];

/// File sandbox / analysis status: only the entries the spec names (record 516 fills the rest).
pub static FILE_SANDBOX: &[(u64, &str)] = &[(12, "Analysis Complete"), (21, "Failure (Analysis Timeout)")];

/// Local malware analysis status.
pub static MALWARE_ANALYSIS: &[(u64, &str)] = &[(0, "not analyzed"), (1, "done"), (2, "failed"), (3, "manual request")];

/// Archive file status (record 518 may override).
pub static ARCHIVE_STATUS: &[(u64, &str)] = &[
    (0, "N/A"),
    (1, "Pending"),
    (2, "Extracted"),
    (3, "Failed"),
    (4, "Depth Exceeded"),
    (5, "Encrypted"),
    (6, "Not Inspectable"),
];

/// AMP (malware) event types; record 128 may override.
pub static AMP_EVENT_TYPES: &[(u64, &str)] = &[
    (0, "Unknown"),
    (1, "Threat Detected in Network File Transfer"),
    (553648143, "Threat Quarantined"),
    (1090519054, "Threat Detected"),
    (2164260880, "Quarantine Failure"),
    (2165309453, "Scan Failed"),
];

/// AMP event subtypes; record 129 may override.
pub static AMP_SUBTYPES: &[(u64, &str)] = &[(22, "Move")];

/// Correlation event `eventType` (record 112).
pub static CORRELATION_EVENT_TYPES: &[(u64, &str)] = &[
    (0, "Unknown"),
    (1, "Intrusion Event"),
    (2, "Host Discovery"),
    (3, "User Activity"),
    (4, "Whitelist"),
    (5, "Malware Event"),
];

/// Correlation host types.
pub static HOST_TYPES: &[(u64, &str)] = &[(0, "Host"), (1, "Router"), (2, "Bridge")];

/// Correlation host criticality.
pub static CRITICALITY: &[(u64, &str)] = &[(0, "None"), (1, "Low"), (2, "Medium"), (3, "High")];

/// SSL actual/expected actions; records 606/607 may override.
pub static SSL_ACTIONS: &[(u64, &str)] = &[
    (1, "Do Not Decrypt"),
    (3, "Block With Reset"),
    (4, "Decrypt (Known Key)"),
    (5, "Decrypt (Replace Key)"),
    (6, "Decrypt (Resign)"),
];

/// SSL flow status: only the entries the spec names (record 608 fills the rest).
pub static SSL_FLOW_STATUS: &[(u64, &str)] = &[(1, "No Match"), (3, "Uncached Session"), (28, "Invalid Action")];

/// SSL flow flags (bit values).
pub static SSL_FLOW_FLAGS: &[(u64, &str)] = &[(4, "NSE_FLOW_INTERCEPT")];

/// SSL server certificate status (0 or bit values); record 605 may override.
pub static SSL_CERT_STATUS: &[(u64, &str)] = &[
    (0, "Not checked"),
    (1, "Unknown"),
    (2, "Valid"),
    (4, "Self-signed"),
    (16, "Invalid Issuer"),
    (32, "Invalid Signature"),
    (64, "Expired"),
    (128, "Not valid yet"),
    (256, "Revoked"),
];

/// User login `authType`.
pub static USER_AUTH_TYPES: &[(u64, &str)] = &[
    (0, "No Authorization Required"),
    (1, "Passive Authentication/AD Agent/ISE Session"),
    (2, "Captive Portal success"),
    (3, "Captive Portal guest"),
    (4, "Captive Portal failed"),
    (5, "VPN authorized"),
];

/// User login `protocol` names used for records 62 and 170.
pub static USER_PROTOCOLS: &[(u64, &str)] = &[(547, "AOL Instant Messenger"), (773, "Oracle Database"), (1755, "MDNS")];

/// VPN session `vpnType`.
pub static VPN_TYPES: &[(u64, &str)] = &[
    (1, "Cisco IKEv1 Client"),
    (2, "AnyConnect IKEv1 Client"),
    (3, "AnyConnect SSL"),
    (4, "WebVPN Clientless"),
    (5, "Site to Site IKEv2"),
    (6, "Site to Site IKEv2"),
    (7, "Generic IKEv2 RA Client"),
];

/// Intrusion extra-data types (record 111 may override).
pub static XFF_TYPES: &[(u64, &str)] = &[(2, "XFF Client (Ipv6)"), (9, "HTTP URI")];

/// Name of the all-zero UUID for zones, interfaces and AMP clouds.
pub const ZERO_UUID_NA: &str = "N/A";

/// Name of the all-zero OS fingerprint UUID (name, vendor and version).
pub const ZERO_UUID_OS: &str = "Unknown";

/// Name of the all-zero SHA-256.
pub const ZERO_SHA: &str = "Unknown";

/// Access-control rule id 0 of a policy known from record 117.
pub const DEFAULT_ACTION: &str = "Default Action";

/// Impact bits that make an event level 1 (vulnerable).
pub const IMPACT_RED_BITS: u64 = 0xD8;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_and_unique() {
        let all: &[&[(u64, &str)]] = &[
            IP_PROTOCOLS,
            DEVICES,
            UNKNOWN_ZERO,
            COUNTRIES,
            RNA_ZERO,
            SI_SRC_DEST,
            BLOCKED,
            BLOCKED_REASONS,
            IMPACTS,
            RULE_REASONS,
            FILE_ACTIONS,
            DISPOSITIONS,
            FILE_STORAGE,
            FILE_SANDBOX,
            MALWARE_ANALYSIS,
            ARCHIVE_STATUS,
            AMP_EVENT_TYPES,
            AMP_SUBTYPES,
            CORRELATION_EVENT_TYPES,
            HOST_TYPES,
            CRITICALITY,
            SSL_ACTIONS,
            SSL_FLOW_STATUS,
            SSL_FLOW_FLAGS,
            SSL_CERT_STATUS,
            USER_AUTH_TYPES,
            USER_PROTOCOLS,
            VPN_TYPES,
            XFF_TYPES,
        ];
        for t in all {
            assert!(t.windows(2).all(|w| w[0].0 < w[1].0), "{t:?}");
        }
        assert!(RNA_EVENTS.windows(2).all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1)));
    }

    #[test]
    fn lookups() {
        assert_eq!(find(IP_PROTOCOLS, 6), Some("TCP"));
        assert_eq!(find(IP_PROTOCOLS, 58), Some("IPv6-ICMP"));
        assert_eq!(find(IP_PROTOCOLS, 132), Some("SCTP"));
        assert_eq!(find(IP_PROTOCOLS, 61), None);
        assert_eq!(find(IP_PROTOCOLS, 143), None);
        assert_eq!(find(BLOCKED, 1), Some("Yes"));
    }
}
