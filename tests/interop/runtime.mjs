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
