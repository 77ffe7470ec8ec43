//! File sink: rotation at flush points, torn-line repair, restart from a saved position.

use estreamer_output::sinks::{FileConfig, FileSink};
use estreamer_output::{FilePosition, FlushPosition, RecordFacts, Sink};

fn facts() -> RecordFacts {
    RecordFacts { record_type: 400, archive_ts: 1, event_time: (1, 0), is_metadata: false, issues: vec![] }
}

fn line(i: usize) -> Vec<u8> {
    format!("{{\"n\":{i:04},\"pad\":\"xxxxxxxxxxxxxxxxxxxx\"}}\n").into_bytes()
}

fn file_pos(p: FlushPosition) -> FilePosition {
    match p {
        FlushPosition::File(f) => f,
        other => panic!("{other:?}"),
    }
}

fn read(p: &std::path::Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

#[test]
fn rotates_by_size_only_at_a_flush() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.json");
    let mut config = FileConfig::new(&path);
    config.rotate_bytes = Some(100);
    let (mut sink, report) = FileSink::open(config, None).unwrap();
    assert!(!report.repaired());
    let mut positions = Vec::new();
    for i in 0..10 {
        sink.write(&facts(), &line(i)).unwrap();
        // Never mid-batch: the active file grows past the limit until the flush.
        if i % 3 == 2 {
            positions.push(file_pos(sink.flush().unwrap()));
        }
    }
    positions.push(file_pos(sink.flush().unwrap()));
    let rotated = path.with_file_name("events.json.0");
    assert_eq!(read(&rotated).lines().count(), 3, "the first flush batch (3 × 40 bytes ≥ 100) rotated whole");
    assert_eq!(positions[0], FilePosition { path: path.clone(), len: 0, generation: 1 });
    assert_eq!(sink.stats().rotations, 3, "three full batches rotated; the last one (40 bytes) did not");
    // Every record is on disk exactly once, in order, across the rotated files.
    let mut all = String::new();
    for g in 0..3 {
        all.push_str(&read(&path.with_file_name(format!("events.json.{g}"))));
    }
    all.push_str(&read(&path));
    let want: String = (0..10).map(|i| String::from_utf8(line(i)).unwrap()).collect();
    assert_eq!(all, want);
}

#[test]
fn a_torn_last_line_is_cut_back_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.json");
    std::fs::write(&path, "{\"a\":1}\n{\"b\":2}\n{\"c\":").unwrap();
    let (mut sink, report) = FileSink::open(FileConfig::new(&path), None).unwrap();
    assert_eq!(report.torn_bytes, 5);
    sink.write(&facts(), b"{\"d\":4}\n").unwrap();
    let pos = file_pos(sink.flush().unwrap());
    assert_eq!(read(&path), "{\"a\":1}\n{\"b\":2}\n{\"d\":4}\n");
    assert_eq!(pos.len, 24);
    // A file that is one torn line only becomes empty.
    std::fs::write(&path, "no newline at all").unwrap();
    let (_, report) = FileSink::open(FileConfig::new(&path), None).unwrap();
    assert_eq!(report.torn_bytes, 17);
    assert_eq!(read(&path), "");
}

#[test]
fn restart_truncates_to_the_saved_position() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.json");
    let (mut sink, _) = FileSink::open(FileConfig::new(&path), None).unwrap();
    for i in 0..3 {
        sink.write(&facts(), &line(i)).unwrap();
    }
    let saved = file_pos(sink.flush().unwrap());
    // Written and flushed after the bookmark was saved, then a kill -9 mid-write.
    for i in 3..5 {
        sink.write(&facts(), &line(i)).unwrap();
    }
    sink.flush().unwrap();
    drop(sink);
    let mut f = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
    std::io::Write::write_all(&mut f, b"{\"torn\":").unwrap();
    let (mut sink, report) = FileSink::open(FileConfig::new(&path), Some(&saved)).unwrap();
    assert_eq!(report.truncated_bytes, 2 * 40 + 8);
    assert_eq!(read(&path).lines().count(), 3);
    // The server re-sends records 3 and 4: on disk exactly once.
    for i in 3..5 {
        sink.write(&facts(), &line(i)).unwrap();
    }
    sink.flush().unwrap();
    let want: String = (0..5).map(|i| String::from_utf8(line(i)).unwrap()).collect();
    assert_eq!(read(&path), want);
}

#[test]
fn restart_after_rotations_past_the_saved_position() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.json");
    let mut config = FileConfig::new(&path);
    config.rotate_bytes = Some(80);
    let (mut sink, _) = FileSink::open(config.clone(), None).unwrap();
    sink.write(&facts(), &line(0)).unwrap();
    let saved = file_pos(sink.flush().unwrap()); // 40 bytes < 80: no rotation yet
    assert_eq!((saved.len, saved.generation), (40, 0));
    for i in 1..6 {
        sink.write(&facts(), &line(i)).unwrap();
        sink.flush().unwrap(); // rotations at 80 bytes: generations 0, 1 rotated
    }
    sink.write(&facts(), &line(6)).unwrap();
    sink.flush().unwrap();
    drop(sink);
    assert!(path.with_file_name("out.json.1").exists());
    // The active file is now shorter than the saved length or of a later generation: the
    // saved generation's file is cut back, later ones removed, the active file emptied.
    let (sink, report) = FileSink::open(config, Some(&saved)).unwrap();
    assert_eq!(read(&path.with_file_name("out.json.0")), String::from_utf8(line(0)).unwrap());
    assert!(!path.with_file_name("out.json.1").exists());
    assert_eq!(read(&path), "");
    assert!(!report.removed_files.is_empty());
    assert_eq!(sink.position(), FilePosition { path: path.clone(), len: 0, generation: 1 });
}

#[test]
fn a_capture_file_is_repaired_to_its_last_whole_entry_not_its_last_newline() {
    use estreamer_wire::capture::{file_header, write_entry};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cap.bin");
    let mut whole = file_header().to_vec();
    // A message whose body holds newlines: line repair would cut inside it.
    let msg = [&[0u8, 1, 0, 0, 0, 0, 0, 4][..], b"\n\n\n\n"].concat();
    write_entry(&mut whole, 1, &msg);
    write_entry(&mut whole, 2, &msg);
    let mut torn = whole.clone();
    write_entry(&mut torn, 3, &msg[..6]);
    std::fs::write(&path, &torn).unwrap();
    let mut config = FileConfig::new(&path);
    config.capture = true;
    let (mut sink, report) = FileSink::open(config.clone(), None).unwrap();
    assert_eq!(report.torn_bytes, (torn.len() - whole.len()) as u64);
    assert_eq!(std::fs::read(&path).unwrap(), whole);
    sink.flush().unwrap();
    drop(sink);
    // A whole file is left alone; a header cut short is removed.
    let (_s, report) = FileSink::open(config.clone(), None).unwrap();
    assert!(!report.repaired());
    std::fs::write(&path, &whole[..5]).unwrap();
    let (_s, report) = FileSink::open(config, None).unwrap();
    assert_eq!(report.torn_bytes, 5);
}
