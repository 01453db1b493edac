//! One file per subcommand: its arguments and its `run`.

pub mod info;
pub mod inspect;
pub mod ls;
