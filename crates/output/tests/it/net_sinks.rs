//! Network sinks against real sockets on 127.0.0.1: TCP (octet counting, reconnect, slow
//! reader), UDP (size bound), and a minimal HTTP/1.1 test double for Splunk HEC.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use estreamer_output::sinks::{HecConfig, HecSink, TcpConfig, TcpSink, UdpConfig, UdpSink};
use estreamer_output::{
    Format, FormatOptions, Formatter, Framing, OutputError, Payload, Pipeline, PipelineConfig, RecordFacts, Sink,
    SyslogMessage,
};
use estreamer_wire::view::MetadataCache;

fn facts() -> RecordFacts {
    RecordFacts {
        record_type: 400,
        archive_ts: 1,
        event_time: (1_750_000_001, 123_457),
        is_metadata: false,
        issues: vec![],
    }
}

/// Read `n` newline-terminated lines (bounded by `n`).
fn read_lines(r: &mut BufReader<TcpStream>, n: usize) -> Vec<String> {
    (0..n)
        .map(|_| {
            let mut s = String::new();
            r.read_line(&mut s).unwrap();
            s
        })
        .collect()
}

#[test]
fn syslog_over_tcp_is_octet_counted() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let format = Format::Syslog(SyslogMessage::Cef);
    let config = estreamer_output::parse_output(&format!("tcp://{addr}")).unwrap();
    let framing = config.framing(&format);
    assert_eq!(framing, Framing::OctetCounting);
    let formatter = Formatter::new(&format, &FormatOptions::default(), framing);
    let mut pipeline = Pipeline::new(formatter, MetadataCache::new(), PipelineConfig::default()).unwrap();
    let mut sink = TcpSink::new(TcpConfig::new(addr));
    let names = ["r400_s2b85", "r71_s1b174", "r500_s2b79"];
    for n in names {
        pipeline.push(crate::common::raw(n), |f, b| sink.write(f, b)).unwrap();
    }
    sink.flush().unwrap();
    drop(sink);
    let (conn, _) = listener.accept().unwrap();
    let mut all = Vec::new();
    conn.take(1 << 20).read_to_end(&mut all).unwrap();
    // SYSLOG-FRAME = MSG-LEN SP SYSLOG-MSG, the length in octets, no leading zero.
    let mut rest = &all[..];
    let mut frames = 0;
    while !rest.is_empty() {
        let sp = rest.iter().position(|&b| b == b' ').unwrap();
        let len_text = std::str::from_utf8(&rest[..sp]).unwrap();
        assert!(!len_text.starts_with('0'));
        let len: usize = len_text.parse().unwrap();
        let msg = &rest[sp + 1..sp + 1 + len];
        assert!(msg.starts_with(b"<"), "{}", String::from_utf8_lossy(msg));
        assert!(String::from_utf8_lossy(msg).contains(" estreamer - "));
        rest = &rest[sp + 1 + len..];
        frames += 1;
    }
    assert_eq!(frames, names.len());
}

#[test]
fn tcp_reconnects_after_the_peer_drops_and_loses_nothing() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (dropped_tx, dropped_rx) = mpsc::channel();
    let server = std::thread::spawn(move || {
        let (c1, _) = listener.accept().unwrap();
        let mut r1 = BufReader::new(c1);
        let first = read_lines(&mut r1, 3);
        // Drop the connection, then tell the writer, then accept again.
        r1.get_ref().shutdown(Shutdown::Both).unwrap();
        drop(r1);
        dropped_tx.send(()).unwrap();
        let (c2, _) = listener.accept().unwrap();
        let mut rest = String::new();
        c2.take(1 << 20).read_to_string(&mut rest).unwrap();
        (first, rest.lines().map(|l| format!("{l}\n")).collect::<Vec<_>>())
    });
    let mut config = TcpConfig::new(addr);
    config.backoff_initial = Duration::from_millis(1);
    config.backoff_max = Duration::from_millis(20);
    let mut sink = TcpSink::new(config);
    let msg = |i: usize| format!("record {i}\n");
    for i in 0..3 {
        sink.write(&facts(), msg(i).as_bytes()).unwrap();
    }
    sink.flush().unwrap();
    dropped_rx.recv().unwrap();
    for i in 3..7 {
        sink.write(&facts(), msg(i).as_bytes()).unwrap();
    }
    sink.flush().unwrap();
    assert_eq!(sink.stats().reconnects, 1);
    drop(sink);
    let (first, second) = server.join().unwrap();
    let got: Vec<String> = first.into_iter().chain(second).collect();
    for i in 0..7 {
        assert!(got.contains(&msg(i)), "record {i} lost: {got:?}");
    }
    // At least once; duplicates bounded by one window (the 4 records since the last flush).
    assert!(got.len() - 7 <= 4, "{got:?}");
}

#[test]
fn a_slow_tcp_reader_blocks_the_writer_with_bounded_memory() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    const RECORDS: usize = 4096;
    const SIZE: usize = 8192; // 32 MiB in all: more than the kernel buffers on both ends
    const WINDOW: usize = 64 * 1024;
    let done = Arc::new(AtomicBool::new(false));
    let (progress_tx, progress_rx) = mpsc::channel();
    let writer = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let mut config = TcpConfig::new(addr);
            config.buffer_bytes = WINDOW;
            let mut sink = TcpSink::new(config);
            let mut msg = vec![b'x'; SIZE - 1];
            msg.push(b'\n');
            for i in 0..RECORDS {
                sink.write(&facts(), &msg).unwrap();
                assert!(sink.buffered_bytes() <= WINDOW + SIZE, "window grew to {}", sink.buffered_bytes());
                if i == 256 {
                    progress_tx.send(()).unwrap(); // 2 MiB accepted
                }
            }
            sink.flush().unwrap();
            done.store(true, Ordering::SeqCst);
        })
    };
    let (conn, _) = listener.accept().unwrap();
    progress_rx.recv().unwrap();
    assert!(!done.load(Ordering::SeqCst), "32 MiB cannot be written while nobody reads");
    let mut total = 0usize;
    let mut buf = vec![0u8; 1 << 16];
    let mut conn = conn;
    loop {
        let n = conn.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        total += n;
        if total == RECORDS * SIZE {
            break;
        }
    }
    writer.join().unwrap();
    assert_eq!(total, RECORDS * SIZE);
}

#[test]
fn udp_datagrams_never_exceed_the_bound_and_oversize_is_counted() {
    let receiver = UdpSocket::bind("127.0.0.1:0").unwrap();
    receiver.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let addr = receiver.local_addr().unwrap().to_string();
    let mut config = UdpConfig::new(addr.clone());
    config.max_datagram = 300;
    let mut json_sink = UdpSink::new(config.clone(), Payload::JsonObject).unwrap();
    let mut text_sink = UdpSink::new(config, Payload::Text).unwrap();
    let small = b"{\"recordType\":4,\"id\":1}".to_vec();
    let big_json = format!("{{\"recordType\":400,\"eventId\":7,\"blob\":\"{}\",\"tail\":1}}", "é".repeat(400));
    let big_text = format!("rec_type=400 msg=\"{}\"", "€".repeat(400));
    json_sink.write(&facts(), &small).unwrap();
    json_sink.write(&facts(), big_json.as_bytes()).unwrap();
    text_sink.write(&facts(), big_text.as_bytes()).unwrap();
    let mut buf = vec![0u8; 65_536];
    let mut got = Vec::new();
    for _ in 0..3 {
        let n = receiver.recv(&mut buf).unwrap();
        assert!(n <= 300, "datagram of {n} bytes");
        got.push(buf[..n].to_vec());
    }
    assert_eq!(got[0], small);
    let shrunk: serde_json::Value = serde_json::from_slice(&got[1]).unwrap();
    assert_eq!((shrunk["recordType"].as_u64(), shrunk["eventId"].as_u64()), (Some(400), Some(7)));
    assert_eq!(shrunk["@truncated"], big_json.len());
    let text = String::from_utf8(got[2].clone()).expect("cut on a character boundary");
    assert!(text.starts_with("rec_type=400 msg=\"€"));
    assert_eq!((json_sink.stats().truncated, text_sink.stats().truncated), (1, 1));
}

/// One HTTP/1.1 request as the test double saw it.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    auth: String,
    body: String,
}

/// A minimal HTTP/1.1 server answering requests with the given statuses in turn (the last one
/// repeats), one request per connection. Stops after `max` requests.
fn hec_double(statuses: Vec<(u16, &'static str)>, max: usize) -> (String, std::thread::JoinHandle<Vec<Seen>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let handle = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for i in 0..max {
            let (conn, _) = listener.accept().unwrap();
            let mut r = BufReader::new(conn);
            let mut request_line = String::new();
            r.read_line(&mut request_line).unwrap();
            let path = request_line.split(' ').nth(1).unwrap_or("").to_string();
            let (mut len, mut auth) = (0usize, String::new());
            for _ in 0..100 {
                let mut h = String::new();
                r.read_line(&mut h).unwrap();
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                let (k, v) = h.split_once(':').unwrap();
                match k.to_ascii_lowercase().as_str() {
                    "content-length" => len = v.trim().parse().unwrap(),
                    "authorization" => auth = v.trim().to_string(),
                    _ => {}
                }
            }
            let mut body = vec![0u8; len];
            r.read_exact(&mut body).unwrap();
            seen.push(Seen { path, auth, body: String::from_utf8(body).unwrap() });
            let (status, text) = statuses[i.min(statuses.len() - 1)];
            let reply = format!("{{\"text\":\"{text}\",\"code\":0}}");
            let mut c = r.into_inner();
            write!(
                c,
                "HTTP/1.1 {status} {text}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                reply.len()
            )
            .unwrap();
            c.flush().unwrap();
            if (200..300).contains(&status) || status == 401 {
                break;
            }
        }
        seen
    });
    (addr, handle)
}

fn hec_config(addr: &str) -> HecConfig {
    let mut c = HecConfig::new(addr, false);
    c.backoff_initial = Duration::from_millis(1);
    c.backoff_max = Duration::from_millis(10);
    c.host = Some("fmc01".into());
    c.sourcetype = "cisco:estreamer".into();
    c
}

#[test]
fn hec_retries_503_then_delivers_the_batch_in_envelopes() {
    let (addr, server) = hec_double(vec![(503, "Server is busy"), (200, "Success")], 5);
    let mut sink = HecSink::new(hec_config(&addr), "tok-123".into(), Payload::JsonObject).unwrap();
    for i in 0..3 {
        sink.write(&facts(), format!("{{\"recordType\":400,\"eventId\":{i}}}").as_bytes()).unwrap();
    }
    sink.flush().unwrap();
    assert_eq!(sink.pending_events(), 0);
    let seen = server.join().unwrap();
    assert_eq!(seen.len(), 2, "one 503, one 200");
    assert_eq!(seen[0].body, seen[1].body, "the same batch is resent");
    for s in &seen {
        assert_eq!(s.path, "/services/collector/event");
        assert_eq!(s.auth, "Splunk tok-123");
    }
    // Envelopes one after another, no array, no commas between them.
    let envelopes: Vec<serde_json::Value> =
        serde_json::Deserializer::from_str(&seen[1].body).into_iter().map(Result::unwrap).collect();
    assert_eq!(envelopes.len(), 3);
    for (i, e) in envelopes.iter().enumerate() {
        assert_eq!(e["time"].as_f64(), Some(1_750_000_001.123));
        assert_eq!(e["host"], "fmc01");
        assert_eq!(e["source"], "estreamer");
        assert_eq!(e["sourcetype"], "cisco:estreamer");
        assert_eq!(e["event"]["eventId"], i, "the JSON object itself, not a string");
    }
}

#[test]
fn hec_401_is_a_clear_error_without_retries() {
    let (addr, server) = hec_double(vec![(401, "Token is required")], 3);
    let mut sink = HecSink::new(hec_config(&addr), "bad".into(), Payload::Text).unwrap();
    sink.write(&facts(), b"rec_type=400 msg=hello").unwrap();
    let err = sink.flush().unwrap_err();
    assert!(matches!(err, OutputError::HecRejected { status: 401, .. }), "{err:?}");
    assert!(err.to_string().contains("401") && err.to_string().contains("Token is required"), "{err}");
    let seen = server.join().unwrap();
    assert_eq!(seen.len(), 1);
    let e: serde_json::Value = serde_json::from_str(seen[0].body.trim()).unwrap();
    assert_eq!(e["event"], "rec_type=400 msg=hello", "text formats go as a JSON string");
}

#[test]
fn hec_token_comes_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("token");
    std::fs::write(&p, "0f1e2d3c-aaaa-bbbb-cccc-1234567890ab\n").unwrap();
    assert_eq!(estreamer_output::resolve_hec_token(Some(&p)).unwrap(), "0f1e2d3c-aaaa-bbbb-cccc-1234567890ab");
    std::fs::write(&p, "\n").unwrap();
    assert!(estreamer_output::resolve_hec_token(Some(&p)).unwrap_err().to_string().contains("empty"));
}
