//! One file per subcommand: its arguments and its `run`.

pub mod expire;
pub mod info;
pub mod inspect;
pub mod ls;
pub mod mutate;
pub mod prune;
