// Capacity interop: the real runtime fills a plugin to its live-row cap, `statectl top`
// and `statectl check` must report the cap state, the deadlock and the namespace to
// prune, and the runtime's next writes must do what statectl said they would.
//
//   node capacity.mjs --runtime DIR --statectl BIN --work DIR [--fixtures DIR]
//
// 2026.5.6 (legacy, cap 1,000, a write at the cap fails): the runtime writes all 1,000
// rows. 2026.8.1 (shared, cap 50,000, evicts only in the namespace written): 49,990 rows
// are seeded with SQL of the runtime's shape, then the runtime writes across the cap into
// a growing evict namespace and a new namespace. With --fixtures the databases and the
// runtime's answers are saved for `cargo test` (tests/capacity.rs; as cap-VERSION.capacity.json, apart from the harness's *.expected.json); the 8.1
// database is saved without its seeded rows (cargo test seeds them again from the
// recorded recipe), so the committed file stays small.
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { DatabaseSync } from "node:sqlite";
import { loadRuntime, parseArgs, freshStateDir } from "./runtime.mjs";

const args = parseArgs(["runtime", "statectl", "work"]);
const runtimeDir = path.resolve(args.runtime);
const statectl = path.resolve(args.statectl);
const workDir = path.resolve(args.work);
const version = JSON.parse(fs.readFileSync(path.join(runtimeDir, "node_modules/openclaw/package.json"), "utf8")).version;

// The runtime's store, loaded by the one shared loader (runtime.mjs).
const { factory } = await loadRuntime(runtimeDir);

const stateDir = freshStateDir(workDir);

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = 1795707055987;
let now = T0;
Date.now = () => now;

const failures = [];
const events = [];
function statectlRun(argv) {
  const r = spawnSync(statectl, ["--state-dir", stateDir, "--now", String(now), ...argv], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
function json(argv) {
  const r = statectlRun([...argv, "-o", "json"]);
  try {
    return { code: r.code, doc: JSON.parse(r.stdout) };
  } catch {
    failures.push(`statectl ${argv.join(" ")}: exit ${r.code}, not JSON: ${r.stdout}${r.stderr}`);
    return { code: r.code, doc: {} };
  }
}
async function write(store, plugin, namespace, key, value) {
  try {
    await store.register(key, value);
    events.push({ plugin, namespace, key, now, ok: true });
    return null;
  } catch (e) {
    const code = e.code ?? String(e);
    events.push({ plugin, namespace, key, now, ok: false, error: code });
    return code;
  }
}
const keysOf = async (store) => (await store.entries()).map((e) => e.key);
function expect(cond, msg) {
  if (!cond) failures.push(msg);
}

const dbFile = () => {
  const shared = path.join(stateDir, "state/openclaw.sqlite");
  return fs.existsSync(shared) ? shared : path.join(stateDir, "plugin-state/state.sqlite");
};
function saveSnapshot(name, dropSql) {
  if (!args.fixtures) return;
  const out = path.join(path.resolve(args.fixtures), `${name}.sqlite`);
  fs.rmSync(out, { force: true });
  const db = new DatabaseSync(dbFile());
  db.exec(`VACUUM INTO '${out.replaceAll("'", "''")}'`);
  db.close();
  if (dropSql) {
    const f = new DatabaseSync(out);
    f.exec(dropSql);
    f.exec("VACUUM");
    f.close();
  }
  console.log(`wrote fixture ${out}`);
}

const scenario = version.startsWith("2026.5.") ? legacyCap : version.startsWith("2026.8.") ? sharedCap : null;
if (!scenario) {
  console.log(`capacity: no capacity scenario for openclaw ${version}`);
  process.exit(1);
}
await scenario();
if (failures.length) {
  console.log(`capacity ${version}: ${failures.length} mismatches:\n${failures.join("\n")}`);
  process.exit(1);
}
console.log(`capacity ${version}: statectl top and check agree with the runtime at its cap`);
process.exit(0);

// 2026.5.6: 990 old sticker rows, then a growing namespace written until the runtime
// refuses at 1,000 live rows.
async function legacyCap() {
  const stickers = factory("telegram", { namespace: "telegram.sticker-cache", maxEntries: 10000 });
  const bindings = factory("telegram", { namespace: "telegram.thread-bindings", maxEntries: 5000 });
  now = T0 - 30 * DAY;
  for (let i = 0; i < 990; i++) {
    now += 10 * MIN;
    await write(stickers, "telegram", "telegram.sticker-cache", `sticker-${i}`, { fileId: `CAACAgIAAxkBAAE${i}`, emoji: "👍" });
  }
  now = T0 - 5 * HOUR;
  let refused = null;
  for (let i = 0; i < 20 && !refused; i++) {
    now += 10 * MIN;
    refused = await write(bindings, "telegram", "telegram.thread-bindings", `chat:${i}`, { sessionKey: `agent:main:telegram:${i}` });
  }
  expect(refused === "PLUGIN_STATE_LIMIT_EXCEEDED", `2026.5.6 should refuse the 1,001st live row, got ${refused}`);
  now += MIN;
  const at = now;
  const top = json(["top"]).doc;
  const plugin = top.plugins?.find((p) => p.plugin_id === "telegram");
  expect(plugin?.live === 1000, `top: telegram live ${plugin?.live}, runtime holds 1,000`);
  expect(plugin?.caps?.[0]?.cap === 1000 && plugin.caps[0].full === "full" && plugin.caps[0].at_cap === "write-fails", `top: 2026.5.6 cap state ${JSON.stringify(plugin?.caps?.[0])}`);
  expect(plugin?.caps?.[1]?.cap === 50000 && plugin.caps[1].full !== "full", `top: 2026.5.28 cap state ${JSON.stringify(plugin?.caps?.[1])}`);
  const dl = top.deadlocks?.find((d) => d.plugin_id === "telegram" && d.versions === "2026.5.6");
  expect(dl?.prune_namespace === "telegram.sticker-cache", `top: deadlock ${JSON.stringify(top.deadlocks)}`);
  expect(dl?.growing?.includes("telegram.thread-bindings"), `top: growing ${JSON.stringify(dl?.growing)}`);
  const check = json(["check"]);
  const deadlockCheck = check.doc.checks?.find((c) => c.name === "cap_deadlock");
  expect(check.code === 2 && check.doc.status === "critical", `check: exit ${check.code} ${check.doc.status}`);
  expect(deadlockCheck?.status === "critical" && deadlockCheck.message.includes("telegram/telegram.sticker-cache"), `check cap_deadlock: ${JSON.stringify(deadlockCheck)}`);
  saveSnapshot(`cap-${version}`);

  // What statectl said: every new write fails, in any namespace.
  const next = {
    growing: await write(bindings, "telegram", "telegram.thread-bindings", "chat:next", { sessionKey: "x" }),
    other: await write(stickers, "telegram", "telegram.sticker-cache", "sticker-next", { fileId: "x" }),
    fresh: await write(factory("telegram", { namespace: "telegram.bot-info-cache", maxEntries: 128 }), "telegram", "telegram.bot-info-cache", "bot", { id: 1 }),
  };
  for (const [k, v] of Object.entries(next)) expect(v === "PLUGIN_STATE_LIMIT_EXCEEDED", `the runtime's next ${k} write: ${v}, statectl said it fails`);
  // Pruning the namespace statectl named makes room.
  const pr = statectlRun(["prune", "telegram/telegram.sticker-cache", "--older-than", "20d", "--yes"]);
  expect(pr.code === 0, `prune: exit ${pr.code} ${pr.stderr}`);
  const after = await write(bindings, "telegram", "telegram.thread-bindings", "chat:after-prune", { sessionKey: "y" });
  expect(after === null, `after the prune the runtime's write fails: ${after}`);
  writeExpected({ scenario: "legacy-cap", now: at, plugin: "telegram", live: 1000, refused_at_live: 1000, next_writes: next, after_prune: after ?? "ok" });
}

// 2026.8.1: memory-core holds 49,990 seeded rows in short-term-recall (no TTL, written
// days ago); the runtime then writes a growing evict namespace across the cap and a new
// namespace.
async function sharedCap() {
  const recall = factory("memory-core", { namespace: "short-term-recall", maxEntries: 50000 });
  const sessions = factory("memory-core", { namespace: "dreaming-sessions", maxEntries: 50000 });
  now = T0 - 3 * DAY;
  await write(recall, "memory-core", "short-term-recall", "recall-runtime", { text: "written by the runtime", score: 1 });
  const seed = { count: 49_989, namespace: "short-term-recall", plugin: "memory-core", first_created_at: T0 - 27 * DAY, step_ms: 37_000, key: "recall-seed-{i}", value: '{"text":"note {i}","score":0.5}' };
  {
    const db = new DatabaseSync(dbFile());
    db.exec("BEGIN IMMEDIATE");
    const ins = db.prepare("INSERT INTO plugin_state_entries (plugin_id, namespace, entry_key, value_json, created_at, expires_at) VALUES (?, ?, ?, ?, ?, NULL)");
    for (let i = 0; i < seed.count; i++) {
      ins.run(seed.plugin, seed.namespace, seed.key.replace("{i}", i), seed.value.replace("{i}", i), seed.first_created_at + i * seed.step_ms);
    }
    db.exec("COMMIT");
    db.close();
  }
  // 49,990 live rows. The growing namespace: 15 new keys, the last 5 over the cap.
  now = T0 - 2 * HOUR;
  for (let i = 0; i < 15; i++) {
    now += 5 * MIN;
    const err = await write(sessions, "memory-core", "dreaming-sessions", `session-${i}`, { phase: "light", turn: i });
    expect(err === null, `2026.8.1 write ${i} of dreaming-sessions failed: ${err} (it evicts in the namespace written)`);
  }
  const sessionKeys = await keysOf(sessions);
  // 10 rows fit under the cap; each later write evicted the namespace's own oldest row.
  expect(sessionKeys.length === 10 && sessionKeys[0] === "session-5", `dreaming-sessions after the cap: ${sessionKeys.length} rows, oldest ${sessionKeys[0]}`);
  // A new namespace cannot be written at all: nothing of its own to evict.
  now += MIN;
  const fresh = factory("memory-core", { namespace: "dreaming-fresh", maxEntries: 50000 });
  const freshErr = await write(fresh, "memory-core", "dreaming-fresh", "first", { phase: "rem" });
  expect(freshErr === "PLUGIN_STATE_LIMIT_EXCEEDED", `2026.8.1 write into a new namespace at the cap: ${freshErr}`);

  now += MIN;
  const at = now;
  const top = json(["top"]).doc;
  const plugin = top.plugins?.find((p) => p.plugin_id === "memory-core");
  expect(plugin?.live === 50000 && plugin.caps?.[0]?.full === "full" && plugin.caps[0].at_cap === "evict-written-namespace", `top: memory-core ${JSON.stringify(plugin)}`);
  const dl = top.deadlocks?.find((d) => d.plugin_id === "memory-core");
  expect(dl?.prune_namespace === "short-term-recall" && dl.growing?.[0] === "dreaming-sessions", `top: deadlock ${JSON.stringify(top.deadlocks)}`);
  const check = json(["check"]);
  const deadlockCheck = check.doc.checks?.find((c) => c.name === "cap_deadlock");
  expect(check.code === 2, `check: exit ${check.code}`);
  expect(deadlockCheck?.status === "critical" && deadlockCheck.message.includes("memory-core/short-term-recall"), `check cap_deadlock: ${JSON.stringify(deadlockCheck)}`);
  // The 50,000-row database stays in the work dir; the fixture keeps the runtime's own rows.
  saveSnapshot(`cap-${version}`, "DELETE FROM plugin_state_entries WHERE entry_key LIKE 'recall-seed-%'");

  // What statectl said: the growing namespace loses its own oldest row, a new namespace fails.
  const before = await keysOf(sessions);
  const grow = await write(sessions, "memory-core", "dreaming-sessions", "session-next", { phase: "deep" });
  const afterKeys = await keysOf(sessions);
  const evicted = before.filter((k) => !afterKeys.includes(k));
  expect(grow === null && evicted.length === 1 && evicted[0] === before[0] && afterKeys.length === before.length, `the runtime's next growing write: ${grow}, evicted ${JSON.stringify(evicted)}`);
  const freshAgain = await write(fresh, "memory-core", "dreaming-fresh", "second", { phase: "rem" });
  expect(freshAgain === "PLUGIN_STATE_LIMIT_EXCEEDED", `the runtime's next write into the new namespace: ${freshAgain}`);
  // Pruning the namespace statectl named makes room for the new namespace.
  const pr = statectlRun(["prune", "memory-core/short-term-recall", "--older-than", "20d", "--yes"]);
  expect(pr.code === 0, `prune: exit ${pr.code} ${pr.stderr}`);
  const afterPrune = await write(fresh, "memory-core", "dreaming-fresh", "after-prune", { phase: "rem" });
  expect(afterPrune === null, `after the prune the runtime's write into the new namespace: ${afterPrune}`);
  writeExpected({
    scenario: "shared-cap",
    now: at,
    plugin: "memory-core",
    live: 50000,
    seed,
    growing_after_cap: { rows: sessionKeys.length, oldest: sessionKeys[0] },
    new_namespace_write: freshErr,
    next_writes: { growing: grow ?? "ok", growing_evicted: evicted, fresh: freshAgain },
    after_prune: afterPrune ?? "ok",
  });
}

function writeExpected(doc) {
  const full = { runtime: version, ...doc, events_refused: events.filter((e) => !e.ok) };
  fs.writeFileSync(path.join(workDir, "capacity.expected.json"), JSON.stringify(full, null, 1) + "\n");
  if (args.fixtures) fs.writeFileSync(path.join(path.resolve(args.fixtures), `cap-${version}.capacity.json`), JSON.stringify(full, null, 1) + "\n");
}
