//! One file per subcommand: its arguments and its `run`.

pub mod all_dbs;
pub mod backup;
pub mod check;
pub mod completions;
pub mod dbs;
pub mod diff;
pub mod expire;
pub mod explain;
pub mod export;
pub mod import;
pub mod info;
pub mod inspect;
pub mod ls;
pub mod man;
pub mod mutate;
pub mod prune;
pub mod top;
pub mod verify;
pub mod watch;
