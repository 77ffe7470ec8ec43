//! File events (500, or 502 for a malware disposition; S2 79) on a logged web, mail or SMB
//! connection, and the choice of the file a connection carries (shared with malware events).

use super::connection::Conn;
use super::flows::Flow;
use super::Group;
use crate::body::Body;
use crate::world::{FileDef, World};

/// What a file event reports.
struct FileReport<'a> {
    conn: &'a Conn,
    file: &'a FileDef,
    upload: bool,
    disposition: u8,
    action: u8,
    score: u8,
    signature: &'static str,
}

impl World {
    /// A file event, or a connection event when no web, mail or SMB connection is logged yet.
    pub(crate) fn file_event(&mut self, group: &mut Group) {
        const CARRY_FILES: &[Flow] = &[Flow::Web, Flow::MailOut, Flow::Smb];
        let n = self.recent_of_flows(CARRY_FILES);
        let Some(ci) = self.recent_conn_index(n, |c| CARRY_FILES.contains(&c.flow)) else {
            return self.connection(group);
        };
        let malware = self.gen.rng.chance(12);
        let fi = self.pick_file(ci, malware);
        let conn = self.gen.recent[ci].clone();
        let upload = match conn.flow {
            Flow::MailOut => true,
            Flow::Smb => self.gen.rng.chance(40),
            _ => false,
        };
        let file = &self.files[fi];
        let inline = self.devices[conn.device].inline;
        let lookup = matches!(file.type_id, 1..=4 | 6);
        let (record_type, disposition, action, score, signature) = match file.malware {
            Some((detection, score)) => (502, 3, if inline { 4 } else { 3 }, score as u8, detection),
            None if lookup => (500, if self.gen.rng.chance(75) { 1 } else { 2 }, 3, 0, ""),
            None => (500, 0, 1, 0, ""),
        };
        let files = std::mem::take(&mut self.files);
        let report = FileReport { conn: &conn, file: &files[fi], upload, disposition, action, score, signature };
        self.emit(group, record_type, |w, b| w.write_file_event(b, &report));
        self.files = files;
    }

    /// Index (into `World::files`) of a file of the wanted kind not yet reported on recent
    /// connection `ci` (any file of that kind when all were); marks it as reported.
    pub(crate) fn pick_file(&mut self, ci: usize, malware: bool) -> usize {
        let seen = self.gen.recent[ci].files_seen;
        let of_kind = |f: &FileDef| f.malware.is_some() == malware;
        let fresh = |(i, f): &(usize, &FileDef)| of_kind(f) && seen & (1 << (i % 64)) == 0;
        let n_fresh = self.files.iter().enumerate().filter(fresh).count();
        let i = if n_fresh > 0 {
            let k = self.gen.rng.index(n_fresh);
            self.files.iter().enumerate().filter(fresh).nth(k).map(|(i, _)| i)
        } else {
            let n = self.files.iter().filter(|f| of_kind(f)).count();
            let k = self.gen.rng.index(n);
            self.files.iter().enumerate().filter(|(_, f)| of_kind(f)).nth(k).map(|(i, _)| i)
        }
        .expect("the world has files of both kinds");
        self.gen.recent[ci].files_seen |= 1 << (i % 64);
        i
    }

    /// Source and destination (host, port) of a transfer on `conn`: the initiator sends an
    /// upload, the responder a download.
    pub(crate) fn transfer_ends(conn: &Conn, upload: bool) -> (usize, usize, u16, u16) {
        if upload {
            (conn.init, conn.resp, conn.init_port, conn.resp_port)
        } else {
            (conn.resp, conn.init, conn.resp_port, conn.init_port)
        }
    }

    /// Record 500/502: file event block S2 79.
    fn write_file_event(&self, b: &mut Body, f: &FileReport<'_>) {
        let c = f.conn;
        let d = &self.devices[c.device];
        let (s, r, sp, rp) = World::transfer_ends(c, f.upload);
        let (sh, rh) = (&self.hosts[s], &self.hosts[r]);
        let (now_s, _) = self.now();
        let web = c.flow == Flow::Web;
        let block = b.open(79);
        b.u32(d.id).u16(c.instance).u16(c.counter).u32(c.first).u32(now_s);
        b.ip(sh.ip).ip(rh.ip).u8(f.disposition);
        b.zeros(5); // Spero disposition, storage, analysis, local analysis, archive status
        b.u8(f.score).u8(f.action).raw(&f.file.sha).u32(f.file.type_id);
        b.string(f.file.name).u64(f.file.size).u8(if f.upload { 2 } else { 1 });
        b.u32(c.app).u32(c.user);
        if web {
            b.string_of(&["/downloads/", f.file.name]);
        } else {
            b.string("");
        }
        b.string(f.signature).u16(sp).u16(rp).u8(c.proto);
        b.raw(&self.ac_policies[d.acp].uuid).u16(sh.country).u16(rh.country);
        b.u32(c.web).u32(c.client);
        b.zeros(16 + 20 + 2 + 2); // securityContext, sslCertificateFingerprint, SSL actions
        b.empty_strings(2).u8(0); // archiveSha, archiveName, archiveDepth
        b.u32(if web { 200 } else { 0 }).empty_strings(2); // httpResponse, VRF names
        b.end(block);
    }
}
