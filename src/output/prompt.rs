//! Confirmation prompts: asked on a terminal only; without one a destructive command
//! refuses unless `--yes`.

use crate::Ctx;
use crate::error::{Error, Kind, Result};
use std::io::IsTerminal;

/// Asks `question?` (default no) on the terminal; without one, refuses (exit 4) to
/// `what` unless `--yes`. Every destructive command confirms through here.
pub fn ask(ctx: &mut Ctx, question: &str, what: &str, yes: bool) -> Result<()> {
    if yes {
        return Ok(());
    }
    if !(std::io::stdin().is_terminal() && ctx.term.stderr_tty) {
        return Err(Error::new(
            Kind::ConfirmationNeeded,
            format!(
                "refusing to {what} without confirmation: no terminal to ask on; re-run with --yes (check first with --dry-run)"
            ),
        ));
    }
    let ok = dialoguer::Confirm::new()
        .with_prompt(format!("{question}?"))
        .default(false)
        .interact()
        .map_err(|e| Error::new(Kind::Prompt, format!("cannot ask for confirmation: {e}")))?;
    if ok {
        Ok(())
    } else {
        Err(Error::new(
            Kind::NotConfirmed,
            "nothing changed: not confirmed",
        ))
    }
}
