// Values interop (issue 13, defects 1 and 2): values the real runtime writes or reads
// back that a strict JSON parser refuses, through statectl export/import.
//
//   node values.mjs --runtime DIR --statectl BIN --work DIR [--fixtures DIR]
//   node values.mjs --runtime DIR --statectl BIN --work DIR --import-from PEERWORK
//
// The runtime writes lone surrogates itself (register() of strings cut inside an emoji:
// JSON.stringify keeps them as `\ud83d` escapes); `1e400`, whitespace around and between
// tokens and a value 70 deep it reads back but never writes, so those rows are written
// as the runtime writes a row (same columns, created_at = now, no TTL). statectl must
// list them as the runtime reads them (one jsonl object per line), call them healthy,
// and export then import them byte for byte; the 70-deep value is over the runtime's
// write limit (64) and a row that does not parse cannot be read at all: an import
// skips and names exactly those two, `--strict` refuses. Afterwards the runtime's
// entries()/lookup() must return what they returned before (the 70-deep row aside).
// --import-from imports a peer version's export into a fresh database of this one.
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { DatabaseSync } from "node:sqlite";
import { loadRuntime, databasePath, parseArgs, freshStateDir } from "./runtime.mjs";

const args = parseArgs(["runtime", "statectl", "work"]);
const { version, factory } = await loadRuntime(path.resolve(args.runtime));
const statectl = path.resolve(args.statectl);
const workDir = path.resolve(args.work);
const stateDir = freshStateDir(workDir);
let now = 1795707055987;
Date.now = () => now;

const PLUGIN = "values";
const READ_BACK = "values.read-back";
const CORRUPT = "values.corrupt";
// The rows an import must skip and name: over the write limit, and unreadable.
const NOT_TAKEN = ["bad", "deep-70"];

const failures = [];
const expect = (ok, what) => { if (!ok) failures.push(what); };
function sc(argv) {
  const r = spawnSync(statectl, ["--state-dir", stateDir, "--now", String(now), ...argv], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
// Values compared as text that keeps what JSON.stringify loses (Infinity) and what it
// escapes (lone surrogates stay escapes).
const canon = (v) => JSON.stringify(v, (_, x) => (typeof x === "number" && !Number.isFinite(x) ? `#${x}` : x));
const stores = new Map();
const store = (ns) => {
  if (!stores.has(ns)) stores.set(ns, factory(PLUGIN, { namespace: ns, maxEntries: 100 }));
  return stores.get(ns);
};
async function read(ns) {
  try {
    return (await store(ns).entries()).map((e) => ({ key: e.key, value: canon(e.value), createdAt: e.createdAt, expiresAt: e.expiresAt ?? null }));
  } catch (e) {
    return `error ${e.code ?? e}`;
  }
}
async function lookups(keys) {
  const out = {};
  for (const k of keys) {
    try {
      const v = await store(READ_BACK).lookup(k);
      out[k] = v === undefined ? "absent" : canon(v);
    } catch (e) {
      out[k] = `error ${e.code ?? e}`;
    }
  }
  return out;
}
function rows(file, skip = []) {
  const db = new DatabaseSync(file, { readOnly: true });
  const all = db.prepare("SELECT plugin_id, namespace, entry_key, value_json, typeof(value_json) AS t, CAST(created_at AS TEXT) AS c, CAST(expires_at AS TEXT) AS e FROM plugin_state_entries WHERE plugin_id = ? ORDER BY 1, 2, 3").all(PLUGIN);
  db.close();
  return JSON.stringify(all.filter((r) => !skip.includes(r.entry_key)));
}
// An import as statectl reports it: exit code, the keys it did not take, stderr.
function importFile(file, extra = []) {
  const r = sc(["import", "--include-expired", "-o", "json", ...extra, file]);
  let notTaken = null;
  try { notTaken = JSON.parse(r.stdout).not_taken_rows.map((x) => x.key).sort(); } catch {}
  return { ...r, notTaken };
}
async function initDatabase() {
  // This runtime creates its own empty database.
  const init = factory("statectl-interop", { namespace: "init", maxEntries: 10 });
  await init.register("k", 1);
  await init.delete("k");
}

if (args["import-from"]) {
  const peerDir = path.resolve(args["import-from"]);
  const peer = JSON.parse(fs.readFileSync(path.join(peerDir, "runtime.json"), "utf8"));
  await initDatabase();
  const r = importFile(path.join(peerDir, "export.jsonl"));
  expect(r.code === 0, `import exit ${r.code}: ${r.stderr}`);
  expect(JSON.stringify(r.notTaken) === JSON.stringify(NOT_TAKEN), `not taken: ${JSON.stringify(r.notTaken)}, expected ${JSON.stringify(NOT_TAKEN)}`);
  for (const k of NOT_TAKEN) expect(r.stderr.includes(`'${k}' not imported`), `the warning names ${k}: ${r.stderr}`);
  expect(rows(databasePath(stateDir)) === rows(path.join(peerDir, "snapshot.sqlite"), NOT_TAKEN), "rows differ from the peer's database byte for byte");
  const want = peer.entries.filter((e) => !NOT_TAKEN.includes(e.key));
  const got = await read(READ_BACK);
  expect(JSON.stringify(got) === JSON.stringify(want), `entries() differ\n  here: ${JSON.stringify(got)}\n  peer: ${JSON.stringify(want)}`);
  const look = await lookups(Object.keys(peer.lookups));
  for (const [k, v] of Object.entries(peer.lookups)) {
    const w = NOT_TAKEN.includes(k) ? "absent" : v;
    expect(look[k] === w, `lookup ${k}: ${look[k]}, peer ${w}`);
  }
  console.log(`values: openclaw ${version} reads ${peer.runtime}'s values after export/import: ${failures.length ? failures.length + " mismatches" : "byte-identical rows, same entries()/lookup(), 2 rows named and skipped"}`);
  for (const f of failures) console.log(`  FAIL ${f}`);
  process.exit(failures.length ? 1 : 0);
}

// --- the runtime writes ------------------------------------------------------------
await store(READ_BACK).register("surrogate-cut", { text: "cut \ud83d" });
now += 1;
await store(READ_BACK).register("surrogates", ["\udc00", "\ud83d\ude00", "x\ud800"]);
now += 1;
const asTheRuntimeWrites = {
  "huge-number": "1e400",
  "huge-in-object": '{"n":-1e400,"m":[1E400]}',
  "outer-space": ' {"a":1}',
  "newline-inside": '{"a":\n1}',
  "crlf-tab": "\t[1,\r\n2]\n",
  "deep-70": "[".repeat(70) + "]".repeat(70),
};
const dbFile = databasePath(stateDir);
{
  const db = new DatabaseSync(dbFile);
  const ins = db.prepare("INSERT INTO plugin_state_entries (plugin_id, namespace, entry_key, value_json, created_at, expires_at) VALUES (?, ?, ?, ?, ?, NULL)");
  for (const [k, v] of Object.entries(asTheRuntimeWrites)) {
    ins.run(PLUGIN, READ_BACK, k, v, now);
    now += 1;
  }
  ins.run(PLUGIN, CORRUPT, "bad", "{not json", now);
  db.close();
}
now += 1;
const keys = ["surrogate-cut", "surrogates", ...Object.keys(asTheRuntimeWrites)];
const before = await read(READ_BACK);
const beforeLookups = await lookups(keys);
expect(Array.isArray(before) && before.length === keys.length, `the runtime reads every value back: ${JSON.stringify(before)}`);
expect(typeof (await read(CORRUPT)) === "string", "entries() of the corrupt namespace fails");
const written = rows(dbFile);

// --- statectl reads them as the runtime does ---------------------------------------
{
  const r = sc(["ls", `${PLUGIN}/${READ_BACK}`, "-o", "jsonl"]);
  const lines = r.stdout.split("\n").filter(Boolean);
  expect(lines.length === keys.length, `ls -o jsonl: one object per line, ${lines.length} lines for ${keys.length} rows`);
  const parse = (l) => { try { return JSON.parse(l); } catch { return { key: `unparsable line ${JSON.stringify(l)}` }; } };
  const got = lines.map(parse).map((e) => ({ key: e.key, value: canon(e.value), createdAt: e.created_at, expiresAt: e.expires_at, corrupt: e.corrupt }));
  expect(got.every((e) => e.corrupt === undefined), `ls marks none of them corrupt: ${r.stdout}`);
  expect(JSON.stringify(got.map(({ corrupt, ...e }) => e)) === JSON.stringify(before), `ls agrees with entries()\n  runtime:  ${JSON.stringify(before)}\n  statectl: ${JSON.stringify(got)}`);
  const bad = sc(["ls", `${PLUGIN}/${CORRUPT}`, "-o", "jsonl"]);
  expect(bad.stdout.includes('"corrupt":true'), `ls marks the unreadable row: ${bad.stdout}`);
  const check = JSON.parse(sc(["check", "-o", "json", "--only", "corrupt_values"]).stdout).checks[0];
  expect(check.status === "critical" && check.message.includes(`${PLUGIN}/${CORRUPT}`) && !check.message.includes(READ_BACK), `check corrupt_values names only the unreadable row: ${JSON.stringify(check)}`);
}

// --- export, verify, import: byte for byte, the two named ----------------------------
const exportFile = path.join(workDir, "export.jsonl");
{
  const r = sc(["export", "--include-expired", "-O", exportFile]);
  expect(r.code === 0, `export: exit ${r.code}: ${r.stderr}`);
  const v = sc(["verify", "-o", "json", exportFile]);
  const summary = JSON.parse(v.stdout || "{}");
  expect(v.code === 0 && summary.corrupt === 1, `verify: exit ${v.code}, corrupt ${summary.corrupt}: ${v.stderr}`);
  expect(JSON.stringify(summary.not_taken_rows?.map((x) => x.key).sort()) === JSON.stringify(NOT_TAKEN), `verify names ${NOT_TAKEN}: ${v.stdout}`);
}
// Saved for peers' --import-from runs (and the fixture) before statectl changes anything.
{
  const db = new DatabaseSync(dbFile);
  db.exec(`VACUUM INTO '${path.join(workDir, "snapshot.sqlite").replaceAll("'", "''")}'`);
  db.close();
  const recorded = { runtime: version, now, entries: before, lookups: beforeLookups, not_taken: NOT_TAKEN };
  fs.writeFileSync(path.join(workDir, "runtime.json"), JSON.stringify(recorded, null, 1) + "\n");
  if (args.fixtures) {
    const out = path.join(path.resolve(args.fixtures), `values-${version}.sqlite`);
    fs.rmSync(out, { force: true });
    const schema = fs.readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), "../fixtures/legacy-schema.sql"), "utf8");
    const fx = new DatabaseSync(out);
    fx.exec(schema);
    const src = new DatabaseSync(dbFile, { readOnly: true });
    const ins = fx.prepare("INSERT INTO plugin_state_entries (plugin_id, namespace, entry_key, value_json, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)");
    for (const r of src.prepare("SELECT plugin_id, namespace, entry_key, value_json, created_at, expires_at FROM plugin_state_entries WHERE plugin_id = ? ORDER BY 1, 2, 3").all(PLUGIN)) {
      ins.run(r.plugin_id, r.namespace, r.entry_key, r.value_json, r.created_at, r.expires_at);
    }
    src.close();
    fx.close();
    fs.writeFileSync(out.replace(/\.sqlite$/, ".runtime.json"), JSON.stringify(recorded, null, 1) + "\n");
    console.log(`wrote ${out}`);
  }
}
// The same version restores its own export after the rows are gone.
for (const ns of [READ_BACK, CORRUPT]) {
  const r = sc(["prune", `${PLUGIN}/${ns}`, "--all", "-y"]);
  expect(r.code === 0, `prune ${ns} --all: exit ${r.code}: ${r.stderr}`);
}
{
  const emptied = rows(dbFile);
  const strict = importFile(exportFile, ["--strict"]);
  expect(strict.code === 4 && rows(dbFile) === emptied, `import --strict refuses and changes nothing: exit ${strict.code}: ${strict.stderr}`);
  const r = importFile(exportFile);
  expect(r.code === 0, `import: exit ${r.code}: ${r.stderr}`);
  expect(JSON.stringify(r.notTaken) === JSON.stringify(NOT_TAKEN), `import names ${NOT_TAKEN}: ${JSON.stringify(r.notTaken)}`);
  expect(rows(dbFile) === JSON.stringify(JSON.parse(written).filter((x) => !NOT_TAKEN.includes(x.entry_key))), "after import, every other row is byte-identical to what was written");
  const after = await read(READ_BACK);
  const want = before.filter((e) => !NOT_TAKEN.includes(e.key));
  expect(JSON.stringify(after) === JSON.stringify(want), `entries() after import\n  now:    ${JSON.stringify(after)}\n  before: ${JSON.stringify(want)}`);
  const look = await lookups(keys);
  for (const k of keys) {
    const w = NOT_TAKEN.includes(k) ? "absent" : beforeLookups[k];
    expect(look[k] === w, `lookup ${k} after import: ${look[k]}, before ${w}`);
  }
}
console.log(`values ${version}: lone surrogates written by the runtime, 1e400/whitespace/70-deep read back; ls, check, export, verify, import agree: ${failures.length} failures`);
for (const f of failures) console.log(`  FAIL ${f}`);
process.exit(failures.length ? 1 : 0);
