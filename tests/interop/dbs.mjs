// Every plugin-state database of one state dir (issue 21), laid out as OpenClaw 2026.9.6
// lays it out and written by the real runtime: the main shared database, a legacy
// sidecar written by 2026.5.6, and Matrix account roots at the paths the Matrix plugin's
// own resolveMatrixAccountStorageRoot gives, two token-hash roots for one account (a
// token rotation), each with the storage metadata the plugin writes. Then checks that
// `statectl dbs` lists every file with its role and the runtime's row count, and that
// `ls --all-dbs` shows each database's rows as the runtime's entries() returns them.
//
//   node dbs.mjs --runtime DIR --legacy-runtime DIR --matrix DIR --statectl BIN --work DIR [--fixture FILE.tar.gz]
//
// --runtime: npm project with openclaw 2026.9.6; --legacy-runtime: with 2026.5.6;
// --matrix: the @openclaw/matrix package directory (its dist/.setup chunks). With
// --fixture the state dir is also saved (as a .tar.gz) for `cargo test` (tests/dbs.rs).
import fs from "node:fs";
import path from "node:path";
import { spawnSync, execFileSync } from "node:child_process";
import { loadRuntime, parseArgs, freshStateDir } from "./runtime.mjs";

const args = parseArgs(["runtime", "legacy-runtime", "matrix", "statectl", "work"]);
const statectl = path.resolve(args.statectl);
const workDir = path.resolve(args.work);
const stateDir = freshStateDir(workDir);
let now = 1795707055987;
Date.now = () => now;

const shared = await loadRuntime(path.resolve(args.runtime));
const legacy = await loadRuntime(path.resolve(args["legacy-runtime"]));

// The Matrix plugin's own path function, picked by name from its chunks.
const setup = path.join(path.resolve(args.matrix), "dist/.setup");
let storageRoot;
for (const f of fs.readdirSync(setup).filter((f) => /^storage-paths-.*\.mjs$/.test(f))) {
  const mod = await import(path.join(setup, f));
  for (const v of Object.values(mod)) if (typeof v === "function" && v.name === "resolveMatrixAccountStorageRoot") storageRoot = v;
}
if (!storageRoot) throw new Error(`resolveMatrixAccountStorageRoot not found in ${setup}`);

const failures = [];
const expected = { databases: [] };
const envFor = (dir) => ({ ...process.env, OPENCLAW_STATE_DIR: dir });
async function write(factory, dir, plugin, namespace, rows, opts = {}) {
  const store = factory(plugin, { namespace, maxEntries: 1000, ...opts, env: envFor(dir) });
  for (const [key, value] of rows) {
    await store.register(key, value);
    now += 1;
  }
  return store;
}

// The main database.
const main = [];
main.push(await write(shared.factory, stateDir, "slack", "slack.thread-participation", [["default:C07Q2J4KX9M:1761234567.123451", { agentId: "main", repliedAt: now }]]));
main.push(await write(shared.factory, stateDir, "discord", "discord.components", [["btn_main", { version: 1, entry: { id: "btn_main", kind: "button" } }]]));

// The legacy sidecar, as 2026.5.6 left it (before 2026.5.30 moved plugin state).
const legacyStores = [await write(legacy.factory, stateDir, "telegram", "telegram.sent-messages", [["legacy-1", { at: now }], ["legacy-2", { at: now }]])];

// Matrix: one account, its token rotated; the new root claims the current token.
const homeserver = "https://matrix.example.org";
const userId = "@bot:example.org";
const tokens = { old: "syt_old_token_f00", current: "syt_current_token_b4r" };
const roots = {};
for (const [which, accessToken] of Object.entries(tokens)) {
  const { rootDir, tokenHash } = storageRoot({ stateDir, homeserver, userId, accessToken, accountId: "default" });
  roots[which] = { rootDir, tokenHash, stores: [] };
  // What the plugin's storage metadata store writes (storage-metadata.ts).
  roots[which].stores.push(await write(shared.factory, rootDir, "matrix", "storage-meta", [["current", {
    homeserver, userId, accountId: "default", accessTokenHash: tokenHash, deviceId: "DEVICE1",
    ...(which === "current" ? { currentTokenStateClaimed: true } : {}), createdAt: new Date(now).toISOString(),
  }]], { maxEntries: 10 }));
  roots[which].stores.push(await write(shared.factory, rootDir, "matrix", "sync-cache", [[`sync-${which}`, { nextBatch: `s${now}`, rooms: {} }]]));
}

// The configuration names the current token, so statectl can tell which root is active.
fs.writeFileSync(path.join(stateDir, "openclaw.json"), `// written by tests/interop/dbs.mjs
{
  channels: {
    matrix: { homeserver: "${homeserver}", userId: "${userId}", accessToken: "${tokens.current}", },
  },
}
`);

// --- the runtime's view, and statectl's ----------------------------------------------
const rel = (p) => path.relative(stateDir, p);
async function liveRows(stores) {
  let n = 0;
  for (const s of stores) n += (await s.entries()).length;
  return n;
}
const want = [
  { path: "state/openclaw.sqlite", role: "main", rows: await liveRows(main) },
  { path: "plugin-state/state.sqlite", role: "legacy-sidecar", rows: await liveRows(legacyStores) },
  { path: path.join(rel(roots.current.rootDir), "state/openclaw.sqlite"), role: "matrix-account", rows: await liveRows(roots.current.stores), active: true },
  { path: path.join(rel(roots.old.rootDir), "state/openclaw.sqlite"), role: "matrix-account", rows: await liveRows(roots.old.stores), active: false },
].sort((a, b) => a.path.localeCompare(b.path));
expected.databases = want;
expected.now = now;

const run = (argv) => spawnSync(statectl, ["--state-dir", stateDir, "--now", String(now), ...argv], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
const r = run(["dbs", "-o", "json"]);
if (r.status !== 0) {
  failures.push(`dbs: exit ${r.status}: ${r.stderr}`);
} else {
  const got = JSON.parse(r.stdout).databases.map((d) => ({ path: d.path, role: d.role, rows: d.live_rows, ...(d.role === "matrix-account" ? { active: d.matrix.active } : {}) }));
  got.sort((a, b) => a.path.localeCompare(b.path));
  if (JSON.stringify(got) !== JSON.stringify(want)) failures.push(`dbs:\n  runtime:  ${JSON.stringify(want)}\n  statectl: ${JSON.stringify(got)}`);
}
const l = run(["ls", "--all-dbs", "matrix/sync-cache", "-o", "json"]);
if (l.status !== 0) {
  failures.push(`ls --all-dbs: exit ${l.status}: ${l.stderr}`);
} else {
  const got = JSON.parse(l.stdout).map((e) => `${e.db}:${e.key}`).sort();
  const rootsWant = [];
  for (const which of ["current", "old"]) {
    for (const e of await roots[which].stores[1].entries()) rootsWant.push(`${path.join(rel(roots[which].rootDir), "state/openclaw.sqlite")}:${e.key}`);
  }
  rootsWant.sort();
  if (JSON.stringify(got) !== JSON.stringify(rootsWant)) failures.push(`ls --all-dbs matrix/sync-cache:\n  runtime:  ${JSON.stringify(rootsWant)}\n  statectl: ${JSON.stringify(got)}`);
}

if (args.fixture) {
  // Checkpointed single files, so the archive needs no -wal/-shm.
  const { DatabaseSync } = await import("node:sqlite");
  for (const d of want) {
    const file = path.join(stateDir, d.path);
    const db = new DatabaseSync(file);
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    db.close();
    for (const ext of ["-wal", "-shm"]) fs.rmSync(file + ext, { force: true });
  }
  fs.writeFileSync(path.join(stateDir, "expected.json"), JSON.stringify(expected, null, 1) + "\n");
  execFileSync("tar", ["-czf", path.resolve(args.fixture), "--sort=name", "--owner=0", "--group=0", "--mtime=@0", "-C", stateDir, "."]);
  console.log(`wrote fixture ${args.fixture}`);
}
console.log(`dbs: ${want.length} databases written by the runtime (main, 2026.5.6 sidecar, two Matrix token roots); ${failures.length ? failures.length + " mismatches" : "statectl agrees"}`);
if (failures.length) console.log(failures.join("\n"));
process.exit(failures.length ? 1 : 0);
