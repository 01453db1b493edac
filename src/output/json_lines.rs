//! JSON and JSONL entries rendered on other threads while the first reads rows:
//! checking, embedding and decoding a value costs about twice what SQLite spends
//! reading it, so the batches go in turn to two renderers, and on two cores a listing
//! takes about half the sum of the work instead of all of it.
//!
//! The reader sends batches of entries, the first to renderer 0, the next to renderer
//! 1 and so on; each renderer sends back the bytes of its batches in order, so the
//! reader takes them back in the same turn and writes them out in the listing's order.
//! Every channel is bounded by the batches in flight, so memory stays flat whatever
//! the listing's size.

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

/// Renderers, at most: the reader takes about a third of a listing's work.
const RENDERERS: usize = 2;

/// A rendered batch: its bytes, and its entries to be freed by the reader that
/// allocated them (glibc's allocator locks the reader's arena for a free from another
/// thread: freeing every entry on the renderers cost thousands of lock waits).
type Rendered = (io::Result<Vec<u8>>, Vec<Entry>);

/// One renderer thread: its batches in, their bytes out.
struct Renderer {
    to: Option<SyncSender<(bool, Vec<Entry>)>>,
    rendered: Receiver<Rendered>,
    thread: Option<JoinHandle<()>>,
}

impl Renderer {
    fn start(opts: Options) -> Renderer {
        let (to, batches) = mpsc::sync_channel::<(bool, Vec<Entry>)>(IN_FLIGHT);
        let (sender, rendered) = mpsc::sync_channel(IN_FLIGHT + 1);
        let thread = std::thread::spawn(move || {
            for (mut first, batch) in batches {
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
                if sender.send((result.map(|()| out), batch)).is_err() || failed {
                    return;
                }
            }
        });
        Renderer {
            to: Some(to),
            rendered,
            thread: Some(thread),
        }
    }
}

/// The renderers and the batch being filled.
pub struct JsonLines {
    pending: Vec<Entry>,
    pending_bytes: usize,
    renderers: Vec<Renderer>,
    /// Batches sent, and batches whose bytes were written out: the next batch goes to
    /// renderer `sent % n`, the next bytes come from renderer `written % n`.
    sent: usize,
    written: usize,
}

impl JsonLines {
    pub fn start(opts: Options) -> JsonLines {
        let n = std::thread::available_parallelism().map_or(1, |n| n.get().min(RENDERERS));
        Self::with_renderers(opts, n)
    }

    fn with_renderers(opts: Options, n: usize) -> JsonLines {
        JsonLines {
            pending: Vec::with_capacity(BATCH),
            pending_bytes: 0,
            renderers: (0..n).map(|_| Renderer::start(opts.clone())).collect(),
            sent: 0,
            written: 0,
        }
    }

    /// Queues `e`; writes to `out` what the renderers have finished, in order.
    pub fn push(&mut self, e: Entry, out: &mut dyn Write) -> io::Result<()> {
        self.pending_bytes += e.key.len() + e.value_json.len();
        self.pending.push(e);
        if self.pending.len() < BATCH && self.pending_bytes < BATCH_BYTES {
            return Ok(());
        }
        // Before sending: the renderer about to get this batch may still hold bytes
        // that come first (its results channel is bounded too).
        while self.written < self.sent {
            let next = &self.renderers[self.written % self.renderers.len()];
            let waiting = self.sent - self.written >= self.renderers.len() * IN_FLIGHT;
            let chunk = if waiting {
                next.rendered.recv().ok()
            } else {
                next.rendered.try_recv().ok()
            };
            let Some((chunk, _entries)) = chunk else {
                break;
            };
            out.write_all(&chunk?)?;
            self.written += 1;
        }
        self.send()
    }

    /// Renders what is left and writes every remaining byte to `out`, in order (also
    /// when the listing stopped at an error: what was read before it is printed, as it
    /// would have been without the other threads).
    pub fn finish(mut self, out: &mut dyn Write) -> io::Result<()> {
        if !self.pending.is_empty() {
            self.send()?;
        }
        self.close_and_drain(|chunk| out.write_all(&chunk))?;
        self.join()
    }

    /// Closes every renderer's input and takes back, in order, the bytes of every
    /// batch sent and not yet written, handing each to `each`; stops at the first
    /// error (a renderer's, returned in its turn, or `each`'s).
    fn close_and_drain(
        &mut self,
        mut each: impl FnMut(Vec<u8>) -> io::Result<()>,
    ) -> io::Result<()> {
        for r in &mut self.renderers {
            drop(r.to.take());
        }
        while self.written < self.sent {
            let next = &self.renderers[self.written % self.renderers.len()];
            match next.rendered.recv() {
                Ok((chunk, _entries)) => each(chunk?)?,
                // It stopped early: it panicked (an error would have come as a chunk).
                Err(_) => break,
            }
            self.written += 1;
        }
        Ok(())
    }

    fn send(&mut self) -> io::Result<()> {
        let batch = std::mem::replace(&mut self.pending, Vec::with_capacity(BATCH));
        self.pending_bytes = 0;
        let first = self.sent == 0;
        let n = self.renderers.len();
        let to = self.renderers[self.sent % n].to.as_ref();
        if to.is_some_and(|tx| tx.send((first, batch)).is_ok()) {
            self.sent += 1;
            return Ok(());
        }
        // A renderer stopped: it sent an error (returned first, in order) or panicked.
        self.close_and_drain(|_| Ok(()))?;
        self.join()?;
        Err(io::Error::other("the JSON renderer stopped early"))
    }

    fn join(&mut self) -> io::Result<()> {
        let mut panicked = false;
        for r in &mut self.renderers {
            panicked |= r
                .thread
                .take()
                .map(JoinHandle::join)
                .is_some_and(|j| j.is_err());
        }
        if panicked {
            Err(io::Error::other("the JSON renderer panicked"))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(n: usize) -> Vec<Entry> {
        (0..n)
            .map(|i| Entry {
                plugin_id: "slack".into(),
                namespace: "slack.thread-participation".into(),
                key: format!("default:C{i:05}:1761234567.{i:06}"),
                // Values of every size, so batches also close on their bytes.
                value_json: format!(
                    r#"{{"agentId":"main","n":{i},"pad":"{}"}}"#,
                    "x".repeat(i * 37 % 9000)
                ),
                created_at: 1_761_234_567_000 + i as i64,
                expires_at: (i % 3 != 0).then_some(1_761_234_600_000),
                blob: false,
            })
            .collect()
    }

    fn options(list: bool) -> Options {
        Options {
            list,
            now: 1_761_234_590_000,
            show_secrets: false,
            keys_only: false,
            decoded: true,
            cx: Context::default(),
        }
    }

    #[test]
    fn batches_rendered_in_turn_by_several_threads_come_out_in_the_listing_order() {
        for list in [false, true] {
            let all = entries(3000);
            let mut want = Vec::new();
            for (i, e) in all.iter().enumerate() {
                if list {
                    want.extend_from_slice(if i == 0 { b"[\n" } else { b",\n" });
                }
                crate::output::entries::write_json(&mut want, e, &options(list)).unwrap();
                if !list {
                    want.push(b'\n');
                }
            }
            for n in [1, 2, 3] {
                let mut lines = JsonLines::with_renderers(options(list), n);
                let mut got = Vec::new();
                for e in all.clone() {
                    lines.push(e, &mut got).unwrap();
                }
                lines.finish(&mut got).unwrap();
                assert!(lines_sent(&got) > 2 * n, "too few batches to interleave");
                assert_eq!(
                    String::from_utf8(got).unwrap(),
                    String::from_utf8(want.clone()).unwrap()
                );
            }
        }
    }

    /// Batches needed for these bytes, at least (a batch closes at BATCH entries).
    fn lines_sent(bytes: &[u8]) -> usize {
        bytes.iter().filter(|&&b| b == b'\n').count() / BATCH
    }

    /// A writer that fails after `left` bytes, as a closed pipe does.
    struct Failing {
        left: usize,
        got: Vec<u8>,
    }

    impl Write for Failing {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if buf.len() > self.left {
                return Err(io::Error::new(io::ErrorKind::BrokenPipe, "closed"));
            }
            self.left -= buf.len();
            self.got.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_failing_output_stops_the_listing_with_its_error_and_no_thread_left_waiting() {
        let mut lines = JsonLines::with_renderers(options(false), 2);
        let mut out = Failing {
            left: 3 << 20,
            got: Vec::new(),
        };
        let err = entries(3000)
            .into_iter()
            .try_for_each(|e| lines.push(e, &mut out))
            .and_then(|()| lines.finish(&mut out))
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
        // What was written is whole lines, the first ones of the listing.
        let text = String::from_utf8(out.got).unwrap();
        assert!(text.starts_with(r#"{"plugin_id":"slack""#) && text.contains(r#"C00000"#));
    }
}
