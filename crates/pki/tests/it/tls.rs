//! Real rustls handshakes (in memory) between our server and client configs, and the
//! post-handshake identity policy.

use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use estreamer_pki::{
    check_peer, client_config, load_pkcs12, peer_identity, revoke_client, server_config, ClientIdentity,
    ClientTlsOptions, IdentityPolicy, PkiError, ServerTlsOptions,
};
use estreamer_test_support::copied_pki;
use estreamer_test_support::pki::{self as testing, handshake, HandshakeFailure, TEST_PASSWORD};
use rustls::{CertificateError, ProtocolVersion, RootCertStore};

fn identity(issued: &estreamer_pki::IssuedClient) -> ClientIdentity {
    load_pkcs12(&issued.pkcs12, TEST_PASSWORD).unwrap()
}

fn client(id: &ClientIdentity, verify: bool, tls12: bool, tls13: bool) -> Arc<rustls::ClientConfig> {
    client_config(id, &ClientTlsOptions { verify_server: verify, tls12, tls13 }).unwrap()
}

fn server(dir: &Path) -> Arc<rustls::ServerConfig> {
    server_config(dir, &ServerTlsOptions::default()).unwrap()
}

fn assert_server_rejects(
    result: Result<(rustls::ServerConnection, rustls::ClientConnection), HandshakeFailure>,
    want: fn(&rustls::Error) -> bool,
) {
    match result {
        Err(HandshakeFailure::Server(e)) => assert!(want(&e), "unexpected server error {e:?}"),
        Err(other) => panic!("expected the server to reject, got {other}"),
        Ok(_) => panic!("handshake unexpectedly succeeded"),
    }
}

fn is_cert_error(e: &rustls::Error, pred: fn(&CertificateError) -> bool) -> bool {
    matches!(e, rustls::Error::InvalidCertificate(c) if pred(c))
}

#[test]
fn good_client_handshakes_with_every_version_combination() {
    let tmp = tempfile::tempdir().unwrap();
    copied_pki(tmp.path());
    let issued = testing::good_client(tmp.path(), "127.0.0.1").unwrap();
    let id = identity(&issued);

    let cases = [
        // (server 1.2, server 1.3, client 1.2, client 1.3, expected version)
        (true, true, true, true, ProtocolVersion::TLSv1_3),
        (true, true, true, false, ProtocolVersion::TLSv1_2),
        (true, false, true, true, ProtocolVersion::TLSv1_2),
        (false, true, true, true, ProtocolVersion::TLSv1_3),
        (false, true, false, true, ProtocolVersion::TLSv1_3),
    ];
    for (s12, s13, c12, c13, want) in cases {
        let scfg = server_config(tmp.path(), &ServerTlsOptions { tls12: s12, tls13: s13 }).unwrap();
        for verify in [true, false] {
            for name in ["localhost", "127.0.0.1"] {
                let (s, c) = handshake(scfg.clone(), client(&id, verify, c12, c13), name)
                    .unwrap_or_else(|e| panic!("s12={s12} s13={s13} c12={c12} c13={c13} verify={verify} {name}: {e}"));
                assert_eq!(c.protocol_version(), Some(want));
                assert_eq!(s.protocol_version(), Some(want));
                // The server sees exactly our client certificate, and no SNI was sent.
                assert_eq!(s.peer_certificates().unwrap()[0], id.cert_chain[0]);
                assert_eq!(s.server_name(), None);
                let policy = IdentityPolicy::default();
                check_peer(&policy, "127.0.0.1".parse().unwrap(), &s.peer_certificates().unwrap()[0]).unwrap();
                if want == ProtocolVersion::TLSv1_2 {
                    let suite = format!("{:?}", c.negotiated_cipher_suite().unwrap().suite());
                    assert!(suite.starts_with("TLS_ECDHE_") && suite.contains("GCM"), "{suite}");
                }
            }
        }
    }
}

#[test]
fn server_never_resumes_sessions() {
    // Resumption would skip client-certificate (and CRL) checks on reconnect.
    let tmp = tempfile::tempdir().unwrap();
    copied_pki(tmp.path());
    let id = identity(&testing::good_client(tmp.path(), "127.0.0.1").unwrap());
    let scfg = server(tmp.path());
    for (c12, c13) in [(true, false), (false, true)] {
        let ccfg = client(&id, true, c12, c13);
        for _ in 0..2 {
            let (s, c) = handshake(scfg.clone(), ccfg.clone(), "localhost").unwrap();
            assert_eq!(c.handshake_kind(), Some(rustls::HandshakeKind::Full));
            assert_eq!(s.handshake_kind(), Some(rustls::HandshakeKind::Full));
        }
    }
}

#[test]
fn version_mismatch_fails() {
    let tmp = tempfile::tempdir().unwrap();
    copied_pki(tmp.path());
    let id = identity(&testing::good_client(tmp.path(), "127.0.0.1").unwrap());
    let scfg = server_config(tmp.path(), &ServerTlsOptions { tls12: false, tls13: true }).unwrap();
    assert!(handshake(scfg, client(&id, true, true, false), "localhost").is_err());
    let err = server_config(tmp.path(), &ServerTlsOptions { tls12: false, tls13: false }).unwrap_err();
    assert!(matches!(err, PkiError::NoTlsVersion { side: "server" }), "{err}");
    let err = client_config(&id, &ClientTlsOptions { verify_server: false, tls12: false, tls13: false }).unwrap_err();
    assert!(matches!(err, PkiError::NoTlsVersion { side: "client" }), "{err}");
}

#[test]
fn client_from_other_ca_is_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("good");
    let other = tmp.path().join("other");
    copied_pki(&good);
    let foreign = identity(&testing::other_ca_client(&other, "127.0.0.1").unwrap());
    for (c12, c13) in [(true, false), (false, true)] {
        assert_server_rejects(handshake(server(&good), client(&foreign, false, c12, c13), "localhost"), |e| {
            is_cert_error(e, |c| matches!(c, CertificateError::UnknownIssuer))
        });
    }
    // With verification on, that client also refuses our server: its CA is the other one.
    match handshake(server(&good), client(&foreign, true, true, true), "localhost") {
        Err(HandshakeFailure::Client(e)) => {
            assert!(is_cert_error(&e, |c| matches!(c, CertificateError::UnknownIssuer)), "{e:?}")
        }
        other => panic!("expected client-side rejection, got {:?}", other.err()),
    }
}

#[test]
fn client_without_certificate_is_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let pki = copied_pki(tmp.path());
    let mut roots = RootCertStore::empty();
    let ca = rustls::pki_types::CertificateDer::from(
        rustls::pki_types::pem::PemObject::from_pem_file(pki.ca_cert())
            .map(|c: rustls::pki_types::CertificateDer<'static>| c.to_vec())
            .unwrap(),
    );
    roots.add(ca).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    for versions in [&[&rustls::version::TLS12][..], &[&rustls::version::TLS13][..]] {
        let cfg = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(versions)
            .unwrap()
            .with_root_certificates(roots.clone())
            .with_no_client_auth();
        assert_server_rejects(handshake(server(tmp.path()), Arc::new(cfg), "localhost"), |e| {
            matches!(e, rustls::Error::NoCertificatesPresented)
        });
    }
}

#[test]
fn revoked_and_expired_clients_are_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    copied_pki(tmp.path());
    let keep = identity(&testing::good_client(tmp.path(), "127.0.0.1").unwrap());
    let doomed_issued = testing::good_client(tmp.path(), "localhost").unwrap();
    let doomed = identity(&doomed_issued);
    handshake(server(tmp.path()), client(&doomed, true, true, true), "localhost").unwrap();

    assert_eq!(revoke_client(tmp.path(), &doomed_issued.serial_hex).unwrap(), 1);
    // A config built before the revocation still has the old CRL; new ones see it.
    for (c12, c13) in [(true, false), (false, true)] {
        assert_server_rejects(handshake(server(tmp.path()), client(&doomed, true, c12, c13), "localhost"), |e| {
            is_cert_error(e, |c| matches!(c, CertificateError::Revoked))
        });
    }
    handshake(server(tmp.path()), client(&keep, true, true, true), "localhost").unwrap();

    let expired = identity(&testing::expired_client(tmp.path(), "127.0.0.1").unwrap());
    assert_server_rejects(handshake(server(tmp.path()), client(&expired, false, true, true), "localhost"), |e| {
        is_cert_error(e, |c| matches!(c, CertificateError::Expired | CertificateError::ExpiredContext { .. }))
    });
}

#[test]
fn server_config_errors_name_missing_files() {
    let tmp = tempfile::tempdir().unwrap();
    let err = server_config(tmp.path(), &ServerTlsOptions::default()).unwrap_err();
    assert!(matches!(err, PkiError::NotInitialised { .. }), "{err}");
    assert!(err.to_string().contains("ca-cert.pem"), "{err}");

    let id = ClientIdentity {
        ca_certs: vec![],
        ..identity(&{
            copied_pki(tmp.path());
            testing::good_client(tmp.path(), "127.0.0.1").unwrap()
        })
    };
    let err = client_config(&id, &ClientTlsOptions::default()).unwrap_err();
    assert!(err.to_string().contains("no CA certificate"), "{err}");
    // Without verification a CA is not needed (eNcore ignores it).
    client_config(&id, &ClientTlsOptions { verify_server: false, ..Default::default() }).unwrap();
}

fn leaf(issued: &estreamer_pki::IssuedClient) -> rustls::pki_types::CertificateDer<'static> {
    identity(issued).cert_chain.remove(0)
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn check_peer_host_and_subject_policy() {
    let tmp = tempfile::tempdir().unwrap();
    copied_pki(tmp.path());
    let v4 = leaf(&testing::good_client(tmp.path(), "10.1.2.3").unwrap());
    let v6 = leaf(&testing::good_client(tmp.path(), "2001:db8::7").unwrap());
    let local = leaf(&testing::good_client(tmp.path(), "localhost").unwrap());
    let wrong = leaf(&testing::wrong_host_client(tmp.path()).unwrap());
    let strict = IdentityPolicy::default();

    check_peer(&strict, ip("10.1.2.3"), &v4).unwrap();
    check_peer(&strict, ip("::ffff:10.1.2.3"), &v4).unwrap();
    check_peer(&strict, ip("2001:db8::7"), &v6).unwrap();
    check_peer(&strict, ip("127.0.0.1"), &local).unwrap();
    check_peer(&strict, ip("::1"), &local).unwrap();
    check_peer(&strict, ip("::ffff:127.0.0.1"), &local).unwrap();

    let err = check_peer(&strict, ip("10.1.2.4"), &v4).unwrap_err();
    assert!(matches!(err, PkiError::HostMismatch { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("10.1.2.4") && msg.contains("10.1.2.3"), "{msg}");
    let err = check_peer(&strict, ip("::ffff:127.0.0.1"), &wrong).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("peer address 127.0.0.1 ") && msg.contains("192.0.2.77"), "{msg}");
    let err = check_peer(&strict, ip("10.0.0.9"), &local).unwrap_err();
    assert!(err.to_string().contains("localhost"), "{err}");

    let skip = IdentityPolicy { skip_host_check: true, required_subject: None, ..Default::default() };
    check_peer(&skip, ip("127.0.0.1"), &wrong).unwrap();

    let subject = IdentityPolicy {
        skip_host_check: false,
        required_subject: Some("O=eStreamer client".into()),
        ..Default::default()
    };
    check_peer(&subject, ip("10.1.2.3"), &v4).unwrap();
    let other_subject =
        IdentityPolicy { skip_host_check: true, required_subject: Some("O=Someone Else".into()), ..Default::default() };
    let err = check_peer(&other_subject, ip("10.1.2.3"), &v4).unwrap_err();
    assert!(matches!(err, PkiError::SubjectMismatch { .. }), "{err}");
    assert!(err.to_string().contains("O=Someone Else") && err.to_string().contains("CN=10.1.2.3"), "{err}");

    let id = peer_identity(&v4).unwrap();
    assert_eq!(id.common_names, ["10.1.2.3"]);
    assert_eq!(id.ip_sans, [ip("10.1.2.3")]);
    assert!(id.dns_sans.is_empty());

    let garbage = rustls::pki_types::CertificateDer::from(vec![0x30, 0x03, 0x01, 0x01, 0x00]);
    assert!(matches!(check_peer(&strict, ip("10.1.2.3"), &garbage), Err(PkiError::Certificate { .. })));
}
