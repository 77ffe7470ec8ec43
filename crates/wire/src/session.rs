//! sessions (todo)
