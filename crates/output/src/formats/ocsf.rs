//! placeholder
use super::{MessageFormat, Payload};
use crate::OutputError;
use estreamer_wire::Obj;
/// CEF.
pub struct OcsfFormat;
impl OcsfFormat {
    /// New.
    pub fn new(_v: Option<String>) -> Self {
        OcsfFormat
    }
}
impl MessageFormat for OcsfFormat {
    fn name(&self) -> &'static str {
        "ocsf"
    }
    fn write_message(&self, _r: &Obj, _out: &mut Vec<u8>) -> Result<(), OutputError> {
        Ok(())
    }
    fn payload(&self) -> Payload {
        Payload::Text
    }
}
