//! The events of `statectl watch`: the net change between consecutive snapshots of
//! row stamps (key, created_at, expires_at), the moment a row passes its expiry, and
//! namespaces that stopped receiving writes. Pure: the command feeds it snapshots.

use crate::store::rules::is_live;
use crate::store::stamps::Stamp;
use crate::timefmt::Ms;
use serde::Serialize;
use std::collections::HashMap;

/// What happened to a row, as `kubectl get -w --output-watch-events` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

type RowKey = (String, String, String);

#[derive(Debug, Clone, Copy)]
struct Slot {
    created_at: Ms,
    expires_at: Option<Ms>,
    /// EXPIRED was reported (or the row was never seen live): nothing more to say.
    gone: bool,
}

/// The rows seen so far, and per namespace the newest write.
#[derive(Debug, Default)]
pub struct Watcher {
    rows: HashMap<RowKey, Slot>,
    newest: HashMap<(String, String), (Ms, bool)>,
    stale_after: Option<Ms>,
}

fn event(kind: EventType, k: &RowKey, created_at: Ms, expires_at: Option<Ms>) -> Event {
    Event {
        kind,
        plugin_id: k.0.clone(),
        namespace: k.1.clone(),
        key: k.2.clone(),
        created_at,
        expires_at,
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

impl Watcher {
    /// Starts from a first snapshot; returns ADDED for the live rows created at or
    /// after `replay_from` (`--since`).
    pub fn start(
        stamps: Vec<Stamp>,
        now: Ms,
        replay_from: Option<Ms>,
        stale_after: Option<Ms>,
    ) -> (Watcher, Vec<Event>) {
        let mut w = Watcher {
            stale_after,
            ..Default::default()
        };
        let mut events = Vec::new();
        for s in stamps {
            let k = (s.plugin_id, s.namespace, s.key);
            let live = is_live(s.expires_at, now);
            if live && replay_from.is_some_and(|t| s.created_at >= t) {
                events.push(event(EventType::Added, &k, s.created_at, s.expires_at));
            }
            w.note_write(&k, s.created_at);
            w.rows.insert(
                k,
                Slot {
                    created_at: s.created_at,
                    expires_at: s.expires_at,
                    gone: !live,
                },
            );
        }
        (w, sorted(events))
    }

    fn note_write(&mut self, k: &RowKey, created_at: Ms) {
        let e = self
            .newest
            .entry((k.0.clone(), k.1.clone()))
            .or_insert((created_at, false));
        if created_at > e.0 {
            *e = (created_at, false);
        }
    }

    /// The net change from the last snapshot to `stamps`, read at `now`.
    pub fn changed(&mut self, stamps: Vec<Stamp>, now: Ms) -> Vec<Event> {
        let mut events = Vec::new();
        let mut next: HashMap<RowKey, Slot> = HashMap::with_capacity(stamps.len());
        for s in stamps {
            let k = (s.plugin_id, s.namespace, s.key);
            let live = is_live(s.expires_at, now);
            let slot = match self.rows.remove(&k) {
                None => {
                    if live {
                        events.push(event(EventType::Added, &k, s.created_at, s.expires_at));
                    }
                    Slot {
                        created_at: s.created_at,
                        expires_at: s.expires_at,
                        gone: !live,
                    }
                }
                Some(old) if (old.created_at, old.expires_at) != (s.created_at, s.expires_at) => {
                    if live {
                        events.push(event(EventType::Updated, &k, s.created_at, s.expires_at));
                    } else if !old.gone {
                        events.push(event(EventType::Expired, &k, s.created_at, s.expires_at));
                    }
                    Slot {
                        created_at: s.created_at,
                        expires_at: s.expires_at,
                        gone: !live,
                    }
                }
                Some(old) => old,
            };
            if slot.created_at != 0 {
                self.note_write(&k, slot.created_at);
            }
            next.insert(k, slot);
        }
        // What is no longer there: deleted, or swept after it expired.
        for (k, old) in self.rows.drain() {
            if old.gone {
                continue;
            }
            let kind = if is_live(old.expires_at, now) {
                EventType::Deleted
            } else {
                EventType::Expired
            };
            events.push(event(kind, &k, old.created_at, old.expires_at));
        }
        self.rows = next;
        events.extend(self.tick(now));
        sorted(events)
    }

    /// Rows that passed their expiry by `now`, and namespaces gone stale.
    pub fn tick(&mut self, now: Ms) -> Vec<Event> {
        let mut events = Vec::new();
        for (k, slot) in self.rows.iter_mut() {
            if !slot.gone && !is_live(slot.expires_at, now) {
                slot.gone = true;
                events.push(event(
                    EventType::Expired,
                    k,
                    slot.created_at,
                    slot.expires_at,
                ));
            }
        }
        if let Some(after) = self.stale_after {
            for ((plugin, ns), (newest, reported)) in self.newest.iter_mut() {
                if !*reported && now.saturating_sub(*newest) >= after {
                    *reported = true;
                    events.push(Event {
                        kind: EventType::Stale,
                        plugin_id: plugin.clone(),
                        namespace: ns.clone(),
                        key: String::new(),
                        created_at: *newest,
                        expires_at: None,
                    });
                }
            }
        }
        sorted(events)
    }

    pub fn rows(&self) -> usize {
        self.rows.len()
    }
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
}
