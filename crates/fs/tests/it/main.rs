//! The atomic write helper: old or new content, never a mix, and no temporary file left behind.

mod atomic;
