//! placeholder
use super::{MessageFormat, Payload};
use crate::OutputError;
use estreamer_wire::Obj;
/// CEF.
pub struct CefFormat;
impl CefFormat {
    /// New.
    pub fn new(_v: &str) -> Self {
        CefFormat
    }
}
impl MessageFormat for CefFormat {
    fn name(&self) -> &'static str {
        "cef"
    }
    fn write_message(&self, _r: &Obj, _out: &mut Vec<u8>) -> Result<(), OutputError> {
        Ok(())
    }
    fn payload(&self) -> Payload {
        Payload::Text
    }
}
