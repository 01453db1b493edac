// `statectl watch` beside the real runtime, in synchronised steps: the runtime acts,
// the script waits for the event statectl reports before the next action, and checks
// that each add, rewrite, delete and expiry is reported exactly once and nothing else.
//
//   node watch.mjs --runtime DIR --statectl BIN --work DIR
//
// The runtime writes with the real clock here (statectl's expiry events follow the
// clock); each wait is for an event, bounded by a deadline that fails the run.
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { spawn } from "node:child_process";
import { loadRuntime, parseArgs, freshStateDir } from "./runtime.mjs";

const args = parseArgs();
const runtimeDir = path.resolve(args.runtime);
const workDir = path.resolve(args.work);
const { factory } = await loadRuntime(runtimeDir);

const stateDir = freshStateDir(workDir);

const store = factory("discord", { namespace: "discord.components", maxEntries: 500, defaultTtlMs: 30 * 60_000 });
const other = factory("slack", { namespace: "slack.thread-participation", maxEntries: 1000 });
// The database exists once the runtime has written; this first row predates the watch.
await store.register("btn_before", { version: 1, entry: { id: "btn_before", kind: "button" } });
const db = ["state/openclaw.sqlite", "plugin-state/state.sqlite"].map((p) => path.join(stateDir, p)).find((p) => fs.existsSync(p));

const child = spawn(args.statectl, ["--db", db, "-o", "jsonl", "watch", "discord.components", "--interval", "20ms", "--since", "1h"], {
  stdio: ["ignore", "pipe", "inherit"],
  env: { ...process.env, HOME: workDir },
});
const queue = [];
let waiter = null;
readline.createInterface({ input: child.stdout }).on("line", (line) => {
  queue.push(JSON.parse(line));
  if (waiter) waiter();
});
async function next(what) {
  const deadline = Date.now() + 15_000;
  while (queue.length === 0) {
    if (Date.now() > deadline) throw new Error(`no event while waiting for ${what}`);
    await new Promise((r) => {
      waiter = r;
      setTimeout(r, 500);
    });
  }
  return queue.shift();
}
let failures = 0;
async function expect(type, key) {
  const ev = await next(`${type} ${key}`);
  const ok = ev.type === type && ev.key === key && ev.namespace === "discord.components";
  if (!ok) failures++;
  console.log(`${ok ? "ok  " : "FAIL"} watch: expected ${type} ${key}, got ${ev.type} ${ev.key}`);
  return ev;
}

// --since replays the row written before the watch: once it is reported, statectl has
// its first snapshot, so no step depends on start-up time.
await expect("ADDED", "btn_before");
await store.register("btn_a", { version: 1, entry: { id: "btn_a", kind: "button", label: "A" } });
const added = await expect("ADDED", "btn_a");
if (added.value?.entry?.label !== "A") failures++;
await store.register("btn_a", { version: 1, entry: { id: "btn_a", kind: "button", label: "A2" } });
const updated = await expect("UPDATED", "btn_a");
if (updated.value?.entry?.label !== "A2") failures++;
// Writes elsewhere change data_version but report nothing for this namespace.
await other.register("default:C1:1.1", { agentId: "main" });
await store.delete("btn_a");
await expect("DELETED", "btn_a");
await store.register("btn_short", { version: 1, entry: { id: "btn_short", kind: "button" } }, { ttlMs: 400 });
await expect("ADDED", "btn_short");
await expect("EXPIRED", "btn_short");
// The runtime's next write sweeps the expired row: no second event for it.
await store.register("btn_end", { version: 1, entry: { id: "btn_end", kind: "button" } });
await expect("ADDED", "btn_end");
child.kill("SIGINT");
await new Promise((r) => child.on("exit", r));
if (queue.length) {
  failures++;
  console.log(`FAIL watch: unexpected events ${JSON.stringify(queue)}`);
}
console.log(`watch: ${failures === 0 ? "ok" : `${failures} failures`}`);
process.exit(failures === 0 ? 0 : 1);
