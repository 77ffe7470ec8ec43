//! The fixed catalogs the world is built from: ids and names of applications, categories,
//! countries, rule actions, file types, AMP types, IOCs, DNS types, Snort rule templates,
//! users, web sites and files. Ids are synthetic; the metadata records define every one.

/// Application protocols (record 63).
pub(crate) mod app {
    pub const HTTP: u32 = 676;
    pub const HTTPS: u32 = 1122;
    pub const DNS: u32 = 617;
    pub const NTP: u32 = 711;
    pub const SMB: u32 = 1014;
    pub const SSH: u32 = 846;
    pub const RDP: u32 = 893;
    pub const SMTP: u32 = 696;
    pub const LDAP: u32 = 710;
    pub const KERBEROS: u32 = 1138;
    pub const ALL: &[(u32, &str)] = &[
        (HTTP, "HTTP"),
        (HTTPS, "HTTPS"),
        (DNS, "DNS"),
        (NTP, "NTP"),
        (SMB, "SMB"),
        (SSH, "SSH"),
        (RDP, "RDP"),
        (SMTP, "SMTP"),
        (LDAP, "LDAP"),
        (KERBEROS, "Kerberos"),
    ];
}

/// Client applications (record 55).
pub(crate) mod client {
    pub const CHROME: u32 = 1296;
    pub const FIREFOX: u32 = 1297;
    pub const EDGE: u32 = 2331;
    pub const CURL: u32 = 1510;
    pub const OPENSSH: u32 = 1602;
    pub const OUTLOOK: u32 = 1650;
    pub const WINUPDATE: u32 = 1700;
    pub const DNS: u32 = 1800;
    pub const NTP: u32 = 1810;
    pub const SMB: u32 = 1820;
    pub const RDP: u32 = 1830;
    pub const LDAP: u32 = 1840;
    pub const KERBEROS: u32 = 1850;
    pub const SMTP: u32 = 1860;
    pub const ALL: &[(u32, &str)] = &[
        (CHROME, "Chrome"),
        (FIREFOX, "Firefox"),
        (EDGE, "Microsoft Edge"),
        (CURL, "curl"),
        (OPENSSH, "OpenSSH"),
        (OUTLOOK, "Outlook"),
        (WINUPDATE, "Windows Update Agent"),
        (DNS, "DNS client"),
        (NTP, "NTP client"),
        (SMB, "SMB client"),
        (RDP, "Remote Desktop client"),
        (LDAP, "LDAP client"),
        (KERBEROS, "Kerberos client"),
        (SMTP, "SMTP client"),
    ];
    /// Browser id, display version, User-Agent.
    pub const BROWSERS: &[(u32, &str, &str)] = &[
        (CHROME, "126.0.6478", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"),
        (FIREFOX, "127.0", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0"),
        (EDGE, "126.0.2592", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0"),
        (CURL, "8.4.0", "curl/8.4.0"),
    ];
}

/// URL categories (record 121).
pub(crate) const URL_CATEGORIES: &[(u32, &str)] = &[
    (1, "Search Engines and Portals"),
    (2, "Streaming Media"),
    (3, "Computers and Internet"),
    (4, "Business and Industry"),
    (5, "Online Storage and Backup"),
    (6, "Reference and Research"),
    (7, "Shopping"),
    (8, "News"),
    (9, "Malware Sites"),
    (10, "Phishing"),
    (11, "Uncategorized"),
];

/// URL reputations (record 122).
pub(crate) const URL_REPUTATIONS: &[(u32, &str)] = &[
    (1, "High Risk"),
    (2, "Suspicious sites"),
    (3, "Benign sites with security risks"),
    (4, "Benign sites"),
    (5, "Well known"),
];

/// Countries (record 520): ISO 3166 numeric code, name, and how often external hosts are
/// placed there (relative weight).
pub(crate) const COUNTRIES: &[(u16, &str, u32)] = &[
    (840, "United States", 40),
    (276, "Germany", 10),
    (826, "United Kingdom", 10),
    (392, "Japan", 6),
    (250, "France", 6),
    (124, "Canada", 6),
    (528, "Netherlands", 6),
    (702, "Singapore", 4),
    (156, "China", 4),
    (643, "Russian Federation", 4),
    (76, "Brazil", 2),
    (356, "India", 2),
];

/// Priorities (record 4).
pub(crate) const PRIORITIES: &[(u32, &str)] = &[(1, "high"), (2, "medium"), (3, "low"), (4, "very low")];

/// Classifications (record 67): id, short name, description.
pub(crate) const CLASSIFICATIONS: &[(u32, &str, &str)] = &[
    (1, "attempted-admin", "Attempted Administrator Privilege Gain"),
    (2, "attempted-user", "Attempted User Privilege Gain"),
    (3, "web-application-attack", "Web Application Attack"),
    (4, "trojan-activity", "A Network Trojan was Detected"),
    (5, "attempted-recon", "Attempted Information Leak"),
    (6, "policy-violation", "Potential Corporate Privacy Violation"),
    (7, "misc-activity", "Misc activity"),
    (8, "attempted-dos", "Attempted Denial of Service"),
    (9, "protocol-command-decode", "Generic Protocol Command Decode"),
];

/// Access-control rule actions (record 120).
pub(crate) mod action {
    pub const ALLOW: u32 = 1;
    pub const BLOCK: u32 = 2;
    pub const BLOCK_RESET: u32 = 3;
    pub const TRUST: u32 = 4;
    pub const MONITOR: u32 = 5;
    pub const ALL: &[(u32, &str)] = &[
        (ALLOW, "Allow"),
        (BLOCK, "Block"),
        (BLOCK_RESET, "Block with reset"),
        (TRUST, "Trust"),
        (MONITOR, "Monitor"),
        (6, "Interactive Block"),
        (7, "Interactive Block with reset"),
    ];
}

/// File types (records 510 and 131, same ids): id, name, typical extension.
pub(crate) const FILE_TYPES: &[(u32, &str, &str)] = &[
    (1, "PDF", "pdf"),
    (2, "MSEXE", "exe"),
    (3, "ZIP", "zip"),
    (4, "MSOLE2", "doc"),
    (5, "NEW_OFFICE", "docx"),
    (6, "JAR", "jar"),
    (7, "RTF", "rtf"),
    (8, "JPEG", "jpg"),
];

/// Extra-data types (record 111): type, name, encoding.
pub(crate) const XDATA_TYPES: &[(u32, &str, &str)] = &[(2, "XFF Client (Ipv6)", "ipv6"), (9, "HTTP URI", "string")];

/// Malware event types (record 128).
pub(crate) mod amp {
    pub const NETWORK_TRANSFER: u32 = 1;
    pub const NETWORK_RETRO: u32 = 2;
    pub const TYPES: &[(u32, &str)] = &[
        (NETWORK_TRANSFER, "Threat Detected in Network File Transfer"),
        (NETWORK_RETRO, "Threat Detected in Network File Transfer (Retrospective)"),
        (1_090_519_054, "Threat Detected"),
        (553_648_143, "Threat Quarantined"),
    ];
    /// Malware event subtypes (record 129).
    pub const SUBTYPES: &[(u32, &str)] = &[(1, "Create"), (2, "Execute"), (4, "Scan"), (22, "Move")];
    /// Detector types (record 130).
    pub const DETECTORS: &[(u32, &str)] = &[(1, "ClamAV"), (2, "Spero"), (4, "SHA"), (6, "Custom Detection")];
}

/// IOC names (record 161): id, category, event type.
pub(crate) const IOCS: &[(u32, &str, &str)] = &[
    (1, "Malware Detected", "Threat Detected in File Transfer"),
    (2, "CnC Connected", "Intrusion Event - malware-cnc"),
    (3, "Exploit Kit", "Intrusion Event - exploit-kit"),
    (4, "Impact 1 Attack", "Impact 1 Intrusion Event - web-application-attack"),
];

/// DNS record types (record 320): id, name, description.
pub(crate) const DNS_RECORD_TYPES: &[(u32, &str, &str)] = &[
    (1, "A", "a host address"),
    (28, "AAAA", "IPv6 host address"),
    (15, "MX", "mail exchange"),
    (16, "TXT", "text strings"),
];

/// DNS response types (record 321): id, name, description.
pub(crate) const DNS_RESPONSE_TYPES: &[(u32, &str, &str)] =
    &[(1, "NOERROR", "No Error"), (4, "NXDOMAIN", "Non-Existent Domain"), (3, "SERVFAIL", "Server Failure")];

/// What a Snort rule looks at; used to pick a fitting connection and to build its packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SigKind {
    /// Attack on the DMZ web server (inbound HTTP).
    WebAttack,
    /// Suspicious outbound web request.
    WebClient,
    /// Command-and-control beacon (outbound web).
    Cnc,
    /// DNS anomaly.
    Dns,
    /// SMB to the file server.
    Smb,
    /// SSH brute force.
    Ssh,
    /// Malicious document in a transfer.
    FileObj,
}

/// Snort rule templates: gid, message, classification id, priority, kind, revision.
pub(crate) const SNORT_RULES: &[(u32, &str, u32, u32, SigKind, u32)] = &[
    (1, "SERVER-WEBAPP directory traversal attempt in URI", 3, 1, SigKind::WebAttack, 4),
    (1, "SERVER-WEBAPP SQL injection attempt in query parameter", 3, 1, SigKind::WebAttack, 7),
    (1, "SERVER-APACHE suspicious path probing", 5, 2, SigKind::WebAttack, 2),
    (1, "MALWARE-CNC periodic beacon to known command and control host", 4, 1, SigKind::Cnc, 5),
    (1, "MALWARE-CNC suspicious user-agent string detected", 4, 1, SigKind::Cnc, 3),
    (1, "POLICY-OTHER cleartext credentials in HTTP request", 6, 2, SigKind::WebClient, 2),
    (1, "PUA-ADWARE tracking request to advertising network", 7, 3, SigKind::WebClient, 1),
    (1, "BROWSER-PLUGINS suspicious object download", 2, 1, SigKind::WebClient, 6),
    (1, "PROTOCOL-DNS excessively long query name", 9, 3, SigKind::Dns, 3),
    (1, "PROTOCOL-DNS query for dynamic DNS domain", 6, 2, SigKind::Dns, 2),
    (1, "OS-WINDOWS SMB anonymous session setup attempt", 1, 1, SigKind::Smb, 5),
    (1, "NETBIOS SMB repeated failed logon attempts", 5, 2, SigKind::Smb, 3),
    (1, "SERVER-OTHER SSH brute force login attempt", 2, 2, SigKind::Ssh, 4),
    (1, "INDICATOR-SCAN SSH version banner probe", 5, 3, SigKind::Ssh, 1),
    (3, "FILE-OFFICE malformed compound document structure", 2, 1, SigKind::FileObj, 2),
    (3, "FILE-PDF embedded JavaScript in document", 2, 1, SigKind::FileObj, 3),
];

/// Identity users (record 98): username, display name.
pub(crate) const USERS: &[&str] = &[
    "alice.martin",
    "bob.nguyen",
    "carol.schmidt",
    "dave.tanaka",
    "erin.obrien",
    "frank.mueller",
    "grace.kim",
    "henry.dubois",
    "irene.rossi",
    "jamal.hassan",
    "kate.wilson",
    "liam.chen",
];

/// Web sites: host name, web application name, URL category, reputation, has IPv6.
pub(crate) const SITES: &[(&str, &str, u32, u32, bool)] = &[
    ("www.google.com", "Google", 1, 5, true),
    ("www.youtube.com", "YouTube", 2, 5, true),
    ("github.com", "GitHub", 3, 5, false),
    ("update.microsoft.com", "Microsoft Update", 3, 5, true),
    ("outlook.office365.com", "Office 365", 4, 5, true),
    ("app.slack.com", "Slack", 4, 5, false),
    ("www.dropbox.com", "Dropbox", 5, 4, false),
    ("en.wikipedia.org", "Wikipedia", 6, 5, true),
    ("www.amazon.com", "Amazon", 7, 5, false),
    ("www.bbc.co.uk", "BBC", 8, 5, false),
    ("cdn.tracker-ads.example", "Generic Ad Network", 11, 3, false),
];

/// Known-bad sites: host name, URL category.
pub(crate) const BAD_SITES: &[(&str, u32)] =
    &[("stat-collector.evil.example", 9), ("login-verify.phish.example", 10), ("update-cdn.badhost.example", 9)];

/// Clean file names (extension chooses the type).
pub(crate) const CLEAN_FILES: &[&str] = &[
    "Q3-financial-report.pdf",
    "setup_vpn_client.exe",
    "project-plan.docx",
    "team-photos.zip",
    "datasheet.pdf",
    "meeting-notes.docx",
    "build-tools.jar",
    "invoice_20419.pdf",
    "holiday.jpg",
    "legacy-contract.doc",
    "terms.rtf",
    "firmware_update.zip",
    "printer-driver.exe",
    "onboarding.pdf",
];

/// Malware: file name, detection name, threat score.
pub(crate) const MALWARE_FILES: &[(&str, &str, u32)] = &[
    ("invoice_scan.exe", "W32.Synthetic.Trojan.Agent", 95),
    ("payment_details.doc", "Doc.Synthetic.Downloader.Macro", 88),
    ("shipping_label.zip", "Zip.Synthetic.Dropper", 76),
    ("flash_update.exe", "W32.Synthetic.Ransom.Locker", 99),
    ("resume_final.pdf", "Pdf.Synthetic.Exploit.JS", 71),
];
