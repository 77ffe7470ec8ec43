//! Standard output.

use std::io::{BufWriter, Stdout, Write};

use super::{FlushPosition, Sink, SinkStats};
use crate::{OutputError, RecordFacts};

/// Writes messages to stdout through a 64 KiB buffer.
pub struct StdoutSink {
    out: BufWriter<Stdout>,
    stats: SinkStats,
}

impl StdoutSink {
    /// Buffered stdout.
    pub fn new() -> StdoutSink {
        StdoutSink { out: BufWriter::with_capacity(64 * 1024, std::io::stdout()), stats: SinkStats::default() }
    }
}

impl Default for StdoutSink {
    fn default() -> Self {
        Self::new()
    }
}

impl Sink for StdoutSink {
    fn write(&mut self, _facts: &RecordFacts, message: &[u8]) -> Result<(), OutputError> {
        self.out.write_all(message).map_err(OutputError::Stdout)?;
        self.stats.records += 1;
        self.stats.bytes += message.len() as u64;
        Ok(())
    }

    fn flush(&mut self) -> Result<FlushPosition, OutputError> {
        self.out.flush().map_err(OutputError::Stdout)?;
        self.stats.flushed_records = self.stats.records;
        Ok(FlushPosition::Delivered { records: self.stats.records })
    }

    fn stats(&self) -> SinkStats {
        self.stats.clone()
    }
}
