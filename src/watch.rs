//! The events of `statectl watch`: the net change between consecutive snapshots of
//! row stamps (key, created_at, expires_at), the moment a row passes its expiry, and
//! namespaces that stopped receiving writes. Pure: the command feeds it snapshots.
//!
//! Memory is what bounds a watch of a large database, so a row costs 28 bytes plus its
//! key's bytes (and a length byte) once: rows sit in one vector sorted by a 32-bit hash of (namespace, key),
//! the key text (needed to name a DELETED row) in one byte arena, and namespaces are
//! numbered. A snapshot is streamed through `observe`, never held.

use crate::error::{Error, Kind, Result};
use crate::store::rules::{is_live, is_stale};
use crate::store::stamps::Stamp;
use crate::timefmt::Ms;
use serde::Serialize;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

/// What happened to a row, as `kubectl get -w --output-watch-events` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum EventType {
    Added,
    /// Rewritten: value or expiry (every runtime write resets `created_at`).
    Updated,
    Deleted,
    /// Passed its `expires_at`: the runtime no longer returns it.
    Expired,
    /// A namespace that received writes has had none for `--stale-after`.
    Stale,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Updated => "UPDATED",
            EventType::Deleted => "DELETED",
            EventType::Expired => "EXPIRED",
            EventType::Stale => "STALE",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: EventType,
    pub plugin_id: String,
    pub namespace: String,
    /// Empty for a namespace event (STALE).
    pub key: String,
    pub created_at: Ms,
    pub expires_at: Option<Ms>,
}

/// `expires_at` of a row without expiry.
const NEVER: Ms = Ms::MIN;
/// The bit of `Row::group` that says EXPIRED was reported (or the row was never seen
/// live): nothing more to say about it until it is written again.
const GONE: u32 = 1 << 31;

/// One watched row: 28 bytes (4-byte aligned); its key lives in the arena. A 32-bit
/// hash is enough: rows of equal hash are told apart by their keys.
#[derive(Debug, Clone, Copy)]
#[repr(C, packed(4))]
struct Row {
    hash: u32,
    created_at: Ms,
    expires_at: Ms,
    /// Offset of the key in the arena.
    key: u32,
    /// Namespace number, and the GONE bit.
    group: u32,
}

impl Row {
    fn expires(&self) -> Option<Ms> {
        (self.expires_at != NEVER).then_some(self.expires_at)
    }
    fn gone(&self) -> bool {
        self.group & GONE != 0
    }
    fn group(&self) -> usize {
        (self.group & !GONE) as usize
    }
    fn set_gone(&mut self, gone: bool) {
        self.group = if gone {
            self.group | GONE
        } else {
            self.group & !GONE
        };
    }
}

/// Key bytes, each behind its length; space of removed keys is reclaimed by `compact`.
#[derive(Debug, Default)]
struct Arena {
    bytes: Vec<u8>,
    dead: usize,
}

impl Arena {
    /// Appends a key; None once the arena is past 4 GiB (32-bit offsets).
    fn push(&mut self, key: &str) -> Option<u32> {
        let at = u32::try_from(self.bytes.len()).ok()?;
        let mut len = key.len();
        while len >= 0x80 {
            self.bytes.push((len as u8 & 0x7f) | 0x80);
            len >>= 7;
        }
        self.bytes.push(len as u8);
        self.bytes.extend_from_slice(key.as_bytes());
        Some(at)
    }
    /// The key at `at`, and the bytes its entry takes.
    fn entry(&self, at: u32) -> (&str, usize) {
        let (mut at, start) = (at as usize, at as usize);
        let (mut len, mut shift) = (0usize, 0);
        loop {
            let b = self.bytes[at];
            at += 1;
            len |= ((b & 0x7f) as usize) << shift;
            shift += 7;
            if b < 0x80 {
                break;
            }
        }
        // Written from a &str by `push`.
        let key = std::str::from_utf8(&self.bytes[at..at + len]).unwrap_or_default();
        (key, at + len - start)
    }
    fn get(&self, at: u32) -> &str {
        self.entry(at).0
    }
    fn free(&mut self, at: u32) {
        self.dead += self.entry(at).1;
    }
}

/// The rows seen so far, and per namespace the newest write.
#[derive(Debug, Default)]
pub struct Watcher {
    /// Sorted by hash.
    rows: Vec<Row>,
    keys: Arena,
    /// (plugin_id, namespace) by number, and the newest write seen in each.
    groups: Vec<(String, String)>,
    group_ids: HashMap<(String, String), u32>,
    newest: Vec<(Ms, bool)>,
    stale_after: Option<Ms>,
    /// The pass in progress: which rows it saw, and the rows new to it.
    seen: Vec<bool>,
    fresh: Vec<Row>,
    events: Vec<Event>,
    now: Ms,
    /// No row that is still live expires before this: `tick` need not look.
    next_expiry: Ms,
    /// In the first pass: which new rows are ADDED (`--since`); none without it.
    replay: Option<Option<Ms>>,
    last_group: Option<u32>,
}

/// Unit tests keep 3 bits of the hash, so most rows share a hash with others and the
/// key comparison that tells them apart is what the tests exercise.
#[cfg(test)]
const HASH_MASK: u32 = 0x7;
#[cfg(not(test))]
const HASH_MASK: u32 = u32::MAX;

fn hash_of(group: u32, key: &str) -> u32 {
    let mut h = DefaultHasher::new();
    group.hash(&mut h);
    key.hash(&mut h);
    h.finish() as u32 & HASH_MASK
}

impl Watcher {
    pub fn new(stale_after: Option<Ms>) -> Watcher {
        Watcher {
            stale_after,
            ..Default::default()
        }
    }

    /// Tests: a first pass over `stamps` (the command streams them into `observe`).
    #[cfg(test)]
    pub fn start(
        stamps: impl IntoIterator<Item = Stamp>,
        now: Ms,
        replay_from: Option<Ms>,
        stale_after: Option<Ms>,
    ) -> (Watcher, Vec<Event>) {
        let mut w = Watcher::new(stale_after);
        w.begin_first(now, replay_from);
        for s in stamps {
            w.observe(s).expect("test keys fit");
        }
        let events = w.end();
        (w, events)
    }

    /// Tests: the net change from the last snapshot to `stamps`, read at `now`.
    #[cfg(test)]
    pub fn changed(&mut self, stamps: impl IntoIterator<Item = Stamp>, now: Ms) -> Vec<Event> {
        self.begin(now);
        for s in stamps {
            self.observe(s).expect("test keys fit");
        }
        self.end()
    }

    /// Starts the first pass: rows created at or after `replay_from` (`--since`) are
    /// reported ADDED, the others only remembered.
    pub fn begin_first(&mut self, now: Ms, replay_from: Option<Ms>) {
        self.begin(now);
        self.replay = Some(replay_from);
    }

    /// Starts a pass over a new snapshot read at `now`; feed it with `observe`.
    pub fn begin(&mut self, now: Ms) {
        self.replay = None;
        self.now = now;
        self.seen.clear();
        self.seen.resize(self.rows.len(), false);
        self.fresh.clear();
        self.events.clear();
    }

    fn group_of(&mut self, plugin: String, namespace: String) -> u32 {
        if let Some(g) = self.last_group {
            let (p, n) = &self.groups[g as usize];
            if *p == plugin && *n == namespace {
                return g;
            }
        }
        let next = self.groups.len() as u32;
        let g = *self
            .group_ids
            .entry((plugin, namespace))
            .or_insert_with_key(|k| {
                self.groups.push(k.clone());
                self.newest.push((Ms::MIN, false));
                next
            });
        self.last_group = Some(g);
        g
    }

    fn find(&self, hash: u32, group: u32, key: &str) -> Option<usize> {
        let from = self.rows.partition_point(|r| r.hash < hash);
        (from..self.rows.len())
            .take_while(|&i| self.rows[i].hash == hash)
            .find(|&i| {
                self.rows[i].group() == group as usize && self.keys.get(self.rows[i].key) == key
            })
    }

    /// One row of the snapshot in progress.
    pub fn observe(&mut self, s: Stamp) -> Result<()> {
        let g = self.group_of(s.plugin_id, s.namespace);
        let hash = hash_of(g, &s.key);
        let live = is_live(s.expires_at, self.now);
        if s.created_at != 0 {
            self.note_write(g, s.created_at);
        }
        let expires_at = s.expires_at.unwrap_or(NEVER);
        if live && expires_at != NEVER {
            self.next_expiry = self.next_expiry.min(expires_at);
        }
        let Some(i) = self.find(hash, g, &s.key) else {
            let replayed = match self.replay {
                None => true,
                Some(from) => from.is_some_and(|t| s.created_at >= t),
            };
            if live && replayed {
                self.push_event(
                    EventType::Added,
                    g,
                    s.key.clone(),
                    s.created_at,
                    s.expires_at,
                );
            }
            let mut row = Row {
                hash,
                created_at: s.created_at,
                expires_at,
                key: self.keys.push(&s.key).ok_or_else(|| {
                    Error::new(
                        Kind::Runtime,
                        "watch holds at most 4 GiB of key text; watch fewer namespaces",
                    )
                })?,
                group: g,
            };
            row.set_gone(!live);
            self.fresh.push(row);
            return Ok(());
        };
        self.seen[i] = true;
        let old = self.rows[i];
        if (old.created_at, old.expires_at) == (s.created_at, expires_at) {
            return Ok(());
        }
        if live {
            self.push_event(EventType::Updated, g, s.key, s.created_at, s.expires_at);
        } else if !old.gone() {
            self.push_event(EventType::Expired, g, s.key, s.created_at, s.expires_at);
        }
        let row = &mut self.rows[i];
        row.created_at = s.created_at;
        row.expires_at = expires_at;
        row.set_gone(!live);
        Ok(())
    }

    fn push_event(
        &mut self,
        kind: EventType,
        g: u32,
        key: String,
        created_at: Ms,
        expires_at: Option<Ms>,
    ) {
        let (plugin_id, namespace) = self.groups[g as usize].clone();
        self.events.push(Event {
            kind,
            plugin_id,
            namespace,
            key,
            created_at,
            expires_at,
        });
    }

    fn row_event(&mut self, kind: EventType, r: Row) {
        let key = self.keys.get(r.key).to_string();
        self.push_event(kind, r.group() as u32, key, r.created_at, r.expires());
    }

    /// Ends the pass: what is no longer there was deleted, or swept after it expired.
    pub fn end(&mut self) -> Vec<Event> {
        let now = self.now;
        let mut kept = 0;
        for i in 0..self.rows.len() {
            let r = self.rows[i];
            if self.seen[i] {
                self.rows[kept] = r;
                kept += 1;
                continue;
            }
            self.keys.free(r.key);
            if !r.gone() {
                let kind = if is_live(r.expires(), now) {
                    EventType::Deleted
                } else {
                    EventType::Expired
                };
                self.row_event(kind, r);
            }
        }
        self.rows.truncate(kept);
        self.merge_fresh();
        if self.keys.dead > self.keys.bytes.len() / 2 {
            self.compact();
        }
        let mut events = std::mem::take(&mut self.events);
        events.extend(self.tick(now));
        sorted(events)
    }

    /// Merges the pass's new rows into the sorted rows, in place from the back.
    fn merge_fresh(&mut self) {
        let mut fresh = std::mem::take(&mut self.fresh);
        fresh.sort_unstable_by_key(|r| r.hash);
        if self.rows.is_empty() {
            // The first pass: every row is new.
            fresh.shrink_to_fit();
            self.rows = fresh;
            return;
        }
        let old = self.rows.len();
        self.rows.reserve_exact(fresh.len());
        self.rows.extend(fresh.iter().copied());
        let (mut i, mut j, mut k) = (old, fresh.len(), self.rows.len());
        while j > 0 {
            k -= 1;
            if i > 0 && self.rows[i - 1].hash > fresh[j - 1].hash {
                i -= 1;
                self.rows[k] = self.rows[i];
            } else {
                j -= 1;
                self.rows[k] = fresh[j];
            }
        }
        // A burst of new rows leaves no buffer of its size behind.
        if fresh.capacity() <= 4096 {
            fresh.clear();
            self.fresh = fresh;
        }
    }

    /// Rewrites the arena with the live keys only.
    fn compact(&mut self) {
        let mut next = Arena::default();
        for r in &mut self.rows {
            // The live keys fit: they took less than the arena they came from.
            r.key = next.push(self.keys.get(r.key)).unwrap_or_default();
        }
        self.keys = next;
    }

    fn note_write(&mut self, g: u32, created_at: Ms) {
        let e = &mut self.newest[g as usize];
        if created_at > e.0 {
            *e = (created_at, false);
        }
    }

    /// Rows that passed their expiry by `now`, and namespaces gone stale.
    pub fn tick(&mut self, now: Ms) -> Vec<Event> {
        let saved = std::mem::take(&mut self.events);
        if now >= self.next_expiry {
            self.next_expiry = Ms::MAX;
            for i in 0..self.rows.len() {
                let r = self.rows[i];
                if r.gone() || r.expires_at == NEVER {
                    continue;
                }
                if is_live(r.expires(), now) {
                    self.next_expiry = self.next_expiry.min(r.expires_at);
                } else {
                    self.rows[i].set_gone(true);
                    self.row_event(EventType::Expired, r);
                }
            }
        }
        if let Some(after) = self.stale_after {
            for g in 0..self.newest.len() {
                let (newest, reported) = self.newest[g];
                if !reported && newest != Ms::MIN && is_stale(newest, now, after) {
                    self.newest[g].1 = true;
                    self.push_event(EventType::Stale, g as u32, String::new(), newest, None);
                }
            }
        }
        let events = std::mem::replace(&mut self.events, saved);
        sorted(events)
    }

    pub fn rows(&self) -> usize {
        self.rows.len()
    }
}

/// Events in the order the runtime lists rows: `created_at`, then key.
fn sorted(mut events: Vec<Event>) -> Vec<Event> {
    events.sort_by(|a, b| {
        (a.created_at, &a.key, &a.plugin_id, &a.namespace).cmp(&(
            b.created_at,
            &b.key,
            &b.plugin_id,
            &b.namespace,
        ))
    });
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(key: &str, c: Ms, e: Option<Ms>) -> Stamp {
        Stamp {
            plugin_id: "p".into(),
            namespace: "n".into(),
            key: key.into(),
            created_at: c,
            expires_at: e,
        }
    }

    fn kinds(ev: &[Event]) -> Vec<(EventType, &str)> {
        ev.iter().map(|e| (e.kind, e.key.as_str())).collect()
    }

    #[test]
    fn each_change_is_reported_once() {
        let (mut w, ev) =
            Watcher::start(vec![st("a", 1, None), st("b", 2, Some(50))], 10, None, None);
        assert!(ev.is_empty());
        let ev = w.changed(
            vec![
                st("a", 1, None),
                st("b", 2, Some(50)),
                st("c", 20, Some(30)),
            ],
            20,
        );
        assert_eq!(kinds(&ev), [(EventType::Added, "c")]);
        // c passes its expiry with no write: EXPIRED once, then its sweep says nothing.
        assert_eq!(kinds(&w.tick(30)), [(EventType::Expired, "c")]);
        assert!(w.tick(31).is_empty());
        let ev = w.changed(vec![st("a", 40, None), st("b", 2, Some(50))], 40);
        assert_eq!(kinds(&ev), [(EventType::Updated, "a")]);
        let ev = w.changed(vec![st("a", 40, None)], 41);
        assert_eq!(kinds(&ev), [(EventType::Deleted, "b")]);
        // Expired and swept between two polls: EXPIRED, not DELETED.
        let (mut w, _) = Watcher::start(vec![st("x", 1, Some(5))], 2, None, None);
        assert_eq!(kinds(&w.changed(vec![], 9)), [(EventType::Expired, "x")]);
    }

    #[test]
    fn since_replays_recent_rows_in_runtime_order() {
        let (_, ev) = Watcher::start(
            vec![
                st("b", 5, None),
                st("a", 5, None),
                st("old", 1, None),
                st("dead", 6, Some(7)),
            ],
            10,
            Some(4),
            None,
        );
        assert_eq!(
            kinds(&ev),
            [(EventType::Added, "a"), (EventType::Added, "b")]
        );
    }

    #[test]
    fn a_namespace_without_writes_goes_stale_once_until_written_again() {
        let (mut w, _) = Watcher::start(vec![st("a", 100, None)], 100, None, Some(50));
        assert!(w.tick(149).is_empty());
        assert_eq!(w.tick(150)[0].kind, EventType::Stale);
        assert!(w.tick(300).is_empty());
        w.changed(vec![st("a", 310, None)], 310);
        assert!(w.tick(359).is_empty());
        assert_eq!(w.tick(360)[0].kind, EventType::Stale);
    }

    /// The watcher's compact rows give the same events as a plain map of every row.
    mod model {
        use super::*;
        use proptest::prelude::*;

        #[derive(Clone, Copy)]
        struct Seen {
            c: Ms,
            e: Option<Ms>,
            gone: bool,
        }

        /// The rule in its simplest form: one map entry per row.
        fn step(
            old: &mut HashMap<(String, String), Seen>,
            snap: &[Stamp],
            now: Ms,
        ) -> Vec<(EventType, String, String)> {
            let mut ev = Vec::new();
            let mut next = HashMap::new();
            for s in snap {
                let k = (s.namespace.clone(), s.key.clone());
                let live = is_live(s.expires_at, now);
                let gone = match old.remove(&k) {
                    None => {
                        if live {
                            ev.push((EventType::Added, k.0.clone(), k.1.clone()));
                        }
                        !live
                    }
                    Some(o) if (o.c, o.e) != (s.created_at, s.expires_at) => {
                        if live {
                            ev.push((EventType::Updated, k.0.clone(), k.1.clone()));
                        } else if !o.gone {
                            ev.push((EventType::Expired, k.0.clone(), k.1.clone()));
                        }
                        !live
                    }
                    Some(o) => o.gone,
                };
                next.insert(
                    k,
                    Seen {
                        c: s.created_at,
                        e: s.expires_at,
                        gone,
                    },
                );
            }
            for (k, o) in old.drain() {
                if !o.gone {
                    let kind = if is_live(o.e, now) {
                        EventType::Deleted
                    } else {
                        EventType::Expired
                    };
                    ev.push((kind, k.0, k.1));
                }
            }
            for (k, o) in next.iter_mut() {
                if !o.gone && !is_live(o.e, now) {
                    o.gone = true;
                    ev.push((EventType::Expired, k.0.clone(), k.1.clone()));
                }
            }
            *old = next;
            ev.sort();
            ev
        }

        fn snapshot() -> impl Strategy<Value = Vec<Stamp>> {
            // Few keys and times, so rows recur, change, vanish and expire.
            proptest::collection::btree_map(
                (0..3u8, 0..12u8),
                (0..6i64, proptest::option::of(0..12i64)),
                0..20,
            )
            .prop_map(|m| {
                m.into_iter()
                    .map(|((n, k), (c, e))| Stamp {
                        plugin_id: "p".into(),
                        namespace: format!("n{n}"),
                        key: format!("k{k}"),
                        created_at: c,
                        expires_at: e,
                    })
                    .collect()
            })
        }

        proptest! {
            #[test]
            fn compact_rows_report_what_a_plain_map_reports(
                snaps in proptest::collection::vec(snapshot(), 1..12)
            ) {
                let mut model = HashMap::new();
                step(&mut model, &snaps[0], 0);
                let (mut w, _) = Watcher::start(snaps[0].clone(), 0, None, None);
                for (t, snap) in snaps.iter().enumerate().skip(1) {
                    let now = t as Ms;
                    let want = step(&mut model, snap, now);
                    let mut got: Vec<_> = w
                        .changed(snap.clone(), now)
                        .into_iter()
                        .map(|e| (e.kind, e.namespace, e.key))
                        .collect();
                    got.sort();
                    prop_assert_eq!(got, want);
                    prop_assert_eq!(w.rows(), snap.len());
                }
            }
        }
    }
}
