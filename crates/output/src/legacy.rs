//! The record-level sink API the client and CLI used before the [`Pipeline`](crate::Pipeline):
//! kept so they build until they move to the pipeline.

use std::io::{self, Write};

use estreamer_wire::Obj;

/// Where decoded records go (record-level; new code uses [`Pipeline`](crate::Pipeline) and
/// [`Sink`](crate::Sink)).
pub trait RecordSink {
    /// Write one record.
    fn write_record(&mut self, record: &Obj) -> io::Result<()>;
    /// Make everything written so far durable/visible (called before a bookmark is saved).
    fn flush(&mut self) -> io::Result<()>;
}

/// One JSON object per line.
pub struct JsonLines<W: Write> {
    out: io::BufWriter<W>,
    line: String,
}

impl<W: Write> JsonLines<W> {
    /// Wrap a writer (buffered).
    pub fn new(w: W) -> Self {
        JsonLines { out: io::BufWriter::with_capacity(64 * 1024, w), line: String::with_capacity(4096) }
    }

    /// Unwrap, flushing the buffer.
    pub fn into_inner(self) -> io::Result<W> {
        self.out.into_inner().map_err(|e| e.into_error())
    }
}

/// Render a record as one JSON line (no newline).
pub fn json_line(record: &Obj, out: &mut String) {
    record.write_json(out);
}

impl<W: Write> RecordSink for JsonLines<W> {
    fn write_record(&mut self, record: &Obj) -> io::Result<()> {
        self.line.clear();
        json_line(record, &mut self.line);
        self.line.push('\n');
        self.out.write_all(self.line.as_bytes())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// A sink that keeps records in memory (tests, the demo's summary).
#[derive(Default)]
pub struct Collect {
    /// Records received.
    pub records: Vec<Obj>,
}

impl RecordSink for Collect {
    fn write_record(&mut self, record: &Obj) -> io::Result<()> {
        self.records.push(record.clone());
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use estreamer_wire::Value;

    #[test]
    fn json_lines_writes_one_object_per_line() {
        let mut o = Obj::new();
        o.push("recordType", Value::U(4));
        o.push("name", Value::Data(b"high\0".to_vec()));
        let mut s = JsonLines::new(Vec::new());
        s.write_record(&o).unwrap();
        s.write_record(&o).unwrap();
        let out = String::from_utf8(s.into_inner().unwrap()).unwrap();
        assert_eq!(out, "{\"recordType\":4,\"name\":\"high\"}\n{\"recordType\":4,\"name\":\"high\"}\n");
    }
}
