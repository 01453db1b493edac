//! JSON and JSONL entries rendered on a second thread while the first reads rows:
//! checking, embedding and decoding a value costs about what SQLite spends reading it,
//! so on two cores a listing takes the longer of the two instead of their sum.
//!
//! The reader sends batches of entries; the renderer sends back the bytes of each batch
//! in order, which the reader writes out. Both channels are bounded by the batches in
//! flight, so memory stays flat whatever the listing's size.

use crate::store::Entry;
use crate::store::catalog::Context;
use crate::timefmt::Ms;
use std::io::{self, Write};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

/// Entries per batch sent to the renderer, at most.
const BATCH: usize = 256;
/// Bytes of keys and values per batch, at most (one larger entry goes alone): values
/// may be 1 MiB each, and a batch's entries and its rendering are both held in memory.
const BATCH_BYTES: usize = 1 << 20;
/// Batches queued for the renderer before the reader waits.
const IN_FLIGHT: usize = 2;

/// How each entry is written: one JSON object per entry (`-o json` inside a list).
#[derive(Debug, Clone)]
pub struct Options {
    pub list: bool,
    pub now: Ms,
    pub show_secrets: bool,
    pub keys_only: bool,
    pub decoded: bool,
    pub cx: Context,
}

/// The renderer thread and the batch being filled.
pub struct JsonLines {
    pending: Vec<Entry>,
    pending_bytes: usize,
    to_renderer: Option<SyncSender<Vec<Entry>>>,
    rendered: Receiver<io::Result<Vec<u8>>>,
    renderer: Option<JoinHandle<()>>,
}

impl JsonLines {
    pub fn start(opts: Options) -> JsonLines {
        let (to_renderer, batches) = mpsc::sync_channel::<Vec<Entry>>(IN_FLIGHT);
        let (sender, rendered) = mpsc::channel();
        let renderer = std::thread::spawn(move || {
            let mut first = true;
            for batch in batches {
                let mut out = Vec::with_capacity(batch.len() * 512);
                let result = batch.iter().try_for_each(|e| {
                    if opts.list {
                        out.write_all(if first { b"[\n" } else { b",\n" })?;
                    }
                    first = false;
                    super::entries::write_json(&mut out, e, &opts)?;
                    if !opts.list {
                        out.write_all(b"\n")?;
                    }
                    Ok::<_, io::Error>(())
                });
                let failed = result.is_err();
                // The reader has gone (it failed to write, or stopped): nothing to do.
                if sender.send(result.map(|()| out)).is_err() || failed {
                    return;
                }
            }
        });
        JsonLines {
            pending: Vec::with_capacity(BATCH),
            pending_bytes: 0,
            to_renderer: Some(to_renderer),
            rendered,
            renderer: Some(renderer),
        }
    }

    /// Queues `e`; writes to `out` what the renderer has finished.
    pub fn push(&mut self, e: Entry, out: &mut dyn Write) -> io::Result<()> {
        self.pending_bytes += e.key.len() + e.value_json.len();
        self.pending.push(e);
        if self.pending.len() < BATCH && self.pending_bytes < BATCH_BYTES {
            return Ok(());
        }
        self.send()?;
        while let Ok(chunk) = self.rendered.try_recv() {
            out.write_all(&chunk?)?;
        }
        Ok(())
    }

    /// Renders what is left and writes every remaining byte to `out`, in order (also
    /// when the listing stopped at an error: what was read before it is printed, as it
    /// would have been without the second thread).
    pub fn finish(mut self, out: &mut dyn Write) -> io::Result<()> {
        if !self.pending.is_empty() {
            self.send()?;
        }
        drop(self.to_renderer.take());
        for chunk in self.rendered.iter() {
            out.write_all(&chunk?)?;
        }
        self.join()
    }

    fn send(&mut self) -> io::Result<()> {
        let batch = std::mem::replace(&mut self.pending, Vec::with_capacity(BATCH));
        self.pending_bytes = 0;
        let sent = self.to_renderer.as_ref().map(|tx| tx.send(batch).is_ok());
        if sent == Some(true) {
            return Ok(());
        }
        // The renderer stopped: it sent an error (returned first) or panicked.
        drop(self.to_renderer.take());
        for chunk in self.rendered.iter() {
            chunk?;
        }
        self.join()?;
        Err(io::Error::other("the JSON renderer stopped early"))
    }

    fn join(&mut self) -> io::Result<()> {
        match self.renderer.take().map(JoinHandle::join) {
            Some(Err(_)) => Err(io::Error::other("the JSON renderer panicked")),
            _ => Ok(()),
        }
    }
}
