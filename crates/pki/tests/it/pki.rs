//! PKI directory, registration, PKCS#12 and revocation tests on real files.

use std::net::IpAddr;
use std::path::Path;
use std::process::Command;

use estreamer_pki::{
    add_client, add_sensor, check_peer, init_ca, list_clients, load_pem_identity, load_pkcs12, load_pkcs12_file,
    peer_identity, revoke_client, IdentityPolicy, PkiDir, PkiError, Role, CA_COMMON_NAME,
};
use estreamer_test_support::copied_pki;
use estreamer_test_support::pki::{self as testing, TEST_PASSWORD};
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;
use x509_parser::revocation_list::CertificateRevocationList;

fn pem_der(path: &Path) -> Vec<u8> {
    let text = std::fs::read_to_string(path).unwrap();
    let b64: String = text
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    decode_b64(&b64)
}

// Tiny base64 decoder so the tests need no extra dependency.
fn decode_b64(s: &str) -> Vec<u8> {
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("bad base64 {c}"),
        }
    };
    let bytes: Vec<u8> = s.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    let mut out = Vec::new();
    for chunk in bytes.chunks(4) {
        let data: Vec<u8> = chunk.iter().copied().filter(|c| *c != b'=').collect();
        let mut acc = 0u32;
        for (i, c) in data.iter().enumerate() {
            acc |= val(*c) << (18 - 6 * i);
        }
        let n = data.len().saturating_sub(1);
        for i in 0..n {
            out.push((acc >> (16 - 8 * i)) as u8);
        }
    }
    out
}

fn pem_encode(der: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut b64 = String::new();
    for chunk in der.chunks(3) {
        let n = chunk.len();
        let v =
            (chunk[0] as u32) << 16 | (*chunk.get(1).unwrap_or(&0) as u32) << 8 | *chunk.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= n {
                b64.push(T[((v >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                b64.push('=');
            }
        }
    }
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap());
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

fn sans(cert: &X509Certificate<'_>) -> (Vec<IpAddr>, Vec<String>) {
    let mut ips = Vec::new();
    let mut dns = Vec::new();
    if let Some(san) = cert.subject_alternative_name().unwrap() {
        for n in &san.value.general_names {
            match n {
                GeneralName::IPAddress(b) if b.len() == 4 => ips.push(IpAddr::from(<[u8; 4]>::try_from(*b).unwrap())),
                GeneralName::IPAddress(b) if b.len() == 16 => ips.push(IpAddr::from(<[u8; 16]>::try_from(*b).unwrap())),
                GeneralName::DNSName(d) => dns.push(d.to_string()),
                other => panic!("unexpected SAN {other:?}"),
            }
        }
    }
    (ips, dns)
}

fn openssl(args: &[&str]) -> std::process::Output {
    Command::new("openssl").args(args).output().expect("the openssl CLI must be installed for these tests")
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn init_writes_ca_server_registry_and_crl() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("pki");
    let pki = init_ca(&dir, &[], &[]).unwrap();
    assert_eq!(pki, PkiDir::new(&dir));
    for f in [pki.ca_cert(), pki.ca_key(), pki.server_cert(), pki.server_key(), pki.clients_registry(), pki.crl()] {
        assert!(f.is_file(), "{} missing", f.display());
    }
    #[cfg(unix)]
    {
        assert_eq!(mode(&pki.ca_key()), 0o600);
        assert_eq!(mode(&pki.server_key()), 0o600);
        assert_eq!(mode(&dir), 0o700);
    }

    let ca_der = pem_der(&pki.ca_cert());
    let (_, ca) = X509Certificate::from_der(&ca_der).unwrap();
    let cn: Vec<_> = ca.subject().iter_common_name().map(|c| c.as_str().unwrap()).collect();
    assert_eq!(cn, [CA_COMMON_NAME]);
    assert_eq!(ca.subject(), ca.issuer());
    assert!(ca.basic_constraints().unwrap().unwrap().value.ca);
    let ku = ca.key_usage().unwrap().unwrap().value;
    assert!(ku.key_cert_sign() && ku.crl_sign());
    let years = (ca.validity().not_after.timestamp() - ca.validity().not_before.timestamp()) / (365 * 86400);
    assert!((9..=10).contains(&years), "CA validity {years} years");

    let server_der = pem_der(&pki.server_cert());
    let (_, server) = X509Certificate::from_der(&server_der).unwrap();
    assert_eq!(server.issuer(), ca.subject());
    let (ips, dns) = sans(&server);
    assert_eq!(ips, ["127.0.0.1".parse::<IpAddr>().unwrap(), "::1".parse().unwrap()]);
    assert_eq!(dns, ["localhost"]);
    assert!(server.extended_key_usage().unwrap().unwrap().value.server_auth);

    let registry: serde_json::Value = serde_json::from_slice(&std::fs::read(pki.clients_registry()).unwrap()).unwrap();
    assert_eq!(registry["clients"], serde_json::json!([]));
    assert!(list_clients(&dir).unwrap().is_empty());

    let crl_der = pem_der(&pki.crl());
    let (_, crl) = CertificateRevocationList::from_der(&crl_der).unwrap();
    assert_eq!(crl.issuer(), ca.subject());
    assert_eq!(crl.iter_revoked_certificates().count(), 0);
    let out = openssl(&["verify", "-CAfile", pki.ca_cert().to_str().unwrap(), pki.server_cert().to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn init_uses_given_server_names_and_refuses_existing_ca() {
    let tmp = tempfile::tempdir().unwrap();
    let ips: Vec<IpAddr> = vec!["10.1.2.3".parse().unwrap(), "fd00::5".parse().unwrap()];
    let names = vec!["fmc.example.net".to_string()];
    let pki = init_ca(tmp.path(), &ips, &names).unwrap();
    let der = pem_der(&pki.server_cert());
    let (_, server) = X509Certificate::from_der(&der).unwrap();
    let (got_ips, got_dns) = sans(&server);
    assert_eq!(got_ips, ips);
    assert_eq!(got_dns, names);

    let before = std::fs::read(pki.ca_key()).unwrap();
    let err = init_ca(tmp.path(), &[], &[]).unwrap_err();
    assert!(matches!(err, PkiError::AlreadyExists { .. }), "{err}");
    assert!(err.to_string().contains("ca-"), "{err}");
    assert_eq!(std::fs::read(pki.ca_key()).unwrap(), before, "CA key was overwritten");
}

#[test]
fn add_client_ip_host_issues_rsa2048_client_cert() {
    let tmp = tempfile::tempdir().unwrap();
    let pki = copied_pki(tmp.path());
    let t0 = std::time::Instant::now();
    let issued = add_client(tmp.path(), "10.20.30.40", Some("s3cret")).unwrap();
    eprintln!("add_client (RSA-2048 keygen + PKCS#12) took {:?}", t0.elapsed());
    assert_eq!(issued.password, "s3cret");
    assert!(!issued.password_was_generated);
    assert_eq!(issued.host, "10.20.30.40");
    assert_eq!(issued.serial_hex.len(), 32);

    let id = load_pkcs12(&issued.pkcs12, "s3cret").unwrap();
    assert_eq!(id.cert_chain.len(), 1);
    let ca_der = pem_der(&pki.ca_cert());
    assert_eq!(id.ca_certs.len(), 1);
    assert_eq!(id.ca_certs[0].as_ref(), &ca_der[..]);

    let (_, cert) = X509Certificate::from_der(&id.cert_chain[0]).unwrap();
    let (_, ca) = X509Certificate::from_der(&ca_der).unwrap();
    match cert.public_key().parsed().unwrap() {
        PublicKey::RSA(rsa) => assert_eq!(rsa.key_size(), 2048),
        other => panic!("client key is not RSA: {other:?}"),
    }
    let cn: Vec<_> = cert.subject().iter_common_name().map(|c| c.as_str().unwrap()).collect();
    assert_eq!(cn, ["10.20.30.40"]);
    assert!(cert.subject().to_string().contains("O=eStreamer client"));
    assert_eq!(sans(&cert), (vec!["10.20.30.40".parse().unwrap()], vec![]));
    assert_eq!(cert.issuer(), ca.subject());
    // OpenSSL agrees the certificate chains to the CA and is fit for TLS client auth.
    let leaf_pem = tmp.path().join("leaf.pem");
    std::fs::write(&leaf_pem, pem_encode(&id.cert_chain[0])).unwrap();
    let out = openssl(&[
        "verify",
        "-purpose",
        "sslclient",
        "-CAfile",
        pki.ca_cert().to_str().unwrap(),
        leaf_pem.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(cert.extended_key_usage().unwrap().unwrap().value.client_auth);
    assert_eq!(cert.raw_serial_as_string().replace(':', ""), issued.serial_hex);
    let days = (cert.validity().not_after.timestamp() - cert.validity().not_before.timestamp()) / 86400;
    assert!((700..=740).contains(&days), "client validity {days} days");

    let clients = list_clients(tmp.path()).unwrap();
    assert_eq!(clients.len(), 1);
    let rec = &clients[0];
    assert_eq!(rec.host, "10.20.30.40");
    assert_eq!(rec.serial_hex, issued.serial_hex);
    assert_eq!(rec.subject_cn, "10.20.30.40");
    assert!(!rec.revoked);
    assert!(rec.issued_at.ends_with('Z'), "{}", rec.issued_at);
    // The on-disk JSON has the documented keys.
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(pki.clients_registry()).unwrap()).unwrap();
    let c = &json["clients"][0];
    for key in ["host", "serial_hex", "subject_cn", "issued_at", "revoked"] {
        assert!(!c[key].is_null(), "registry lacks {key}: {c}");
    }
}

#[test]
fn add_client_dns_and_ipv6_hosts_with_generated_password() {
    let tmp = tempfile::tempdir().unwrap();
    copied_pki(tmp.path());
    let issued = add_client(tmp.path(), "SIEM.example.com", None).unwrap();
    assert!(issued.password_was_generated);
    assert!(issued.password.len() >= 16);
    assert!(issued.password.chars().all(|c| c.is_ascii_alphanumeric()));
    let id = load_pkcs12(&issued.pkcs12, &issued.password).unwrap();
    let (_, cert) = X509Certificate::from_der(&id.cert_chain[0]).unwrap();
    let cn: Vec<_> = cert.subject().iter_common_name().map(|c| c.as_str().unwrap()).collect();
    assert_eq!(cn, ["siem.example.com"]);
    assert_eq!(sans(&cert), (vec![], vec!["siem.example.com".to_string()]));

    // IPv4-mapped IPv6 is registered as plain IPv4; real IPv6 stays IPv6.
    let mapped = add_client(tmp.path(), "::ffff:192.168.1.9", Some("x")).unwrap();
    assert_eq!(mapped.host, "192.168.1.9");
    let v6 = add_client(tmp.path(), "2001:db8::42", Some("x")).unwrap();
    let id = load_pkcs12(&v6.pkcs12, "x").unwrap();
    let (_, cert) = X509Certificate::from_der(&id.cert_chain[0]).unwrap();
    assert_eq!(sans(&cert).0, vec!["2001:db8::42".parse::<IpAddr>().unwrap()]);

    let hosts: Vec<_> = list_clients(tmp.path()).unwrap().into_iter().map(|c| c.host).collect();
    assert_eq!(hosts, ["siem.example.com", "192.168.1.9", "2001:db8::42"]);
}

#[test]
fn add_client_errors_name_the_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let err = add_client(tmp.path(), "10.0.0.1", None).unwrap_err();
    assert!(matches!(err, PkiError::NotInitialised { .. }), "{err}");
    assert!(err.to_string().contains("ca-cert.pem"), "{err}");

    copied_pki(tmp.path());
    let err = add_client(tmp.path(), "bad host!", None).unwrap_err();
    assert!(matches!(err, PkiError::InvalidHost { .. }), "{err}");
    assert!(err.to_string().contains("bad host!"), "{err}");
    assert!(list_clients(tmp.path()).unwrap().is_empty());
}

#[test]
fn openssl_reads_our_pkcs12_and_rejects_wrong_password() {
    let tmp = tempfile::tempdir().unwrap();
    copied_pki(tmp.path());
    let issued = add_client(tmp.path(), "127.0.0.1", Some("pw-123")).unwrap();
    let file = tmp.path().join("client.pkcs12");
    estreamer_pki::write_secret_file(&file, &issued.pkcs12).unwrap();
    #[cfg(unix)]
    assert_eq!(mode(&file), 0o600);
    let f = file.to_str().unwrap();

    let ok = openssl(&["pkcs12", "-info", "-in", f, "-passin", "pass:pw-123", "-noout"]);
    assert!(ok.status.success(), "openssl: {}", String::from_utf8_lossy(&ok.stderr));
    let info = String::from_utf8_lossy(&ok.stderr);
    // Same structure and parameters as `openssl pkcs12 -export` in OpenSSL 3.
    assert!(info.contains("MAC: sha256, Iteration 2048"), "{info}");
    assert!(info.contains("Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256"), "{info}");
    assert!(info.contains("PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC"), "{info}");

    let bad = openssl(&["pkcs12", "-info", "-in", f, "-passin", "pass:wrong", "-noout"]);
    assert!(!bad.status.success(), "openssl accepted a wrong password");

    // Full extraction: one key and both certificates.
    let dump = openssl(&["pkcs12", "-in", f, "-passin", "pass:pw-123", "-nodes"]);
    assert!(dump.status.success(), "{}", String::from_utf8_lossy(&dump.stderr));
    let pem = String::from_utf8_lossy(&dump.stdout);
    assert_eq!(pem.matches("BEGIN CERTIFICATE").count(), 2, "{pem}");
    assert_eq!(pem.matches("BEGIN PRIVATE KEY").count(), 1, "{pem}");

    let err = load_pkcs12_file(&file, "wrong").unwrap_err();
    assert!(matches!(err, PkiError::Pkcs12 { .. }), "{err}");
    assert!(err.to_string().contains("client.pkcs12"), "{err}");
    assert!(err.to_string().contains("wrong password"), "{err}");
}

#[test]
fn empty_password_bundle_is_readable() {
    let tmp = tempfile::tempdir().unwrap();
    copied_pki(tmp.path());
    let issued = add_client(tmp.path(), "127.0.0.1", Some("")).unwrap();
    assert!(!issued.password_was_generated);
    load_pkcs12(&issued.pkcs12, "").unwrap();
    let file = tmp.path().join("empty.p12");
    std::fs::write(&file, &issued.pkcs12).unwrap();
    let out = openssl(&["pkcs12", "-info", "-in", file.to_str().unwrap(), "-passin", "pass:", "-noout"]);
    assert!(out.status.success(), "openssl: {}", String::from_utf8_lossy(&out.stderr));
}

/// Splits one of our bundles into PEM files with openssl, as eNcore does.
fn split_with_openssl(dir: &Path, p12: &Path, password: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let cert = dir.join("client.cert");
    let key = dir.join("client.key");
    let pass = format!("pass:{password}");
    let export = |what: &[&str], out_file: &Path| {
        let mut args = vec!["pkcs12", "-in", p12.to_str().unwrap(), "-passin", &pass];
        args.extend_from_slice(what);
        args.extend_from_slice(&["-out", out_file.to_str().unwrap()]);
        let out = openssl(&args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    export(&["-clcerts", "-nokeys"], &cert);
    export(&["-nocerts", "-nodes"], &key);
    (cert, key)
}

#[test]
fn load_pkcs12_reads_openssl_exports_and_pem_identity_matches() {
    let tmp = tempfile::tempdir().unwrap();
    let pki = copied_pki(tmp.path());
    let issued = add_client(tmp.path(), "127.0.0.1", Some(TEST_PASSWORD)).unwrap();
    let ours = load_pkcs12(&issued.pkcs12, TEST_PASSWORD).unwrap();
    let p12 = tmp.path().join("ours.p12");
    std::fs::write(&p12, &issued.pkcs12).unwrap();
    let (cert, key) = split_with_openssl(tmp.path(), &p12, TEST_PASSWORD);

    // PEM identity as eNcore keeps it: .cert + .key, CA given separately.
    let pem_id = load_pem_identity(&cert, &key, Some(&pki.ca_cert())).unwrap();
    assert_eq!(pem_id.cert_chain, ours.cert_chain);
    assert_eq!(pem_id.ca_certs, ours.ca_certs);
    assert_eq!(pem_id.key.secret_der(), ours.key.secret_der());
    let no_ca = load_pem_identity(&cert, &key, None).unwrap();
    assert!(no_ca.ca_certs.is_empty());

    // OpenSSL 3 default export (PBES2/AES-256/SHA-256) and an old-style 3DES/SHA-1 one, as
    // older management centers produce.
    let legacy: &[&str] = &["-certpbe", "PBE-SHA1-3DES", "-keypbe", "PBE-SHA1-3DES", "-macalg", "sha1"];
    let variants: [&[&str]; 2] = [&[], legacy];
    for (i, extra) in variants.iter().enumerate() {
        let out_file = tmp.path().join(format!("openssl-{i}.p12"));
        let ca_path = pki.ca_cert();
        let mut args = vec![
            "pkcs12",
            "-export",
            "-in",
            cert.to_str().unwrap(),
            "-inkey",
            key.to_str().unwrap(),
            "-certfile",
            ca_path.to_str().unwrap(),
            "-name",
            "client",
            "-passout",
            "pass:exported",
            "-out",
            out_file.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let out = openssl(&args);
        assert!(out.status.success(), "openssl export: {}", String::from_utf8_lossy(&out.stderr));
        let id = load_pkcs12_file(&out_file, "exported").unwrap_or_else(|e| panic!("variant {i} {extra:?}: {e}"));
        assert_eq!(id.cert_chain, ours.cert_chain, "variant {i}");
        assert_eq!(id.ca_certs, ours.ca_certs, "variant {i}");
        assert_eq!(id.key.secret_der(), ours.key.secret_der(), "variant {i}");
        assert!(load_pkcs12_file(&out_file, "nope").is_err());
    }
}

#[test]
fn revoke_client_updates_registry_and_crl() {
    let tmp = tempfile::tempdir().unwrap();
    let pki = copied_pki(tmp.path());
    let a = add_client(tmp.path(), "10.0.0.1", Some("x")).unwrap();
    let b = add_client(tmp.path(), "10.0.0.2", Some("x")).unwrap();
    let a2 = add_client(tmp.path(), "10.0.0.1", Some("x")).unwrap();

    assert_eq!(revoke_client(tmp.path(), "10.0.0.1").unwrap(), 2);
    assert_eq!(revoke_client(tmp.path(), "10.0.0.1").unwrap(), 0, "already revoked");
    // Serial in OpenSSL's colon form, upper case.
    let colon: String = b
        .serial_hex
        .to_uppercase()
        .as_bytes()
        .chunks(2)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(":");
    assert_eq!(revoke_client(tmp.path(), &colon).unwrap(), 1);
    let err = revoke_client(tmp.path(), "10.9.9.9").unwrap_err();
    assert!(matches!(err, PkiError::UnknownClient { .. }), "{err}");
    assert!(err.to_string().contains("10.9.9.9"), "{err}");

    let clients = list_clients(tmp.path()).unwrap();
    assert!(clients.iter().all(|c| c.revoked && c.revoked_at.is_some()));

    let crl_der = pem_der(&pki.crl());
    let (_, crl) = CertificateRevocationList::from_der(&crl_der).unwrap();
    let mut serials: Vec<String> =
        crl.iter_revoked_certificates().map(|r| r.raw_serial_as_string().replace(':', "")).collect();
    serials.sort();
    let mut want = vec![a.serial_hex, b.serial_hex, a2.serial_hex];
    want.sort();
    assert_eq!(serials, want);
    let out =
        openssl(&["crl", "-in", pki.crl().to_str().unwrap(), "-CAfile", pki.ca_cert().to_str().unwrap(), "-noout"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("verify OK"));
}

#[test]
fn testing_helpers_make_bad_clients() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("good");
    let other = tmp.path().join("other");
    copied_pki(&good);
    let ok = testing::good_client(&good, "127.0.0.1").unwrap();
    let expired = testing::expired_client(&good, "127.0.0.1").unwrap();
    let foreign = testing::other_ca_client(&other, "127.0.0.1").unwrap();
    let wrong = testing::wrong_host_client(&good).unwrap();

    let ca = pem_der(&PkiDir::new(&good).ca_cert());
    let other_ca = pem_der(&PkiDir::new(&other).ca_cert());
    assert_ne!(ca, other_ca);
    let id = |c: &estreamer_pki::IssuedClient| load_pkcs12(&c.pkcs12, TEST_PASSWORD).unwrap();
    assert_eq!(id(&ok).ca_certs[0].as_ref(), &ca[..]);
    assert_eq!(id(&foreign).ca_certs[0].as_ref(), &other_ca[..]);
    let exp = id(&expired);
    let (_, cert) = X509Certificate::from_der(&exp.cert_chain[0]).unwrap();
    assert!(!cert.validity().is_valid());
    let wrong_id = id(&wrong);
    let (_, cert) = X509Certificate::from_der(&wrong_id.cert_chain[0]).unwrap();
    assert_eq!(sans(&cert).0, vec![testing::WRONG_HOST]);
}

/// Every input the fuzz targets of this crate found or were seeded with, replayed.
#[test]
fn fuzz_corpus_replays_without_panics() {
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/corpus"));
    let mut n = 0;
    for (target, run) in [("pkcs12", estreamer_pki::fuzzing::pkcs12 as fn(&[u8])), ("pem", estreamer_pki::fuzzing::pem)]
    {
        for e in std::fs::read_dir(root.join(target)).into_iter().flatten().flatten() {
            run(&std::fs::read(e.path()).unwrap());
            n += 1;
        }
    }
    assert!(n >= 2, "the corpus is there");
}

// Certificate roles: `add_sensor` issues sensor certificates, and each port's identity check
// refuses the other role.

const LOCAL: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

#[test]
fn a_sensor_certificate_is_refused_by_the_event_port_and_a_client_one_by_ingest() {
    let dir = tempfile::tempdir().unwrap();
    copied_pki(dir.path());
    let sensor = add_sensor(dir.path(), "127.0.0.1", Some("pw")).unwrap();
    let client = add_client(dir.path(), "127.0.0.1", Some("pw")).unwrap();
    let sensor_cert = load_pkcs12(&sensor.pkcs12, "pw").unwrap().cert_chain[0].clone();
    let client_cert = load_pkcs12(&client.pkcs12, "pw").unwrap().cert_chain[0].clone();

    let id = peer_identity(&sensor_cert).unwrap();
    assert_eq!(id.role, Role::Sensor);
    assert!(id.subject.contains("O=eStreamer sensor") && id.subject.contains("OU=sensor"), "{}", id.subject);
    assert_eq!(peer_identity(&client_cert).unwrap().role, Role::Client);

    let events = IdentityPolicy::default();
    let ingest = IdentityPolicy { role: Role::Sensor, ..IdentityPolicy::default() };
    check_peer(&events, LOCAL, &client_cert).unwrap();
    check_peer(&ingest, LOCAL, &sensor_cert).unwrap();
    let e = check_peer(&events, LOCAL, &sensor_cert).unwrap_err();
    assert!(matches!(e, PkiError::RoleMismatch { role: Role::Sensor, port_role: Role::Client, .. }), "{e}");
    assert!(e.to_string().contains("is a sensor certificate; this port admits client certificates only"), "{e}");
    let e = check_peer(&ingest, LOCAL, &client_cert).unwrap_err();
    assert!(matches!(e, PkiError::RoleMismatch { role: Role::Client, port_role: Role::Sensor, .. }), "{e}");
    // The host check applies to sensors as well.
    assert!(check_peer(&ingest, "192.0.2.1".parse().unwrap(), &sensor_cert).is_err());

    let roles: Vec<Role> = list_clients(dir.path()).unwrap().iter().map(|c| c.role).collect();
    assert_eq!(roles, [Role::Sensor, Role::Client], "the registry records each role");
}
