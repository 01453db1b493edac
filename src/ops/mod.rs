//! The work behind commands that is more than one store call: commands fill a typed
//! request, call an op, and render the typed report it returns.

pub mod check;
pub mod complete;
pub mod dbs;
pub mod explain;
pub mod export;
pub mod import;
pub mod info;
pub mod inspect;
pub mod ls;
pub mod mutate;
pub mod top;
pub mod watch;
