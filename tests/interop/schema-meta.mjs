// schema_meta that disagrees with PRAGMA user_version (issue 13, defect 11): the
// runtime of this version writes such a database or refuses, and statectl's prune does
// the same. Each runtime call runs in its own node process (a fresh store handle).
// Usage: node schema-meta.mjs --runtime DIR --statectl BIN --work DIR
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { loadRuntime, databasePath, parseArgs } from "./runtime.mjs";

const args = parseArgs();
const self = fileURLToPath(import.meta.url);

if (args.phase) {
  // One runtime step: write a row, report "ok" or the error code.
  process.env.OPENCLAW_STATE_DIR = args.state;
  const { factory } = await loadRuntime(args.runtime);
  const s = factory("discord", { namespace: "discord.modals", maxEntries: 500 });
  try {
    await s.register(args.phase, { v: 1 });
    console.log("ok");
  } catch (e) {
    console.log(e.code ?? String(e));
  }
  process.exit(0);
}

const { version } = await loadRuntime(args.runtime);
let failures = 0;
for (const mode of ["bump", "delete"]) {
  const state = path.join(args.work, mode);
  fs.rmSync(state, { recursive: true, force: true });
  fs.mkdirSync(state, { recursive: true });
  const step = (key) =>
    spawnSync(process.execPath, [self, "--phase", key, "--runtime", args.runtime, "--state", state], { encoding: "utf8" }).stdout.trim();
  if (step("first") !== "ok") throw new Error(`${version}: the runtime could not write a fresh database`);
  const file = databasePath(state);
  if (file.endsWith("plugin-state/state.sqlite")) {
    console.log(`schema_meta ${version}: legacy layout, no schema_meta`);
    process.exit(0);
  }
  const db = new DatabaseSync(file);
  const uv = db.prepare("PRAGMA user_version").get().user_version;
  db.exec(mode === "bump" ? `UPDATE schema_meta SET schema_version = ${uv - 1} WHERE meta_key = 'primary'` : "DELETE FROM schema_meta WHERE meta_key = 'primary'");
  db.close();
  const runtimeWrites = step("second") === "ok";
  const st = spawnSync(args.statectl, ["--db", file, "prune", "discord.modals", "--key", "first", "-y"], { encoding: "utf8" });
  const statectlWrites = st.status === 0;
  const agree = runtimeWrites === statectlWrites && (statectlWrites || st.status === 4);
  if (!agree) failures++;
  console.log(
    `${agree ? "ok  " : "FAIL"} schema_meta ${version} (${mode}): the runtime ${runtimeWrites ? "writes" : "refuses to write"}, statectl ${statectlWrites ? "writes" : `refuses (exit ${st.status})`}`,
  );
}
process.exit(failures ? 1 : 0);
