//! The TLS and identity matrix, on TLS 1.2 and 1.3: every kind of peer that must not get a
//! session is refused, counted once as refused, and never answered with an eStreamer Error.

use std::sync::Arc;
use std::time::Duration;

use estreamer_pki::{ClientIdentity, ClientTlsOptions, IdentityPolicy};
use estreamer_server::{EndReason, ServerOptions, ServerStats};
use estreamer_test_support::net::tcp_from;
use estreamer_test_support::pki::{identity, self_signed_identity};
use estreamer_test_support::shared_pki;
use estreamer_wire::message::{flags, EventStreamRequest, Message};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::TlsConnector;

use crate::harness::{bounded, start};

static TLS13_ONLY: &[&rustls::SupportedProtocolVersion] = &[&rustls::version::TLS13];
static TLS12_ONLY: &[&rustls::SupportedProtocolVersion] = &[&rustls::version::TLS12];

fn request() -> Vec<u8> {
    let m = Message::EventStreamRequest(EventStreamRequest { initial_timestamp: 0, flags: flags::ENCORE_DEFAULT });
    m.to_bytes().unwrap()
}

/// Try a full session as `id` over TLS 1.2 or 1.3; returns the application bytes received (an
/// accepted client would get the 2051 at once). `Err` when the handshake itself failed.
async fn attempt(addr: std::net::SocketAddr, id: &ClientIdentity, tls13: bool) -> Result<Vec<u8>, String> {
    let opts = ClientTlsOptions { verify_server: false, tls12: !tls13, tls13 };
    let cfg = estreamer_pki::client_config(id, &opts).map_err(|e| e.to_string())?;
    let tcp = tcp_from(addr, None).await.map_err(|e| e.to_string())?;
    let name = rustls::pki_types::ServerName::IpAddress(addr.ip().into());
    let mut s = TlsConnector::from(cfg).connect(name, tcp).await.map_err(|e| e.to_string())?;
    // TLS 1.3 finishes the client's side before the server has judged the certificate: the
    // refusal shows up on the first read.
    s.write_all(&request()).await.map_err(|e| e.to_string())?;
    let mut got = Vec::new();
    match s.read_to_end(&mut got).await {
        Ok(_) => Ok(got),
        Err(e) if got.is_empty() => Err(e.to_string()),
        Err(_) => Ok(got),
    }
}

async fn refused_once(stats: &ServerStats, before: u64) {
    assert!(
        stats.wait_for(Duration::from_secs(10), |s| s.ended_total(EndReason::Refused) == before + 1).await,
        "counted once as refused"
    );
}

#[tokio::test]
async fn every_bad_client_is_refused_without_an_error_message() {
    let pki = shared_pki();
    let policy = IdentityPolicy { skip_host_check: false, required_subject: None, ..Default::default() };
    let svc = start(ServerOptions { identity: policy, ..ServerOptions::default() }, 1).await;
    let cases: Vec<(&str, ClientIdentity)> = vec![
        ("another CA", identity(&pki.other_ca)),
        ("self-signed", self_signed_identity("127.0.0.1")),
        ("expired", identity(&pki.expired)),
        ("not yet valid", identity(&pki.not_yet_valid)),
        ("revoked", identity(&pki.revoked)),
        ("wrong host", identity(&pki.wrong_host)),
    ];
    for tls13 in [false, true] {
        for (what, id) in &cases {
            let before = svc.stats.ended_total(EndReason::Refused);
            let r = bounded(what, attempt(svc.addr, id, tls13)).await;
            match &r {
                Err(_) => {}
                Ok(bytes) => assert!(bytes.is_empty(), "{what} (TLS 1.3: {tls13}) got application data: {bytes:?}"),
            }
            refused_once(&svc.stats, before).await;
        }
    }
    assert_eq!(svc.stats.authenticated_total(), 0);
    svc.shutdown().await;
}

#[tokio::test]
async fn a_client_without_a_certificate_and_a_wrong_subject_are_refused() {
    let pki = shared_pki();
    let policy = IdentityPolicy {
        skip_host_check: false,
        required_subject: Some("OU=SOC collectors".into()),
        ..Default::default()
    };
    let svc = start(ServerOptions { identity: policy, ..ServerOptions::default() }, 1).await;
    for tls13 in [false, true] {
        // Wrong subject: a good certificate without the required OU.
        let before = svc.stats.ended_total(EndReason::Refused);
        let r = bounded("wrong subject", attempt(svc.addr, &pki.identity(), tls13)).await;
        assert!(r.as_ref().map_or(true, |b| b.is_empty()), "wrong subject got data: {r:?}");
        refused_once(&svc.stats, before).await;
        // No certificate at all.
        let before = svc.stats.ended_total(EndReason::Refused);
        let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
            .with_protocol_versions(if tls13 { TLS13_ONLY } else { TLS12_ONLY })
            .unwrap()
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(estreamer_pki::NoServerVerification::new(Arc::new(
                rustls::crypto::aws_lc_rs::default_provider(),
            ))))
            .with_no_client_auth();
        let tcp = tcp_from(svc.addr, None).await.unwrap();
        let name = rustls::pki_types::ServerName::IpAddress(svc.addr.ip().into());
        let outcome = async {
            let mut s = TlsConnector::from(Arc::new(cfg)).connect(name, tcp).await?;
            s.write_all(&request()).await?;
            let mut got = Vec::new();
            s.read_to_end(&mut got).await.map(|_| got)
        };
        let r = bounded("no certificate", outcome).await;
        assert!(r.as_ref().map_or(true, |b| b.is_empty()), "no certificate got data: {r:?}");
        refused_once(&svc.stats, before).await;
    }
    assert_eq!(svc.stats.authenticated_total(), 0);
    svc.shutdown().await;
}

/// A hand-made ClientHello record with `version`, offering `suites`, without extensions (what
/// an SSLv3 or TLS 1.0/1.1-only client, or one offering only weak suites, sends).
fn legacy_client_hello(version: [u8; 2], suites: &[u16]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&version);
    body.extend_from_slice(&[7u8; 32]); // random
    body.push(0); // session id
    body.extend_from_slice(&((suites.len() * 2) as u16).to_be_bytes());
    for s in suites {
        body.extend_from_slice(&s.to_be_bytes());
    }
    body.extend_from_slice(&[1, 0]); // compression: null
    let mut hs = vec![1u8]; // ClientHello
    hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut rec = vec![0x16, 0x03, 0x01];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

#[tokio::test]
async fn plaintext_old_protocols_and_weak_suites_are_refused() {
    let svc = start(ServerOptions::default(), 1).await;
    const RSA_AES128_CBC_SHA: u16 = 0x002F;
    const RSA_RC4_128_SHA: u16 = 0x0005;
    const RSA_3DES_EDE_CBC_SHA: u16 = 0x000A;
    const ECDHE_RSA_AES128_CBC_SHA: u16 = 0xC013;
    let probes: Vec<(&str, Vec<u8>)> = vec![
        ("plaintext eStreamer", request()),
        ("SSLv3", legacy_client_hello([3, 0], &[RSA_AES128_CBC_SHA, RSA_RC4_128_SHA])),
        ("TLS 1.0", legacy_client_hello([3, 1], &[RSA_AES128_CBC_SHA, ECDHE_RSA_AES128_CBC_SHA])),
        ("TLS 1.1", legacy_client_hello([3, 2], &[RSA_AES128_CBC_SHA, ECDHE_RSA_AES128_CBC_SHA])),
        (
            "TLS 1.2 with only weak suites",
            legacy_client_hello(
                [3, 3],
                &[RSA_RC4_128_SHA, RSA_3DES_EDE_CBC_SHA, RSA_AES128_CBC_SHA, ECDHE_RSA_AES128_CBC_SHA],
            ),
        ),
    ];
    for (what, bytes) in probes {
        let before = svc.stats.ended_total(EndReason::Refused);
        let mut tcp = tcp_from(svc.addr, None).await.unwrap();
        tcp.write_all(&bytes).await.unwrap();
        let mut got = Vec::new();
        let _ = bounded(what, tcp.read_to_end(&mut got)).await;
        // At most a TLS alert record (content type 21); never an eStreamer message.
        assert!(got.is_empty() || got[0] == 0x15, "{what}: answered with {got:02x?}");
        refused_once(&svc.stats, before).await;
    }
    assert_eq!(svc.stats.authenticated_total(), 0);
    svc.shutdown().await;
}
