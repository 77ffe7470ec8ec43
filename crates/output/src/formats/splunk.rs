//! placeholder
use super::{MessageFormat, Payload};
use crate::OutputError;
use estreamer_wire::Obj;
/// CEF.
pub struct SplunkFormat;
impl SplunkFormat {
    /// New.
    pub fn new() -> Self {
        SplunkFormat
    }
}
impl MessageFormat for SplunkFormat {
    fn name(&self) -> &'static str {
        "splunk"
    }
    fn write_message(&self, _r: &Obj, _out: &mut Vec<u8>) -> Result<(), OutputError> {
        Ok(())
    }
    fn payload(&self) -> Payload {
        Payload::Text
    }
}
