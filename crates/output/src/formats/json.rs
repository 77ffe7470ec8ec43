//! `json`: eNcore's JSON line (RECORDS.md §7.2), unchanged bytes.

use std::cell::RefCell;

use estreamer_wire::Obj;

use super::{MessageFormat, Payload};
use crate::OutputError;

/// The record as one JSON object, exactly as `Obj::write_json` renders it (`@computed`
/// included when the pipeline decorated the record).
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonFormat;

thread_local! {
    /// `Obj::write_json` writes into a `String`; one reused per thread.
    static SCRATCH: RefCell<String> = RefCell::new(String::with_capacity(8192));
}

impl MessageFormat for JsonFormat {
    fn name(&self) -> &'static str {
        "json"
    }

    fn write_message(&self, record: &Obj, out: &mut Vec<u8>) -> Result<(), OutputError> {
        SCRATCH.with(|s| {
            let mut s = s.borrow_mut();
            s.clear();
            record.write_json(&mut s);
            out.extend_from_slice(s.as_bytes());
        });
        Ok(())
    }

    fn payload(&self) -> Payload {
        Payload::JsonObject
    }
}
