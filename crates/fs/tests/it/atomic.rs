//! Atomic replacement under normal use, failures, concurrent writers and a process killed at
//! arbitrary points.

use estreamer_fs::{temp_path, write_atomic, AtomicWrite, Durability};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

/// Names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[test]
fn replaces_the_content_and_leaves_no_temporary_file() {
    for durability in [Durability::Synced, Durability::Unsynced] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state");
        write_atomic(&path, b"first", durability).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        write_atomic(&path, b"second, longer", durability).unwrap();
        write_atomic(&path, b"3", durability).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"3");
        assert_eq!(names(dir.path()), ["state"]);
    }
}

#[test]
fn a_failed_write_keeps_the_old_content_and_removes_its_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    // The target is a non-empty directory: the rename fails after the temporary file is written.
    let path = dir.path().join("target");
    std::fs::create_dir(&path).unwrap();
    std::fs::write(path.join("inside"), b"old").unwrap();
    let e = write_atomic(&path, b"new", Durability::Synced).unwrap_err();
    assert_eq!(e.step, "rename", "{e}");
    assert!(e.to_string().contains("target"), "{e}");
    assert_eq!(names(dir.path()), ["target"]);
    assert_eq!(std::fs::read(path.join("inside")).unwrap(), b"old");
    // A missing directory: nothing is created unless asked.
    let nested = dir.path().join("a/b/file");
    let e = write_atomic(&nested, b"x", Durability::Synced).unwrap_err();
    assert_eq!(e.step, "write", "{e}");
    assert!(!dir.path().join("a").exists());
    AtomicWrite::new(Durability::Synced).create_dir().write(&nested, b"x").unwrap();
    assert_eq!(std::fs::read(&nested).unwrap(), b"x");
    assert_eq!(names(&dir.path().join("a/b")), ["file"]);
}

#[test]
fn a_stale_temporary_file_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("registry.json");
    std::fs::write(temp_path(&path), b"half-written garbage from a crash, longer than the new").unwrap();
    write_atomic(&path, b"[]", Durability::Synced).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"[]");
    assert_eq!(names(dir.path()), ["registry.json"]);
}

#[cfg(unix)]
#[test]
fn the_mode_is_applied_even_over_a_stale_temporary_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("key.pem");
    std::fs::write(temp_path(&path), b"stale").unwrap();
    std::fs::set_permissions(temp_path(&path), std::fs::Permissions::from_mode(0o644)).unwrap();
    AtomicWrite::new(Durability::Synced).mode(0o600).write(&path, b"secret").unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn concurrent_writers_with_their_own_temporary_names_never_mix() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bookmark");
    let contents: Vec<Vec<u8>> = (0..4u8).map(|i| vec![b'a' + i; 64 * 1024 + usize::from(i)]).collect();
    let all = &contents;
    std::thread::scope(|s| {
        for c in all {
            let path = &path;
            s.spawn(move || {
                for _ in 0..25 {
                    AtomicWrite::new(Durability::Unsynced).temp_per_writer().write(path, c).unwrap();
                    let now = std::fs::read(path).unwrap();
                    assert!(all.contains(&now), "a mix of writers' content ({} bytes)", now.len());
                }
            });
        }
    });
    assert_eq!(names(dir.path()), ["bookmark"]);
}

/// Child mode: rewrite the file with alternating whole contents forever, saying after each.
const CHILD_ENV: &str = "ESTREAMER_FS_CRASH_CHILD";

fn content(round: usize) -> Vec<u8> {
    let byte = if round.is_multiple_of(2) { b'o' } else { b'n' };
    vec![byte; 256 * 1024 + round % 7]
}

#[test]
fn crash_child() {
    let Some(path) = std::env::var_os(CHILD_ENV) else { return };
    let path = Path::new(&path);
    let mut round = 1;
    loop {
        write_atomic(path, &content(round), Durability::Synced).unwrap();
        println!("wrote {round}");
        round += 1;
    }
}

#[test]
fn a_process_killed_at_any_point_leaves_the_old_or_the_new_content() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state");
    std::fs::write(&path, content(0)).unwrap();
    let exe = std::env::current_exe().unwrap();
    for kill_after in 1..=12usize {
        let mut child = Command::new(&exe)
            .args(["--exact", "atomic::crash_child", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait for `kill_after` completed writes, then kill it wherever it is in the next one.
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut seen = 0;
        while seen < kill_after {
            let line = lines.next().expect("the child stopped early").unwrap();
            if line.starts_with("wrote ") {
                seen += 1;
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let now = std::fs::read(&path).unwrap();
        let whole = now.iter().all(|&b| b == now[0]) && (now[0] == b'o' || now[0] == b'n');
        assert!(whole && now.len() >= 256 * 1024, "round {kill_after}: a mix or a cut ({} bytes)", now.len());
        // A crash may leave the fixed temporary file; the next write replaces it.
        write_atomic(&path, &content(0), Durability::Synced).unwrap();
        assert_eq!(names(dir.path()), ["state"]);
    }
}
