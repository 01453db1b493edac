// The real OpenClaw runtime's plugin state store, loaded from an installed build: one
// loader for every interop script (chunk names change per build; exported functions
// keep their names).
import fs from "node:fs";
import path from "node:path";

/// Loads the store of the npm project RUNTIMEDIR: { version, factory, fns }.
export async function loadRuntime(runtimeDir) {
  const pkgDir = path.resolve(runtimeDir, "node_modules/openclaw");
  const version = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8")).version;
  const dist = path.join(pkgDir, "dist");
  const fns = {};
  for (const f of fs.readdirSync(dist).filter((f) => /^plugin-state-store-.*\.m?js$/.test(f))) {
    const mod = await import(path.join(dist, f));
    for (const v of Object.values(mod)) if (typeof v === "function") fns[v.name] = v;
  }
  const factory = fns.createPluginStateSyncKeyedStore ?? fns.createPluginStateKeyedStore;
  if (!factory) throw new Error(`no plugin state store factory found in ${dist}`);
  return { version, factory, fns, dist };
}

/// The database file the runtime of VERSION writes under STATEDIR.
export function databasePath(stateDir) {
  const shared = path.join(stateDir, "state/openclaw.sqlite");
  return fs.existsSync(shared) ? shared : path.join(stateDir, "plugin-state/state.sqlite");
}

/// The scripts' `--name value` arguments as an object; throws naming the first of NEED
/// that is missing.
export function parseArgs(need = []) {
  const argv = process.argv.slice(2);
  const args = Object.fromEntries(argv.flatMap((a, i) => (a.startsWith("--") ? [[a.slice(2), argv[i + 1]]] : [])));
  for (const name of need) if (!args[name]) throw new Error(`missing --${name}`);
  return args;
}

/// Empties WORKDIR and points the runtime (OPENCLAW_STATE_DIR) at a fresh state dir
/// inside it, which it returns.
export function freshStateDir(workDir) {
  fs.rmSync(workDir, { recursive: true, force: true });
  const stateDir = path.join(workDir, "state-dir");
  fs.mkdirSync(stateDir, { recursive: true });
  process.env.OPENCLAW_STATE_DIR = stateDir;
  return stateDir;
}
