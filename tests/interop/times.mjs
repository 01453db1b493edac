// Times interop (issue 13, defect 5): the real runtime's reads of rows whose times it
// cannot handle, and statectl's findings about them.
//
//   node times.mjs --runtime DIR --statectl BIN --work DIR
//
// An INTEGER created_at/expires_at above 2^53-1 makes entries() of the namespace (and
// lookup() of the key) fail in every version: `statectl check` must be CRITICAL naming
// the namespace, `ls` must mark the row, and after `statectl prune --key` the runtime's
// entries() must return exactly what `statectl ls` lists. A REAL expires_at (possible
// only in a non-STRICT table: legacy and shared schema 1) is compared unrounded by the
// runtime: statectl's liveness must agree at now and now+1.
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

const failures = [];
const expect = (ok, what) => { if (!ok) failures.push(what); };
function sc(argv) {
  const r = spawnSync(statectl, ["--state-dir", stateDir, "--now", String(now), ...argv], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const scJson = (argv) => { const r = sc([...argv, "-o", "json"]); try { return JSON.parse(r.stdout); } catch { failures.push(`statectl ${argv.join(" ")}: ${r.stderr}`); return null; } };
async function runtimeKeys(store) {
  try { return (await store.entries()).map((e) => e.key); } catch (e) { return `error ${e.code ?? e}`; }
}

const lost = factory("times", { namespace: "lost", maxEntries: 100 });
const ok = factory("times", { namespace: "ok", maxEntries: 100 });
await lost.register("a", { v: 1 });
now += 1;
await lost.register("b", { v: 2 });
await ok.register("c", { v: 3 });
now += 1;
// 2026.5.6 takes a TTL this large and writes expires_at beyond 2^53-1 itself.
let ownWrite = false;
try { await lost.register("huge-ttl", { v: 4 }, { ttlMs: 2 ** 60 }); } catch {}
const db = new DatabaseSync(databasePath(stateDir));
ownWrite = db.prepare("SELECT COUNT(*) AS n FROM plugin_state_entries WHERE entry_key = 'huge-ttl'").get().n === 1;
if (!ownWrite) {
  // Later versions refuse such a TTL: make the row by hand, as a damaged copy would hold it.
  db.exec(`INSERT INTO plugin_state_entries VALUES ('times', 'lost', 'huge-ttl', '{"v":4}', ${now}, 9007199254740993)`);
}
expect(typeof (await runtimeKeys(lost)) === "string", `${version}: entries() of times/lost should fail`);
expect(Array.isArray(await runtimeKeys(ok)), `${version}: entries() of times/ok should work`);

const check = scJson(["check"]);
const c = check?.checks?.find((c) => c.name === "unreadable_times");
expect(c?.status === "critical" && c.message.includes("times/lost (1 row: \"huge-ttl\")") && !c.message.includes("times/ok"),
  `${version}: check unreadable_times: ${JSON.stringify(c)}`);
const listed = scJson(["ls", "times/lost"]);
expect(JSON.stringify(listed?.filter((e) => e.unreadable_time).map((e) => e.key)) === '["huge-ttl"]', `${version}: ls marks huge-ttl: ${JSON.stringify(listed)}`);
const pruned = sc(["prune", "times/lost", "--key", "huge-ttl", "-y"]);
expect(pruned.code === 0, `${version}: prune --key huge-ttl: ${pruned.stderr}`);
const after = scJson(["ls", "times/lost"])?.map((e) => e.key);
const rt = await runtimeKeys(lost);
expect(JSON.stringify(rt) === JSON.stringify(after) && JSON.stringify(rt) === '["a","b"]', `${version}: after prune runtime ${JSON.stringify(rt)} statectl ${JSON.stringify(after)}`);

// A REAL expires_at, half a millisecond after now.
let real = "skipped (STRICT table)";
try {
  db.exec(`UPDATE plugin_state_entries SET expires_at = ${now}.5 WHERE entry_key = 'a'`);
  real = "checked";
} catch {}
if (real === "checked") {
  for (const at of [now, now + 1]) {
    const saved = now;
    now = at;
    const mine = scJson(["ls", "times/lost"])?.map((e) => e.key);
    const theirs = await runtimeKeys(lost);
    expect(JSON.stringify(mine) === JSON.stringify(theirs), `${version}: REAL expires_at at now=${at}: statectl ${JSON.stringify(mine)} runtime ${JSON.stringify(theirs)}`);
    now = saved;
  }
}
console.log(`times ${version}: huge time written by ${ownWrite ? "the runtime" : "hand"}; REAL expires_at ${real}; ${failures.length} failures`);
for (const f of failures) console.log(`  FAIL ${f}`);
process.exit(failures.length ? 1 : 0);
