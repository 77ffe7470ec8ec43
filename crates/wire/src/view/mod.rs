//! The computed view (`@computed`): metadata cache and name resolution (being written).
