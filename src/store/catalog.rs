//! The namespace catalog: what the rows of a known namespace mean. For each namespace,
//! its key grammars (every version's, tried in turn), the decoded fields of key and
//! value with their types, which fields are personal data, and a one-line purpose.
//! Caps, TTLs, policies, secrecy and prune safety live in [`super::known`]; the user's
//! namespaces file can add grammars for community plugins (see [`Pattern::parse`]).
//!
//! Decoding never fails: a key that fits no grammar or a value of another shape gives a
//! [`Decoded`] with a `problem`, and the caller shows the row raw, marked.

use super::known::Name;
use crate::timefmt::Ms;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// The type of a decoded field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    Text,
    Int,
    Bool,
    /// A point in time, emitted as epoch ms.
    Time,
    /// A point in time stored as (fractional) epoch seconds, emitted as epoch ms.
    TimeSecs,
    /// A list of strings.
    List,
    /// A length of time in ms (`idle_remaining`); `<`/`>` take `90s`, `2h`, `7d`.
    Duration,
}

impl Type {
    pub fn as_str(self) -> &'static str {
        match self {
            Type::Text => "text",
            Type::Int => "int",
            Type::Bool => "bool",
            Type::Time | Type::TimeSecs => "time",
            Type::List => "list",
            Type::Duration => "duration",
        }
    }

    /// Whether `<` and `>` apply.
    pub fn ordered(self) -> bool {
        matches!(
            self,
            Type::Int | Type::Time | Type::TimeSecs | Type::Duration
        )
    }

    fn parse_user(s: &str) -> Option<Type> {
        Some(match s {
            "text" => Type::Text,
            "int" => Type::Int,
            "bool" => Type::Bool,
            "time" => Type::Time,
            "time_s" => Type::TimeSecs,
            "list" => Type::List,
            "duration" => Type::Duration,
            _ => return None,
        })
    }
}

/// Where a field's value comes from.
#[derive(Debug, Clone)]
pub enum Src {
    /// A capture of the key grammar.
    Key(String),
    /// A dotted path into the value (`entry.messageId`; empty for the value itself).
    Path(String),
    /// The number of elements of the array at the path.
    Len(String),
    /// Whether the path holds a non-null value (the value itself is never shown).
    Present(String),
    /// The first of these that is not null.
    First(Vec<Src>),
    /// `telegram.thread-bindings`: the key recomputed from the value matches.
    BindingKeyMatches,
    /// `telegram.update-offsets`: the stored bot id and token fingerprint against the
    /// token of openclaw.json ([`super::offsets`]); null when the file cannot tell.
    Rotation,
    /// Something beyond the row itself: the time, the namespace name, other rows.
    Derived(Derived),
}

/// Fields computed from more than the row's key and value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Derived {
    /// Time left before an idle binding expires, against `--now`:
    /// `max(lastActivityAt, boundAt) + idleTimeoutMs - now`, at least 0; the app
    /// default idle timeout when the value has none; null when the timeout is 0 (off).
    IdleRemaining { default_idle_ms: Ms },
    /// `memory-host.event-cursors`: the workspace's highest event sequence (from the
    /// store, [`Context::journal_tails`]) minus the cursor's `lastSequence`.
    CursorLag,
    /// The hex suffix of a hashed namespace name (MS Teams named accounts), full.
    NamespaceHash,
    /// The account id of openclaw.json whose sha256 the namespace name ends in
    /// ([`super::config::namespace_account`]); else that hash, short (`0123ab…89cdef`).
    NamespaceHashShort,
}

impl Derived {
    /// Where the field comes from, for `explain`.
    pub fn describe(self) -> &'static str {
        match self {
            Derived::IdleRemaining { .. } => {
                "max(lastActivityAt, boundAt) + idleTimeoutMs (default 24h) - now"
            }
            Derived::CursorLag => "max(seq) of memory-host.events for the workspace - lastSequence",
            Derived::NamespaceHash => "the namespace's sha256 suffix",
            Derived::NamespaceHashShort => {
                "the account of openclaw.json whose sha256 is the namespace's suffix, else the suffix, short"
            }
        }
    }
}

/// What decoding may know beyond one row, computed once per listing by the store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// `--now`; derived times are null without it.
    pub now: Option<Ms>,
    /// `memory-host.events`: the highest live sequence per workspace hash.
    pub journal_tails: std::collections::BTreeMap<String, i64>,
}

/// How a namespace's key is tied to its value, where the writer says so
/// ([`super::integrity::key_mismatch`] checks it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRule {
    /// The key is the value at this dotted path (Discord: `entry.id`).
    ValuePath(String),
    /// `telegram.thread-bindings`: the key is [`thread_binding_key`] of the value's
    /// `accountId` and `conversationId`.
    ThreadBindingHash,
    /// Each `(capture, path)`: the key's capture equals the value's string at the
    /// path, where both are there (Matrix: the key's room is `target.roomId`).
    CapturesEqual(Vec<(String, String)>),
}

/// One decoded field.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub ty: Type,
    pub src: Src,
    /// Personal data (sender, text): hidden in secret namespaces unless `--show-secrets`.
    pub personal: bool,
    /// Left out of table columns (JSON and CSV carry it): details behind the key.
    pub detail: bool,
    pub doc: String,
}

/// One piece of a key pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Lit(String),
    /// A capture: `{name}` (no `:`) or `{name*}` (any text, colons included).
    Cap {
        name: String,
        any: bool,
    },
    /// Built-in grammars only: any text that starts with `lead` (kept in the capture),
    /// so `{room*}:` then a `$`-led event id splits at the `:$` (namespaces.md).
    Led {
        name: String,
        lead: char,
    },
}

/// A key grammar's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    /// Literal text and captures, as in `{account}:{team}:{channel}:{thread_ts}`.
    Text(Vec<Piece>),
    /// A JSON array of strings, one capture per element: `["{account}","{room}","{event}"]`.
    JsonArray(Vec<String>),
}

impl Pattern {
    /// Parses the pattern syntax: `{name}` captures text without `:`, `{name*}` any
    /// non-empty text; everything else is literal. A pattern that starts with `[` is a
    /// JSON array of captures: `["{account}","{room}","{event}"]`.
    pub fn parse(p: &str) -> Result<Pattern, String> {
        if p.trim_start().starts_with('[') {
            let items: Vec<String> = serde_json::from_str(p).map_err(|e| {
                format!("pattern {p}: not a JSON array of \"{{name}}\" strings ({e})")
            })?;
            let mut names = Vec::new();
            for it in items {
                let name = it
                    .strip_prefix('{')
                    .and_then(|s| s.strip_suffix('}'))
                    .filter(|n| valid_name(n))
                    .ok_or_else(|| {
                        format!("pattern {p}: each element must be a capture like \"{{room}}\"")
                    })?;
                names.push(name.to_string());
            }
            if names.is_empty() {
                return Err(format!("pattern {p}: the array needs at least one capture"));
            }
            return Ok(Pattern::JsonArray(names));
        }
        let mut pieces = Vec::new();
        let mut rest = p;
        while !rest.is_empty() {
            match rest.find('{') {
                Some(0) => {
                    let end = rest
                        .find('}')
                        .ok_or_else(|| format!("pattern {p}: '{{' without '}}'"))?;
                    let inner = &rest[1..end];
                    let (name, any) = match inner.strip_suffix('*') {
                        Some(n) => (n, true),
                        None => (inner, false),
                    };
                    if !valid_name(name) {
                        return Err(format!(
                            "pattern {p}: capture '{{{inner}}}' needs a name of a-z, 0-9 and _"
                        ));
                    }
                    if matches!(pieces.last(), Some(Piece::Cap { .. })) {
                        return Err(format!(
                            "pattern {p}: two captures need literal text between them"
                        ));
                    }
                    pieces.push(Piece::Cap {
                        name: name.to_string(),
                        any,
                    });
                    rest = &rest[end + 1..];
                }
                Some(i) => {
                    pieces.push(Piece::Lit(rest[..i].to_string()));
                    rest = &rest[i..];
                }
                None => {
                    pieces.push(Piece::Lit(rest.to_string()));
                    rest = "";
                }
            }
        }
        if !pieces.iter().any(|x| matches!(x, Piece::Cap { .. })) {
            return Err(format!("pattern {p}: no capture such as {{id}}"));
        }
        Ok(Pattern::Text(pieces))
    }

    /// The capture names, in order.
    pub fn captures(&self) -> Vec<&str> {
        match self {
            Pattern::Text(pieces) => pieces
                .iter()
                .filter_map(|x| match x {
                    Piece::Cap { name, .. } | Piece::Led { name, .. } => Some(name.as_str()),
                    Piece::Lit(_) => None,
                })
                .collect(),
            Pattern::JsonArray(names) => names.iter().map(String::as_str).collect(),
        }
    }

    /// The captures of `key`, or `None` when it does not fit.
    pub fn matches(&self, key: &str) -> Option<Vec<(String, String)>> {
        match self {
            Pattern::JsonArray(names) => {
                let items: Vec<String> = serde_json::from_str(key).ok()?;
                (items.len() == names.len() && items.iter().all(|s| !s.is_empty()))
                    .then(|| names.iter().cloned().zip(items).collect())
            }
            Pattern::Text(pieces) => {
                let mut out = Vec::new();
                match_pieces(pieces, key, &mut out).then_some(out)
            }
        }
    }

    /// The pattern as written.
    pub fn text(&self) -> String {
        match self {
            Pattern::JsonArray(names) => {
                let items: Vec<String> = names.iter().map(|n| format!("\"{{{n}}}\"")).collect();
                format!("[{}]", items.join(","))
            }
            Pattern::Text(pieces) => pieces
                .iter()
                .map(|x| match x {
                    Piece::Lit(l) => l.clone(),
                    Piece::Cap { name, any: false } => format!("{{{name}}}"),
                    Piece::Cap { name, any: true } => format!("{{{name}*}}"),
                    Piece::Led { name, lead } => format!("{lead}{{{name}*}}"),
                })
                .collect(),
        }
    }
}

fn valid_name(n: &str) -> bool {
    !n.is_empty()
        && n.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Backtracking match of pieces against text; captures are non-empty.
fn match_pieces(pieces: &[Piece], text: &str, out: &mut Vec<(String, String)>) -> bool {
    let Some((first, rest)) = pieces.split_first() else {
        return text.is_empty();
    };
    match first {
        Piece::Lit(l) => text
            .strip_prefix(l.as_str())
            .is_some_and(|t| match_pieces(rest, t, out)),
        Piece::Cap { name, any } => {
            // The longest capture first: `{room*}:{event}` splits at the last ':'.
            let limit = if *any {
                text.len()
            } else {
                text.find(':').unwrap_or(text.len())
            };
            capture(name, text, limit, rest, out)
        }
        Piece::Led { name, lead } => {
            text.starts_with(*lead) && capture(name, text, text.len(), rest, out)
        }
    }
}

/// Captures `text[..end]` for the longest `end <= limit` with which the rest matches.
fn capture(
    name: &str,
    text: &str,
    limit: usize,
    rest: &[Piece],
    out: &mut Vec<(String, String)>,
) -> bool {
    // The rest is tried first and the capture put before its captures only once it
    // matches (a failed try leaves `out` as it was): no allocation per backtrack step.
    let at = out.len();
    // Where a literal follows, only an end right before it can match.
    let next = match rest.first() {
        Some(Piece::Lit(l)) => l.as_bytes(),
        _ => &[],
    };
    for end in (1..=limit).rev() {
        if !text.as_bytes()[end..].starts_with(next) || !text.is_char_boundary(end) {
            continue;
        }
        if match_pieces(rest, &text[end..], out) {
            out.insert(at, (name.to_string(), text[..end].to_string()));
            return true;
        }
    }
    false
}

/// One key grammar, with the versions that write it and an example key.
#[derive(Debug, Clone)]
pub struct Grammar {
    pub pattern: Pattern,
    pub versions: String,
    pub example: String,
}

/// What statectl knows about the meaning of one namespace's rows.
#[derive(Debug, Clone)]
pub struct Spec {
    pub plugin: String,
    pub name: Name,
    /// How `explain` names it (`telegram.topic-name-cache.<16 hex>`).
    pub display: String,
    pub purpose: String,
    /// Tried in turn; the first that fits decodes the key.
    pub grammars: Vec<Grammar>,
    pub fields: Vec<Field>,
    /// `(path, n)`: the value must carry this version number.
    pub value_version: Option<(String, i64)>,
    /// The writer's source file, or `None` for third-party inventory.
    pub source: Option<String>,
    /// What deleting rows does, for operators.
    pub deleting: String,
    /// Anything else `explain` should say.
    pub notes: Vec<String>,
    /// An example value.
    pub example_value: Option<String>,
    /// How the key follows from the value, when it does.
    pub key_rule: Option<KeyRule>,
}

/// A decoded field value.
#[derive(Debug, Clone, PartialEq)]
pub enum DVal {
    Null,
    Text(String),
    Int(i64),
    Bool(bool),
    /// Epoch ms.
    Time(Ms),
    List(Vec<String>),
    /// A length of time in ms.
    Span(Ms),
}

impl DVal {
    pub fn to_json(&self) -> Value {
        match self {
            DVal::Null => Value::Null,
            DVal::Text(s) => Value::String(s.clone()),
            DVal::Int(i) | DVal::Time(i) | DVal::Span(i) => Value::from(*i),
            DVal::Bool(b) => Value::Bool(*b),
            DVal::List(l) => Value::from(l.clone()),
        }
    }

    /// The text a filter's `=` and `~` compare with, per element for lists.
    pub fn texts(&self) -> Vec<String> {
        match self {
            DVal::Null => vec![],
            DVal::Text(s) => vec![s.clone()],
            DVal::Int(i) | DVal::Time(i) | DVal::Span(i) => vec![i.to_string()],
            DVal::Bool(b) => vec![b.to_string()],
            DVal::List(l) => l.clone(),
        }
    }
}

/// One entry, decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// Index of the grammar that fit the key.
    pub grammar: Option<usize>,
    /// Every field of the spec, in order (hidden personal fields left out).
    pub fields: Vec<(String, DVal)>,
    /// Why the key or value did not decode, when it did not.
    pub problem: Option<String>,
    /// Why the key disagrees with the value ([`KeyRule`]), when it does.
    pub key_mismatch: Option<String>,
}

impl Decoded {
    pub fn get(&self, name: &str) -> Option<&DVal> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The `decoded` object of JSON output.
    pub fn to_json(&self) -> Value {
        Value::Object(
            self.fields
                .iter()
                .map(|(n, v)| (n.clone(), v.to_json()))
                .collect(),
        )
    }
}

/// The `decoded` object of [`Decoded::fields`], serialized as it stands: the same JSON
/// as [`Decoded::to_json`] (names in sorted order, the last of a repeated name) without
/// building a value first.
pub struct DecodedObject(pub Vec<(String, DVal)>);

impl serde::Serialize for DecodedObject {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut order: Vec<usize> = (0..self.0.len()).collect();
        // Stable: equal names keep their order, and the last of them wins below.
        order.sort_by(|&a, &b| self.0[a].0.cmp(&self.0[b].0));
        order.dedup_by(|later, earlier| {
            let same = self.0[*later].0 == self.0[*earlier].0;
            if same {
                *earlier = *later;
            }
            same
        });
        let mut map = s.serialize_map(Some(order.len()))?;
        for i in order {
            let (name, v) = &self.0[i];
            match v {
                DVal::Null => map.serialize_entry(name, &())?,
                DVal::Text(t) => map.serialize_entry(name, t)?,
                DVal::Int(i) | DVal::Time(i) | DVal::Span(i) => map.serialize_entry(name, i)?,
                DVal::Bool(b) => map.serialize_entry(name, b)?,
                DVal::List(l) => map.serialize_entry(name, l)?,
            }
        }
        map.end()
    }
}

impl Spec {
    pub fn matches(&self, plugin_id: &str, namespace: &str) -> bool {
        self.plugin == plugin_id && self.name.matches(namespace)
    }

    /// The fields shown: personal ones only when `show_personal`.
    pub fn visible_fields(&self, show_personal: bool) -> impl Iterator<Item = &Field> {
        self.fields
            .iter()
            .filter(move |f| show_personal || !f.personal)
    }

    /// Decodes one row. `show_personal` is false for a secret namespace without
    /// `--show-secrets`: personal fields are then left out.
    pub fn decode(&self, key: &str, value_json: &str, show_personal: bool) -> Decoded {
        self.decode_in("", key, value_json, show_personal, &Context::default())
    }

    /// [`Spec::decode`] of a row of `namespace`, with what the store knows beyond it.
    pub fn decode_in(
        &self,
        namespace: &str,
        key: &str,
        value_json: &str,
        show_personal: bool,
        cx: &Context,
    ) -> Decoded {
        let value = parse_value(value_json, self.value_roots().as_deref());
        self.decode_value(namespace, key, value, show_personal, cx)
    }

    /// [`Spec::decode_in`] of a value already parsed (`None`: not JSON).
    fn decode_value(
        &self,
        namespace: &str,
        key: &str,
        value: Option<Value>,
        show_personal: bool,
        cx: &Context,
    ) -> Decoded {
        let mut problems = Vec::new();
        let found = self
            .grammars
            .iter()
            .enumerate()
            .find_map(|(i, g)| g.pattern.matches(key).map(|c| (i, c)));
        let (grammar, caps) = match found {
            Some((i, c)) => (Some(i), c),
            None => {
                problems.push("the key fits no known grammar".to_string());
                (None, Vec::new())
            }
        };
        if value.is_none() {
            problems.push("the value is not JSON".to_string());
        }
        if let (Some(v), Some((path, want))) = (&value, &self.value_version) {
            let got = lookup(v, path).and_then(Value::as_i64);
            if got != Some(*want) {
                problems.push(format!("value {path} is not {want}"));
            }
        }
        let ctx = Inputs {
            plugin_id: &self.plugin,
            namespace,
            key,
            caps: &caps,
            value: value.as_ref(),
            cx,
        };
        let mut fields = Vec::new();
        for f in self.visible_fields(show_personal) {
            let v = match resolve(&ctx, &f.src, f.ty) {
                Ok(v) => v,
                Err(m) => {
                    problems.push(format!("{}: {m}", f.name));
                    DVal::Null
                }
            };
            fields.push((f.name.clone(), v));
        }
        Decoded {
            grammar,
            fields,
            problem: (!problems.is_empty()).then(|| problems.join("; ")),
            key_mismatch: self
                .key_rule
                .as_ref()
                .and_then(|r| super::integrity::key_mismatch(r, key, &caps, value.as_ref())),
        }
    }
}

impl Spec {
    /// The value's top-level keys that decoding reads (fields, version, key rule), or
    /// `None` when something reads the whole value.
    fn value_roots(&self) -> Option<Vec<&str>> {
        let mut roots = Vec::new();
        for f in &self.fields {
            if !f.src.roots(&mut roots) {
                return None;
            }
        }
        if let Some((path, _)) = &self.value_version {
            roots.push(root(path)?);
        }
        match &self.key_rule {
            None => {}
            Some(KeyRule::ValuePath(path)) => roots.push(root(path)?),
            Some(KeyRule::ThreadBindingHash) => roots.extend(["accountId", "conversationId"]),
            Some(KeyRule::CapturesEqual(pairs)) => {
                for (_, path) in pairs {
                    roots.push(root(path)?);
                }
            }
        }
        Some(roots)
    }
}

/// A dotted path's first key; `None` for the empty path (the value itself).
fn root(path: &str) -> Option<&str> {
    (!path.is_empty()).then(|| path.split('.').next().unwrap_or(path))
}

impl Src {
    /// Adds the value's top-level keys this source reads to `out`; false when it reads
    /// the whole value. Exhaustive on purpose: a new source must say what it reads.
    fn roots<'a>(&'a self, out: &mut Vec<&'a str>) -> bool {
        match self {
            Src::Key(_) => true,
            Src::Path(p) | Src::Len(p) | Src::Present(p) => root(p).map(|r| out.push(r)).is_some(),
            Src::First(list) => list.iter().all(|s| s.roots(out)),
            Src::BindingKeyMatches => {
                out.extend(["accountId", "conversationId"]);
                true
            }
            Src::Rotation => false,
            Src::Derived(d) => {
                match d {
                    Derived::IdleRemaining { .. } => {
                        out.extend(["idleTimeoutMs", "lastActivityAt", "boundAt"])
                    }
                    Derived::CursorLag => out.push("lastSequence"),
                    Derived::NamespaceHash | Derived::NamespaceHashShort => {}
                }
                true
            }
        }
    }
}

/// The stored value as decoding sees it: with `roots`, an object holds only those keys
/// (the others are read past, not built: a listing's long texts cost no copies);
/// `None` when it is not JSON.
fn parse_value(value_json: &str, roots: Option<&[&str]>) -> Option<Value> {
    use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};
    let roots = match roots {
        Some(r) if value_json.trim_start().starts_with('{') => r,
        _ => return serde_json::from_str(value_json).ok(),
    };
    struct Wanted<'r>(&'r [&'r str]);
    impl<'de> DeserializeSeed<'de> for Wanted<'_> {
        type Value = Option<String>;
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(self)
        }
    }
    impl Visitor<'_> for Wanted<'_> {
        type Value = Option<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a key")
        }
        fn visit_str<E>(self, k: &str) -> Result<Self::Value, E> {
            Ok(self.0.contains(&k).then(|| k.to_string()))
        }
    }
    struct Object<'r>(&'r [&'r str]);
    impl<'de> Visitor<'de> for Object<'_> {
        type Value = Value;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            let mut out = serde_json::Map::new();
            while let Some(key) = map.next_key_seed(Wanted(self.0))? {
                match key {
                    // A repeated key: the last one wins, as in a full parse.
                    Some(k) => drop(out.insert(k, map.next_value()?)),
                    None => drop(map.next_value::<IgnoredAny>()?),
                }
            }
            Ok(Value::Object(out))
        }
    }
    let mut de = serde_json::Deserializer::from_str(value_json);
    let v = serde::Deserializer::deserialize_map(&mut de, Object(roots)).ok()?;
    de.end().ok().map(|()| v)
}

struct Inputs<'a> {
    plugin_id: &'a str,
    namespace: &'a str,
    key: &'a str,
    caps: &'a [(String, String)],
    value: Option<&'a Value>,
    cx: &'a Context,
}

pub(super) fn lookup<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    if path.is_empty() {
        return Some(v);
    }
    path.split('.').try_fold(v, |cur, part| cur.get(part))
}

/// A field's value; an error says what was there instead of the expected type.
fn resolve(inp: &Inputs, src: &Src, ty: Type) -> Result<DVal, String> {
    match src {
        Src::Key(name) => Ok(inp
            .caps
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| typed_text(s, ty))
            .unwrap_or(DVal::Null)),
        Src::Path(path) => match inp.value.and_then(|v| lookup(v, path)) {
            None | Some(Value::Null) => Ok(DVal::Null),
            Some(v) => typed_json(v, ty),
        },
        Src::Len(path) => match inp.value.and_then(|v| lookup(v, path)) {
            None | Some(Value::Null) => Ok(DVal::Null),
            Some(Value::Array(a)) => Ok(DVal::Int(a.len() as i64)),
            Some(other) => Err(format!("expected a list, found {}", kind(other))),
        },
        Src::Present(path) => Ok(DVal::Bool(
            inp.value
                .and_then(|v| lookup(v, path))
                .is_some_and(|v| !v.is_null()),
        )),
        Src::First(list) => {
            for s in list {
                let v = resolve(inp, s, ty)?;
                if v != DVal::Null {
                    return Ok(v);
                }
            }
            Ok(DVal::Null)
        }
        Src::BindingKeyMatches => {
            let get = |k: &str| inp.value.and_then(|v| v.get(k)).and_then(Value::as_str);
            Ok(match (get("accountId"), get("conversationId")) {
                (Some(a), Some(c)) => DVal::Bool(thread_binding_key(a, c) == inp.key),
                _ => DVal::Null,
            })
        }
        Src::Rotation => Ok(inp
            .value
            .map(|v| super::offsets::diagnose_value(super::config::gateway(), inp.key, v))
            .and_then(|r| r.code())
            .map_or(DVal::Null, |c| DVal::Text(c.into()))),
        Src::Derived(d) => Ok(derive(inp, *d)),
    }
}

fn derive(inp: &Inputs, d: Derived) -> DVal {
    let num = |p: &str| inp.value.and_then(|v| lookup(v, p)).and_then(Value::as_i64);
    let hash = || {
        let at = inp.namespace.rfind('.')? + 1;
        let h = &inp.namespace[at..];
        (h.len() >= 16 && h.bytes().all(|b| b.is_ascii_hexdigit())).then_some(h)
    };
    let v =
        match d {
            Derived::IdleRemaining { default_idle_ms } => (|| {
                let idle = num("idleTimeoutMs").map_or(default_idle_ms, |t| t.max(0));
                let since = num("lastActivityAt")?.max(num("boundAt").unwrap_or(0));
                let left = since.checked_add(idle)?.checked_sub(inp.cx.now?)?;
                (idle > 0).then(|| DVal::Span(left.max(0)))
            })(),
            Derived::CursorLag => (|| {
                let ws = inp.caps.iter().find(|(n, _)| n == "workspace")?;
                let tail = inp.cx.journal_tails.get(&ws.1)?;
                Some(DVal::Int(tail.checked_sub(num("lastSequence")?)?))
            })(),
            Derived::NamespaceHash => hash().map(|h| DVal::Text(h.to_string())),
            Derived::NamespaceHashShort => hash().map(|h| {
                match super::config::namespace_account(inp.plugin_id, inp.namespace) {
                    Some((_, Some(account))) => DVal::Text(account),
                    _ => DVal::Text(format!("{}…{}", &h[..6], &h[h.len() - 6..])),
                }
            }),
        };
    v.unwrap_or(DVal::Null)
}

/// `telegram.thread-bindings` keys: `sha256("{accountId}\0{conversationId}")`, first 32 hex.
pub fn thread_binding_key(account: &str, conversation: &str) -> String {
    let digest = Sha256::digest(format!("{account}\0{conversation}").as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn secs_to_ms(s: f64) -> Ms {
    (s * 1000.0).round() as Ms
}

/// An integer as a value of an integer-like type.
fn number(n: i64, ty: Type) -> DVal {
    match ty {
        Type::Time => DVal::Time(n),
        Type::Duration => DVal::Span(n),
        _ => DVal::Int(n),
    }
}

/// A key capture as its field's type; text that does not parse stays text.
fn typed_text(s: &str, ty: Type) -> DVal {
    match ty {
        Type::Int | Type::Time | Type::Duration => s
            .parse::<i64>()
            .map(|i| number(i, ty))
            .unwrap_or_else(|_| DVal::Text(s.to_string())),
        Type::TimeSecs => s
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(|f| DVal::Time(secs_to_ms(f)))
            .unwrap_or_else(|| DVal::Text(s.to_string())),
        Type::Bool => match s {
            "true" => DVal::Bool(true),
            "false" => DVal::Bool(false),
            _ => DVal::Text(s.to_string()),
        },
        Type::List => DVal::List(vec![s.to_string()]),
        Type::Text => DVal::Text(s.to_string()),
    }
}

fn typed_json(v: &Value, ty: Type) -> Result<DVal, String> {
    let wrong = || Err(format!("expected {}, found {}", ty.as_str(), kind(v)));
    match ty {
        Type::Text => match v {
            Value::String(s) => Ok(DVal::Text(s.clone())),
            Value::Number(n) => Ok(DVal::Text(n.to_string())),
            Value::Bool(b) => Ok(DVal::Text(b.to_string())),
            _ => wrong(),
        },
        Type::Int | Type::Time | Type::Duration => {
            let n = match v {
                Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            };
            n.map(|n| number(n, ty)).map_or_else(wrong, Ok)
        }
        Type::TimeSecs => match v.as_f64().or_else(|| v.as_str()?.trim().parse().ok()) {
            Some(f) if f.is_finite() => Ok(DVal::Time(secs_to_ms(f))),
            _ => wrong(),
        },
        Type::Bool => v.as_bool().map(DVal::Bool).map_or_else(wrong, Ok),
        Type::List => match v {
            Value::Array(items) => Ok(DVal::List(
                items
                    .iter()
                    .map(|i| match i {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect(),
            )),
            _ => wrong(),
        },
    }
}

// --- filters on decoded fields (`--where`) -------------------------------------------

/// How a `--where` condition compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Glob,
    Lt,
    Gt,
}

/// One `--where FIELD=VALUE` / `FIELD~GLOB` / `FIELD<V` / `FIELD>V`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cond {
    pub field: String,
    pub op: Op,
    pub value: String,
    /// For numbers and times: the value as a number (times as epoch ms).
    pub number: Option<i64>,
}

impl Cond {
    /// Parses the text of one `--where`; times (`<`/`>`/`=` on a time field) are
    /// resolved by [`Cond::check`].
    pub fn parse(text: &str) -> Result<Cond, String> {
        let at = text.find(['=', '~', '<', '>']).ok_or_else(|| {
            format!("--where '{text}': use FIELD=VALUE, FIELD~GLOB, FIELD<VALUE or FIELD>VALUE")
        })?;
        let field = &text[..at];
        if !valid_name(field) {
            return Err(format!(
                "--where '{text}': '{field}' is not a field name (a-z, 0-9, _); see `statectl explain NAMESPACE`"
            ));
        }
        let op = match text.as_bytes()[at] {
            b'=' => Op::Eq,
            b'~' => Op::Glob,
            b'<' => Op::Lt,
            _ => Op::Gt,
        };
        Ok(Cond {
            field: field.to_string(),
            op,
            value: text[at + 1..].to_string(),
            number: None,
        })
    }

    /// Checks the condition against a namespace's fields (the ones shown, personal
    /// ones only with `show_personal`) and resolves numbers and times (at `now`).
    pub fn check(&mut self, spec: &Spec, show_personal: bool, now: Ms) -> Result<(), String> {
        let Some(f) = spec
            .visible_fields(show_personal)
            .find(|f| f.name == self.field)
        else {
            let names: Vec<&str> = spec
                .visible_fields(show_personal)
                .map(|f| f.name.as_str())
                .collect();
            return Err(format!(
                "unknown field '{}' for {}; its fields: {}",
                self.field,
                spec.display,
                names.join(", ")
            ));
        };
        if matches!(self.op, Op::Lt | Op::Gt) && !f.ty.ordered() {
            return Err(format!(
                "--where {}: '<' and '>' compare numbers and times; '{}' is {}",
                self.field,
                f.name,
                f.ty.as_str()
            ));
        }
        let numeric = f.ty.ordered() && self.op != Op::Glob;
        if numeric {
            let n = if f.ty == Type::Int {
                self.value.trim().parse::<i64>().map_err(|_| {
                    format!("--where {}: '{}' is not an integer", self.field, self.value)
                })
            } else if f.ty == Type::Duration {
                crate::timefmt::parse_duration(&self.value)
                    .map_err(|e| format!("--where {}: {}", self.field, e.message))
            } else {
                crate::timefmt::parse_time(&self.value, now)
                    .map_err(|e| format!("--where {}: {}", self.field, e.message))
            }?;
            self.number = Some(n);
        }
        Ok(())
    }

    /// Whether a decoded row satisfies the condition; a missing field never does.
    pub fn holds(&self, d: &Decoded) -> bool {
        let Some(v) = d.get(&self.field) else {
            return false;
        };
        match (self.op, v, self.number) {
            (_, DVal::Null, _) => false,
            (Op::Eq, DVal::Int(i) | DVal::Time(i) | DVal::Span(i), Some(n)) => *i == n,
            (Op::Lt, DVal::Int(i) | DVal::Time(i) | DVal::Span(i), Some(n)) => *i < n,
            (Op::Gt, DVal::Int(i) | DVal::Time(i) | DVal::Span(i), Some(n)) => *i > n,
            (Op::Lt | Op::Gt, _, _) => false,
            (Op::Eq, v, _) => v.texts().contains(&self.value),
            (Op::Glob, v, _) => v.texts().iter().any(|t| glob(&self.value, t)),
        }
    }
}

pub use super::query::glob;

/// The conditions of a selection, checked against every namespace it names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Where {
    pub conds: Vec<Cond>,
}

impl Where {
    pub fn is_empty(&self) -> bool {
        self.conds.is_empty()
    }

    /// Whether the entry satisfies every condition (AND); rows of a namespace without
    /// a decoded view never do.
    pub fn holds(
        &self,
        cx: &Context,
        plugin_id: &str,
        namespace: &str,
        key: &str,
        value: &str,
    ) -> bool {
        if self.conds.is_empty() {
            return true;
        }
        let Some(spec) = spec(plugin_id, namespace) else {
            return false;
        };
        let d = spec.decode_in(namespace, key, value, true, cx);
        self.conds.iter().all(|c| c.holds(&d))
    }
}

// --- the built-in catalog ------------------------------------------------------------

fn field(name: &str, ty: Type, src: Src, doc: &str) -> Field {
    Field {
        name: name.into(),
        ty,
        src,
        personal: false,
        detail: false,
        doc: doc.into(),
    }
}
fn detail(mut f: Field) -> Field {
    f.detail = true;
    f
}
fn key(name: &str, ty: Type, doc: &str) -> Field {
    field(name, ty, Src::Key(name.into()), doc)
}
fn path(name: &str, ty: Type, p: &str, doc: &str) -> Field {
    field(name, ty, Src::Path(p.into()), doc)
}
fn personal(mut f: Field) -> Field {
    f.personal = true;
    f
}
fn grammar(p: &str, versions: &str, example: &str) -> Grammar {
    Grammar {
        pattern: Pattern::parse(p).expect("built-in patterns parse"),
        versions: versions.into(),
        example: example.into(),
    }
}

struct SpecBuilder(Spec);

impl SpecBuilder {
    fn new(plugin: &str, name: Name, display: &str, purpose: &str) -> Self {
        SpecBuilder(Spec {
            plugin: plugin.into(),
            name,
            display: display.into(),
            purpose: purpose.into(),
            grammars: Vec::new(),
            fields: Vec::new(),
            value_version: None,
            source: None,
            deleting: String::new(),
            notes: Vec::new(),
            example_value: None,
            key_rule: None,
        })
    }
    fn key_rule(mut self, r: KeyRule) -> Self {
        self.0.key_rule = Some(r);
        self
    }
    fn grammar(mut self, g: Grammar) -> Self {
        self.0.grammars.push(g);
        self
    }
    fn fields(mut self, f: Vec<Field>) -> Self {
        self.0.fields = f;
        self
    }
    fn version(mut self, path: &str, n: i64) -> Self {
        self.0.value_version = Some((path.into(), n));
        self
    }
    fn source(mut self, s: &str) -> Self {
        self.0.source = Some(s.into());
        self
    }
    fn deleting(mut self, s: &str) -> Self {
        self.0.deleting = s.into();
        self
    }
    fn note(mut self, s: &str) -> Self {
        self.0.notes.push(s.into());
        self
    }
    fn example(mut self, v: &str) -> Self {
        self.0.example_value = Some(v.into());
        self
    }
}

use Type::{Bool, Duration, Int, List, Text, Time, TimeSecs};

/// The app-level default idle timeout of thread bindings (24 h).
const DAY_MS: Ms = 86_400_000;

fn discord_entry_fields(first: Vec<Field>) -> Vec<Field> {
    let mut f = first;
    f.extend([
        path("account", Text, "entry.accountId", "account id"),
        path(
            "message",
            Text,
            "entry.messageId",
            "Discord message the component is on",
        ),
        path(
            "session",
            Text,
            "entry.sessionKey",
            "session that handles it",
        ),
        path("agent", Text, "entry.agentId", "agent id"),
        detail(path(
            "reusable",
            Bool,
            "entry.reusable",
            "stays after a click",
        )),
        detail(path(
            "allowed_users",
            List,
            "entry.allowedUsers",
            "user ids allowed to use it",
        )),
        detail(path("created_at", Time, "entry.createdAt", "registered at")),
        detail(path(
            "expires_at",
            Time,
            "entry.expiresAt",
            "the component's own expiry",
        )),
    ]);
    f
}
fn builtin() -> Vec<Spec> {
    [
        slack(),
        discord(),
        msteams_specs(),
        matrix(),
        telegram(),
        memory(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Slack: threads the bot replied in, delivered events.
fn slack() -> Vec<Spec> {
    use Name::Exact;
    vec![
        SpecBuilder::new("slack", Exact("slack.thread-participation"), "slack.thread-participation",
            "Slack threads the bot has replied in: it keeps answering there without an @mention.")
            .grammar(grammar("{account}:{team}:{channel}:{thread_ts}", "2026.9.6 with a team id", "default:T0123ABCD:C07Q2J4KX9M:1761234567.123456"))
            .grammar(grammar("{account}:{channel}:{thread_ts}", "older builds; 2026.9.6 without a team id", "default:C07Q2J4KX9M:1761234567.123456"))
            .fields(vec![
                key("account", Text, "Slack account id"),
                key("team", Text, "workspace (team) id; newer keys only"),
                key("channel", Text, "channel id"),
                detail(key("thread_ts", Text, "thread timestamp, as Slack names the thread")),
                field("thread_time", TimeSecs, Src::Key("thread_ts".into()), "thread start time"),
                path("agent", Text, "agentId", "agent that replied"),
                path("replied_at", Time, "repliedAt", "last reply"),
            ])
            .source("extensions/slack/src/sent-thread-cache.ts (@openclaw/slack 2026.9.6)")
            .deleting("the bot stops auto-answering in that thread: it needs an @mention again")
            .example(r#"{"agentId":"main","repliedAt":1761234570123}"#)
            .0,
        SpecBuilder::new("slack", Exact("slack.inbound-deliveries"), "slack.inbound-deliveries",
            "Slack events already delivered to the agent (dedupe of redeliveries).")
            .grammar(grammar("{account}:{channel}:{ts}", "third-party inventory", "default:C07Q2J4KX9M:1761234567.123456"))
            .fields(vec![
                key("account", Text, "Slack account id"),
                key("channel", Text, "channel id"),
                key("ts", Text, "message timestamp"),
                field("recorded_at", Time, Src::First(vec![Src::Path("recordedAt".into()), Src::Path(String::new())]), "when it was recorded"),
            ])
            .deleting("a redelivered Slack event may be handled twice")
            .note("seen in an operator's inventory, not confirmed in the plugin's source: decoded defensively")
            .0,
    ]
}

/// Discord: components, modals and thread bindings.
fn discord() -> Vec<Spec> {
    use Name::Exact;
    vec![
        SpecBuilder::new("discord", Exact("discord.components"), "discord.components",
            "Buttons and selects the bot sent, so a click after a restart still reaches its handler.")
            .grammar(grammar("{id*}", "all versions: the component's custom id", "btn_-dOzuG_W"))
            .fields(discord_entry_fields(vec![
                path("kind", Text, "entry.kind", "button, select or modal-trigger"),
                path("label", Text, "entry.label", "text on the component"),
                detail(path("modal", Text, "entry.modalId", "modal a modal-trigger opens")),
            ]))
            .version("version", 1)
            .key_rule(KeyRule::ValuePath("entry.id".into()))
            .source("extensions/discord/src/components-registry.ts (@openclaw/discord 2026.9.6)")
            .deleting("the button stops working: Discord still shows it, a click answers \"This component has expired.\"; use it to revoke a still-clickable approve/deploy button")
            .example(r#"{"version":1,"entry":{"id":"btn_-dOzuG_W","kind":"button","label":"Approve deploy","messageId":"1287654321098765432","createdAt":1761234567890,"expiresAt":1761236367890}}"#)
            .0,
        SpecBuilder::new("discord", Exact("discord.modals"), "discord.modals",
            "Forms (modals) the bot can open, so a submit after a restart still reaches its handler.")
            .grammar(grammar("{id*}", "all versions: the modal's custom id", "mdl_psNmNrqc"))
            .fields(discord_entry_fields(vec![
                path("title", Text, "entry.title", "form title"),
                field("n_fields", Int, Src::Len("entry.fields".into()), "number of form fields"),
            ]))
            .version("version", 1)
            .key_rule(KeyRule::ValuePath("entry.id".into()))
            .source("extensions/discord/src/components-registry.ts (@openclaw/discord 2026.9.6)")
            .deleting("submitting the form answers \"This component has expired.\"; clears orphaned modals whose trigger was consumed")
            .example(r#"{"version":1,"entry":{"id":"mdl_psNmNrqc","title":"Deploy details","fields":[{"id":"fld_k3lB3MJ7","name":"reason","label":"Reason","type":"text"}]}}"#)
            .0,
        SpecBuilder::new("discord", Exact("thread-bindings"), "thread-bindings (discord)",
            "Discord threads bound to an agent session.")
            .grammar(grammar("{account}:{thread}", "@openclaw/discord 2026.9.6: normalised account id, then thread id", "default:1287654321098765432"))
            .fields(vec![
                field("account", Text, Src::First(vec![Src::Path("accountId".into()), Src::Key("account".into())]), "account id"),
                field("thread", Text, Src::First(vec![Src::Path("threadId".into()), Src::Key("thread".into())]), "thread id"),
                path("channel", Text, "channelId", "parent channel id"),
                path("session", Text, "targetSessionKey", "bound session"),
                detail(path("target_kind", Text, "targetKind", "subagent or acp")),
                detail(path("agent", Text, "agentId", "agent id")),
                detail(path("label", Text, "label", "label")),
                detail(path("bound_at", Time, "boundAt", "bound at")),
            ])
            .source("extensions/discord/src/monitor/thread-bindings.state.ts (@openclaw/discord 2026.9.6)")
            .deleting("the thread is no longer routed to its session")
            .note("values carry the thread's webhookToken: the namespace is secret, the token is never a decoded field")
            .0,
    ]
}

/// MS Teams: sent messages, per account under a hashed name.
fn msteams_specs() -> Vec<Spec> {
    use Name::{Exact, HexSuffix};
    vec![
        msteams(Exact("msteams.sent-messages"), "msteams.sent-messages"),
        msteams(
            HexSuffix("msteams.sent-messages.account.v1.", 64),
            "msteams.sent-messages.account.v1.<sha256(account) hex>",
        ),
    ]
}

/// Matrix: approval reactions.
fn matrix() -> Vec<Spec> {
    use Name::Exact;
    vec![
        SpecBuilder::new("matrix", Exact("matrix.approval-reactions"), "matrix.approval-reactions",
            "Approval prompts posted in Matrix rooms, so a reaction (allow/deny) still resolves the approval after a restart.")
            .grammar(grammar(r#"["{account}","{room}","{event}"]"#, "openclaw 2026.8.1 (bundled) and @openclaw/matrix 2026.9.6: JSON array", r#"["default","!ops:example.org","$9Qx7_abcDEF123"]"#))
            .grammar(Grammar {
                pattern: Pattern::Text(vec![
                    Piece::Cap { name: "room".into(), any: true },
                    Piece::Lit(":".into()),
                    Piece::Led { name: "event".into(), lead: '$' },
                ]),
                versions: "openclaw 2026.5.6 and 2026.6.1 (bundled Matrix; 2026.8.1 writes the JSON array): room id, ':', then the event id, which starts with '$' (split at ':$')".into(),
                example: "!ops:example.org:$9Qx7_abcDEF123".into(),
            })
            .fields(vec![
                field("account", Text, Src::First(vec![Src::Key("account".into()), Src::Path("target.accountId".into())]), "account id"),
                field("room", Text, Src::First(vec![Src::Key("room".into()), Src::Path("target.roomId".into())]), "room id"),
                field("event", Text, Src::First(vec![Src::Key("event".into()), Src::Path("target.eventId".into())]), "event id of the prompt"),
                path("approval_id", Text, "target.approvalId", "approval it resolves"),
                path("kind", Text, "target.approvalKind", "exec or plugin"),
                path("decisions", List, "target.allowedDecisions", "allow-once, allow-always, deny"),
            ])
            .version("version", 1)
            .key_rule(KeyRule::CapturesEqual(
                [("account", "target.accountId"), ("room", "target.roomId"), ("event", "target.eventId")]
                    .map(|(c, p)| (c.to_string(), p.to_string()))
                    .to_vec(),
            ))
            .source("extensions/matrix/src/approval-reactions.ts (@openclaw/matrix 2026.9.6)")
            .deleting("reactions on that prompt no longer resolve the approval; harmless once the approval is done")
            .example(r#"{"version":1,"target":{"accountId":"default","approvalId":"7f3c9a2e","approvalKind":"exec","roomId":"!ops:example.org","eventId":"$9Qx7_abcDEF123","allowedDecisions":["allow-once","deny"]}}"#)
            .0,
    ]
}

/// Telegram: update offsets, thread bindings, topic names and the message cache.
fn telegram() -> Vec<Spec> {
    use Name::{Exact, HexSuffix};
    vec![
        SpecBuilder::new("telegram", Exact("telegram.update-offsets"), "telegram.update-offsets",
            "The last Telegram update each bot account has handled (getUpdates offset).")
            .grammar(grammar("{account*}", "all versions: the normalised account id", "default"))
            .fields(vec![
                key("account", Text, "account id"),
                detail(path("version", Int, "version", "record version (1-4)")),
                path("last_update_id", Int, "lastUpdateId", "last handled update"),
                path("bot_id", Text, "botId", "bot user id (version 2 and later)"),
                path("api_root", Text, "apiRoot", "Bot API root (version 4)"),
                field("token_fp", Bool, Src::Present("tokenFingerprint".into()), "whether a token fingerprint is stored (never printed)"),
                field("rotation_status", Text, Src::Rotation, "matches, bot-id-changed, token-rotated, api-root-changed, legacy-state, no-offset or invalid-record: the record against the bot token of openclaw.json (null without one)"),
            ])
            .source("extensions/telegram/src/update-offset-store.ts (openclaw 2026.9.6)")
            .deleting("the bot re-reads or skips updates: replies twice or misses messages")
            .note("the token fingerprint is never printed; rotation_status and `statectl inspect` compare the record with the bot token of openclaw.json, as the gateway's reader does, without printing either")
            .note("a record whose bot or token no longer matches is dropped by the gateway's reader: that offset is lost")
            .example(r#"{"version":3,"lastUpdateId":812345678,"botId":"7012345678","tokenFingerprint":"…"}"#)
            .0,
        SpecBuilder::new("telegram", Exact("telegram.thread-bindings"), "telegram.thread-bindings",
            "Telegram chats and topics bound to a subagent or ACP session.")
            .grammar(grammar("{hash}", "all versions: sha256(\"{accountId}\\0{conversationId}\"), first 32 hex", "3f1c0e7d9a2b4c6d8e0f1a2b3c4d5e6f"))
            .fields(vec![
                detail(key("hash", Text, "the opaque key")),
                path("account", Text, "accountId", "account id"),
                path("conversation", Text, "conversationId", "chat, or chat:topic"),
                path("target_kind", Text, "targetKind", "subagent or acp"),
                path("session", Text, "targetSessionKey", "bound session"),
                path("agent", Text, "agentId", "agent id"),
                path("label", Text, "label", "label"),
                path("bound_at", Time, "boundAt", "bound at"),
                path("last_activity_at", Time, "lastActivityAt", "last activity"),
                detail(path("idle_timeout_ms", Int, "idleTimeoutMs", "idle timeout")),
                detail(path("max_age_ms", Int, "maxAgeMs", "maximum age")),
                field("idle_remaining", Duration, Src::Derived(Derived::IdleRemaining { default_idle_ms: DAY_MS }), "time left before the binding expires idle (0: expired; none when idle expiry is off)"),
                field("key_ok", Bool, Src::BindingKeyMatches, "the key is the hash of the value's account and conversation"),
            ])
            .key_rule(KeyRule::ThreadBindingHash)
            .source("extensions/telegram/src/thread-bindings-store.ts (openclaw 2026.9.6)")
            .deleting("the chat or topic is no longer routed to its session")
            .0,
        SpecBuilder::new("telegram", HexSuffix("telegram.topic-name-cache.", 16), "telegram.topic-name-cache.<sha256(session store path) 16 hex>",
            "Names of Telegram forum topics, per session store.")
            .grammar(grammar("{chat}:{thread}", "all versions", "-1001234567890:42"))
            .fields(vec![
                key("chat", Text, "chat id"),
                key("thread", Text, "topic (message thread) id"),
                path("name", Text, "name", "topic name"),
                path("closed", Bool, "closed", "topic closed"),
                path("icon_color", Int, "iconColor", "icon colour"),
                path("updated_at", Time, "updatedAt", "last update"),
            ])
            .source("extensions/telegram/src/topic-name-cache.ts (openclaw 2026.9.6)")
            .deleting("topic names are fetched again")
            .0,
        SpecBuilder::new("telegram", Exact("telegram.message-cache"), "telegram.message-cache",
            "Recent Telegram messages, for reply context. Holds message content: personal data.")
            .grammar(grammar("{account}:{chat}:{message}", "2026.9.6 without a scope", "default:-1001234567890:4711"))
            .grammar(grammar("{scope*}:{account}:{chat}:{message}", "2026.9.6 with a scope key", "agent:main:default:-1001234567890:4711"))
            .fields(vec![
                key("scope", Text, "scope key, when the key has one"),
                key("account", Text, "account id"),
                key("chat", Text, "chat id"),
                field("message", Int, Src::Key("message".into()), "message id"),
                field("thread", Text, Src::First(vec![Src::Path("threadId".into()), Src::Path("sourceMessage.message_thread_id".into())]), "topic (thread) id"),
                path("time", TimeSecs, "sourceMessage.date", "message time"),
                personal(path("sender", Text, "sourceMessage.from.username", "sender's username")),
                personal(path("sender_id", Text, "sourceMessage.from.id", "sender's user id")),
                personal(path("text", Text, "sourceMessage.text", "message text")),
            ])
            .source("extensions/telegram/src/message-cache.ts, message-cache-codec.ts (openclaw 2026.9.6)")
            .deleting("replies lose the context of older messages; nothing else breaks")
            .note("message text and sender are personal data: hidden unless --show-secrets")
            .0,
    ]
}

/// memory-core: the memory host's events and cursors.
fn memory() -> Vec<Spec> {
    use Name::Exact;
    vec![
        SpecBuilder::new("memory-core", Exact("memory-host.events"), "memory-host.events",
            "The memory host's event journal, per workspace (recalls, dreaming phases).")
            .grammar(grammar("{workspace}:event:{generation}:{seq}", "2026.9.6: workspace = sha256(path) first 24 hex, seq 16 digits", "0f3a5c7e9b1d2f4a6c8e0b2d:event:1:0000000000000042"))
            .fields(vec![
                detail(key("workspace", Text, "workspace hash")),
                key("generation", Int, "journal generation"),
                key("seq", Int, "sequence number"),
                detail(path("kind", Text, "kind", "always event")),
                path("event_type", Text, "event.type", "event type"),
                path("recorded_at", Time, "recordedAt", "recorded at"),
            ])
            .source("src/memory-host-sdk/event-store.ts, src/plugin-state/plugin-state-store.journal.ts (openclaw 2026.9.6)")
            .deleting("consumers behind the cursor never see those events")
            .0,
        SpecBuilder::new("memory-core", Exact("memory-host.event-cursors"), "memory-host.event-cursors",
            "The memory host journal's last sequence number, per workspace.")
            .grammar(grammar("{workspace}:cursor", "2026.9.6", "0f3a5c7e9b1d2f4a6c8e0b2d:cursor"))
            .fields(vec![
                detail(key("workspace", Text, "workspace hash")),
                detail(path("kind", Text, "kind", "always cursor")),
                path("last_sequence", Int, "lastSequence", "last allocated sequence"),
                field("lag", Int, Src::Derived(Derived::CursorLag), "events past the cursor: the workspace's max(seq) - last_sequence"),
            ])
            .source("src/plugin-state/plugin-state-store.journal.ts (openclaw 2026.9.6)")
            .deleting("the journal restarts its numbering from the newest event left")
            .0,
    ]
}

fn msteams(name: Name, display: &str) -> Spec {
    SpecBuilder::new("msteams", name, display,
        "Messages the bot sent in Microsoft Teams, to tell its own messages from users'.")
        .grammar(grammar(r#"["{bot}","{conversation}","{message}"]"#, "newer builds (bot-scoped JSON array); not in 2026.9.5", r#"["28:bot-app-id","19:3f2ac0ffee@thread.tacv2","1761234567890"]"#))
        .grammar(grammar("{conversation*}:{message}", "2026.9.5: conversation id, then message id after the last ':'", "19:3f2ac0ffee@thread.tacv2:1761234567890"))
        .fields(vec![
            field("account", Text, Src::Derived(Derived::NamespaceHashShort), "account: the short sha256 of a named account's namespace (none for msteams.sent-messages)"),
            detail(field("account_hash", Text, Src::Derived(Derived::NamespaceHash), "sha256(account id) from the namespace name")),
            key("bot", Text, "bot id (newer keys only)"),
            key("conversation", Text, "conversation id"),
            key("message", Text, "message id"),
            path("sent_at", Time, "sentAt", "sent at"),
        ])
        .source("extensions/msteams/src/sent-message-cache.ts (@openclaw/msteams 2026.9.5)")
        .deleting("harmless: the bot may treat an old message of its own as a user's; rows age out")
        .note("named accounts use msteams.sent-messages.account.v1.<sha256(account id)>; map the hash back by hashing the account ids of openclaw.json")
        .example(r#"{"sentAt":1761234567890}"#)
        .0
}

/// The built-in specs, then the user file's.
fn all() -> &'static [Spec] {
    static ALL: OnceLock<Vec<Spec>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut v = builtin();
        v.extend(super::known::user_specs());
        v
    })
}

/// The spec of (plugin, namespace), if statectl knows what its rows mean.
pub fn spec(plugin_id: &str, namespace: &str) -> Option<&'static Spec> {
    let logical = namespace
        .strip_prefix(super::rules::RETAINED_PREFIX)
        .unwrap_or(namespace);
    all().iter().find(|s| s.matches(plugin_id, logical))
}

/// Every spec whose name matches `namespace`, under any plugin (or only `plugin`).
pub fn specs_named(plugin: Option<&str>, namespace: &str) -> Vec<&'static Spec> {
    let logical = namespace
        .strip_prefix(super::rules::RETAINED_PREFIX)
        .unwrap_or(namespace);
    all()
        .iter()
        .filter(|s| plugin.is_none_or(|p| p == s.plugin) && s.name.matches(logical))
        .collect()
}

/// Every spec (for explain's listing and completions).
pub fn specs() -> &'static [Spec] {
    all()
}

/// Builds a spec from the user's file (see `known.rs`).
pub fn user_spec(
    plugin: String,
    name: Name,
    display: String,
    purpose: Option<String>,
    patterns: &[String],
    fields: Vec<(String, String, String, bool)>,
) -> Result<Spec, String> {
    let mut grammars = Vec::new();
    for p in patterns {
        grammars.push(Grammar {
            pattern: Pattern::parse(p)?,
            versions: "namespaces file".into(),
            example: String::new(),
        });
    }
    let mut out: Vec<Field> = Vec::new();
    let mut captures: Vec<String> = Vec::new();
    for g in &grammars {
        for c in g.pattern.captures() {
            if !captures.iter().any(|x| x == c) {
                captures.push(c.to_string());
            }
        }
    }
    for (name, from, ty, personal) in fields {
        if !valid_name(&name) {
            return Err(format!("field '{name}': names use a-z, 0-9 and _"));
        }
        let ty = Type::parse_user(&ty).ok_or_else(|| {
            format!("field '{name}': type '{ty}' is not one of text, int, bool, time, time_s, list")
        })?;
        out.push(Field {
            name: name.clone(),
            ty,
            src: Src::Path(from),
            personal,
            detail: false,
            doc: String::new(),
        });
    }
    // Captures come first, as text, unless a field of the same name types them.
    let mut fields: Vec<Field> = captures
        .iter()
        .filter(|c| !out.iter().any(|f| &f.name == *c))
        .map(|c| key(c, Text, "key capture"))
        .collect();
    fields.extend(out);
    if grammars.is_empty() && fields.is_empty() {
        return Err("keys or fields are needed to decode rows".into());
    }
    Ok(Spec {
        plugin,
        name,
        display,
        purpose: purpose.unwrap_or_else(|| "added by the namespaces file".into()),
        grammars,
        fields,
        value_version: None,
        source: Some("the user's namespaces file".into()),
        deleting: String::new(),
        notes: Vec::new(),
        example_value: None,
        key_rule: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(plugin: &str, ns: &str, key: &str, value: &str) -> Decoded {
        spec(plugin, ns).unwrap().decode(key, value, false)
    }

    #[test]
    fn decoding_a_value_with_only_the_keys_it_reads_gives_what_the_whole_value_gives() {
        let cx = Context {
            now: Some(1_761_234_600_000),
            ..Context::default()
        };
        for spec in specs() {
            let example = spec.example_value.clone().unwrap_or_else(|| "{}".into());
            let Ok(Value::Object(mut obj)) = serde_json::from_str::<Value>(&example) else {
                continue;
            };
            // Values with more than decoding reads, repeated keys, and none of it.
            let mut values = vec![example.clone()];
            obj.insert(
                "zz_unread".into(),
                serde_json::json!({"text": "x".repeat(300), "n": [1, 2.5, null]}),
            );
            values.push(Value::Object(obj.clone()).to_string());
            if let Some((k, _)) = obj.iter().next() {
                let dup = format!("{{\"{k}\":\"replaced\",{}", &example.trim_start()[1..]);
                values.push(dup);
            }
            // What derived fields read, where the example lacks it.
            let derived = serde_json::json!({"idleTimeoutMs": 60000, "lastActivityAt": 1761234500000_i64,
                "boundAt": 1761234400000_i64, "lastSequence": 5, "accountId": "a", "conversationId": "c"});
            for (k, v) in derived.as_object().unwrap() {
                obj.entry(k.clone()).or_insert(v.clone());
            }
            values.push(Value::Object(obj.clone()).to_string());
            values.extend([
                "[1,2]".into(),
                "{\"a\":1} trailing".into(),
                "{}".into(),
                "  {}".into(),
            ]);
            for value in &values {
                for g in &spec.grammars {
                    let key = &g.example;
                    let mut cx = cx.clone();
                    for (name, cap) in g.pattern.matches(key).unwrap_or_default() {
                        if name == "workspace" {
                            cx.journal_tails.insert(cap, 9);
                        }
                    }
                    for personal in [false, true] {
                        let ns = spec.display.as_str();
                        let whole = serde_json::from_str(value).ok();
                        let want = spec.decode_value(ns, key, whole, personal, &cx);
                        let got = spec.decode_in(ns, key, value, personal, &cx);
                        assert_eq!(
                            format!("{got:?}"),
                            format!("{want:?}"),
                            "{} {key} {value}",
                            spec.display
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_decoded_object_serializes_as_its_json_value() {
        let d = dec(
            "discord",
            "discord.components",
            "btn_1",
            r#"{"version":1,"entry":{"id":"btn_1","kind":"button","allowedUsers":["1","2"],"reusable":true,"createdAt":5}}"#,
        );
        let text = serde_json::to_string(&DecodedObject(d.fields.clone())).unwrap();
        assert_eq!(text, d.to_json().to_string());
        // Names out of order and repeated: sorted, the last one kept, as a JSON map does.
        let fields = vec![
            ("b".to_string(), DVal::Int(1)),
            ("a".to_string(), DVal::Text("x\n".into())),
            ("b".to_string(), DVal::Null),
            ("c".to_string(), DVal::List(vec!["p".into()])),
            ("a".to_string(), DVal::Bool(false)),
        ];
        let d = Decoded {
            grammar: None,
            fields,
            problem: None,
            key_mismatch: None,
        };
        assert_eq!(
            serde_json::to_string(&DecodedObject(d.fields.clone())).unwrap(),
            d.to_json().to_string()
        );
    }

    #[test]
    fn patterns_split_where_the_writer_joins() {
        let p = Pattern::parse("{conversation*}:{message}").unwrap();
        assert_eq!(
            p.matches("19:3f2ac0ffee@thread.tacv2:1761234567890")
                .unwrap(),
            [
                (
                    "conversation".to_string(),
                    "19:3f2ac0ffee@thread.tacv2".to_string()
                ),
                ("message".to_string(), "1761234567890".to_string())
            ]
        );
        let p = Pattern::parse("{a*}:{b}:{c}").unwrap();
        let caps: Vec<(String, String)> = ["a", "b", "c"]
            .into_iter()
            .zip(["p:q", "r", "s"])
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        assert_eq!(p.matches("p:q:r:s").unwrap(), caps, "in pattern order");
        let p = Pattern::parse("{a}:{b}").unwrap();
        assert!(p.matches("x:y:z").is_none(), "plain captures hold no ':'");
        assert!(p.matches("x:").is_none(), "captures are never empty");
        assert_eq!(p.text(), "{a}:{b}");
        assert!(Pattern::parse("{a}{b}").is_err());
        assert!(Pattern::parse("plain").is_err());
        assert!(Pattern::parse("{A}").is_err());
        let j = Pattern::parse(r#"["{a}","{b}"]"#).unwrap();
        assert!(j.matches(r#"["x","y"]"#).is_some());
        assert!(j.matches(r#"["x"]"#).is_none());
        assert!(j.matches(r#"["x",""]"#).is_none());
    }

    #[test]
    fn slack_keys_of_both_grammars_decode() {
        let v = r#"{"agentId":"main","repliedAt":1761234570123}"#;
        let new = dec(
            "slack",
            "slack.thread-participation",
            "default:T1:C2:1761234567.123456",
            v,
        );
        assert_eq!(new.grammar, Some(0));
        assert_eq!(new.get("team"), Some(&DVal::Text("T1".into())));
        assert_eq!(new.get("thread_time"), Some(&DVal::Time(1761234567123)));
        assert_eq!(new.get("replied_at"), Some(&DVal::Time(1761234570123)));
        let old = dec(
            "slack",
            "slack.thread-participation",
            "default:C2:1761234567.123456",
            v,
        );
        assert_eq!(old.grammar, Some(1));
        assert_eq!(old.get("team"), Some(&DVal::Null));
        assert_eq!(old.get("channel"), Some(&DVal::Text("C2".into())));
        assert!(old.problem.is_none());
    }

    #[test]
    fn rows_that_do_not_decode_say_why_and_keep_what_decodes() {
        let bad = dec("slack", "slack.thread-participation", "nocolons", "{oops");
        assert_eq!(bad.grammar, None);
        let why = bad.problem.unwrap();
        assert!(
            why.contains("no known grammar") && why.contains("not JSON"),
            "{why}"
        );
        let wrong = dec(
            "discord",
            "discord.components",
            "btn_1",
            r#"{"version":2,"entry":{"label":7,"allowedUsers":"x"}}"#,
        );
        let why = wrong.problem.clone().unwrap();
        assert!(why.contains("version is not 1"), "{why}");
        assert!(why.contains("allowed_users: expected list"), "{why}");
        assert_eq!(wrong.get("label"), Some(&DVal::Text("7".into())));
    }

    #[test]
    fn matrix_reads_old_and_new_keys() {
        let v = r#"{"version":1,"target":{"accountId":"ops","approvalId":"a1","approvalKind":"exec","allowedDecisions":["allow-once","deny"]}}"#;
        let new = dec(
            "matrix",
            "matrix.approval-reactions",
            r#"["default","!r:example.org","$e1"]"#,
            v,
        );
        assert_eq!(new.get("account"), Some(&DVal::Text("default".into())));
        assert_eq!(new.get("room"), Some(&DVal::Text("!r:example.org".into())));
        let old = dec(
            "matrix",
            "matrix.approval-reactions",
            "!r:example.org:$e1",
            v,
        );
        assert_eq!(old.get("event"), Some(&DVal::Text("$e1".into())));
        // Room versions 1 and 2 have event ids with a server part: split at ':$'.
        let v1 = dec(
            "matrix",
            "matrix.approval-reactions",
            "!r:example.org:$e1:example.org",
            v,
        );
        assert_eq!(v1.get("room"), Some(&DVal::Text("!r:example.org".into())));
        assert_eq!(v1.get("event"), Some(&DVal::Text("$e1:example.org".into())));
        let no_event = dec("matrix", "matrix.approval-reactions", "!r:example.org", v);
        assert_eq!(no_event.grammar, None, "an event id starts with '$'");
        assert_eq!(
            old.get("account"),
            Some(&DVal::Text("ops".into())),
            "from the value"
        );
        assert_eq!(
            old.get("decisions"),
            Some(&DVal::List(vec!["allow-once".into(), "deny".into()]))
        );
    }

    #[test]
    fn personal_fields_stay_out_unless_asked() {
        let s = spec("telegram", "telegram.message-cache").unwrap();
        let v = r#"{"version":1,"sourceMessage":{"message_id":4711,"date":1761234567,"text":"hi","from":{"id":5,"username":"ann"}},"threadId":"42"}"#;
        let hidden = s.decode("default:-100:4711", v, false);
        assert!(hidden.get("text").is_none() && hidden.get("sender").is_none());
        assert_eq!(hidden.get("time"), Some(&DVal::Time(1761234567000)));
        assert_eq!(hidden.get("thread"), Some(&DVal::Text("42".into())));
        let scoped = s.decode("agent:main:default:-100:4711", v, true);
        assert_eq!(scoped.get("scope"), Some(&DVal::Text("agent:main".into())));
        assert_eq!(scoped.get("text"), Some(&DVal::Text("hi".into())));
    }

    #[test]
    fn thread_binding_keys_are_checked_against_the_value() {
        let k = thread_binding_key("default", "-100:7");
        assert_eq!(k.len(), 32);
        let v = r#"{"accountId":"default","conversationId":"-100:7"}"#;
        let ok = dec("telegram", "telegram.thread-bindings", &k, v);
        assert_eq!(ok.get("key_ok"), Some(&DVal::Bool(true)));
        let moved = dec("telegram", "telegram.thread-bindings", "0123", v);
        assert_eq!(moved.get("key_ok"), Some(&DVal::Bool(false)));
    }
}
