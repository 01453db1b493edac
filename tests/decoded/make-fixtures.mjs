// Writes plugin state rows with the plugins' own writer code, then checks that
// `statectl` decodes every row back to the values the writer was given.
//
//   node make-fixtures.mjs --openclaw DIR --openclaw-old DIR --plugins DIR --statectl BIN --work DIR [--fixture FILE]
//
// --openclaw: an npm project with `openclaw` installed (the runtime's plugin state
// store, and Telegram and memory-core, which ship inside it). --plugins: an npm project
// with @openclaw/slack, discord, matrix (2026.9.6) and msteams (2026.9.5) installed and
// `openclaw` resolvable from it. --openclaw-old: an npm project with openclaw 2026.5.6,
// whose bundled Matrix plugin still writes the old `{roomId}:{eventId}` keys (its writer
// runs against the 2026.9.6 store above). Where a package exports its writer, the writer runs
// for real against the real store with a faked clock (the smoke test of .ci/run); where
// it does not (telegram.message-cache), the key and value functions are taken from the
// writer's own `//#region` and run as they are. With --fixture the rows are also saved
// in a small legacy-layout database, and the .writers.json beside FILE lists every row with the
// source file that wrote it and the decoded fields statectl must show.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { execFileSync } from "node:child_process";
import { DatabaseSync } from "node:sqlite";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
for (const need of ["openclaw", "openclaw-old", "plugins", "statectl", "work"]) {
  if (!args[need]) throw new Error(`missing --${need}`);
}
const openclawDist = path.resolve(args.openclaw, "node_modules/openclaw/dist");
const oldOpenclawDist = path.resolve(args["openclaw-old"], "node_modules/openclaw/dist");
const pluginsDir = path.resolve(args.plugins, "node_modules/@openclaw");
const statectl = path.resolve(args.statectl);
const workDir = path.resolve(args.work);

fs.rmSync(workDir, { recursive: true, force: true });
const stateDir = path.join(workDir, "state-dir");
fs.mkdirSync(stateDir, { recursive: true });
process.env.OPENCLAW_STATE_DIR = stateDir;
const T0 = 1795707055987;
let now = T0;
Date.now = () => now;

// --- the runtime's store, and a plugin runtime around it ---------------------------
const fns = {};
for (const f of fs.readdirSync(openclawDist).filter((f) => /^plugin-state-store-.*\.m?js$/.test(f))) {
  const mod = await import(path.join(openclawDist, f));
  for (const v of Object.values(mod)) if (typeof v === "function") fns[v.name] = v;
}
const factory = fns.createPluginStateKeyedStore;
const syncFactory = fns.createPluginStateSyncKeyedStore;
if (!factory || !syncFactory) throw new Error(`no createPluginState(Sync)KeyedStore in ${openclawDist}`);
const pending = [];
/** What a plugin's `runtime.state` offers; every write is awaited before checking. */
function runtimeFor(pluginId) {
  return {
    state: {
      openKeyedStore(options) {
        const store = factory(pluginId, options);
        return new Proxy(store, {
          get(target, prop) {
            const v = target[prop];
            if (typeof v !== "function") return v;
            return (...a) => {
              const r = v.apply(target, a);
              if (r && typeof r.then === "function") pending.push(r);
              return r;
            };
          },
        });
      },
      // The deprecated synchronous store (Discord thread bindings still use it).
      openSyncKeyedStore(options) {
        return syncFactory(pluginId, options);
      },
    },
  };
}
async function settle() {
  while (pending.length) await pending.shift();
}

// --- finding a writer's module by its region marker and exported function -----------
function findModule(dir, region, fnName) {
  for (const f of fs.readdirSync(dir)) {
    if (!/\.(m?js|cjs)$/.test(f)) continue;
    const text = fs.readFileSync(path.join(dir, f), "utf8");
    if (text.includes(`//#region ${region}`) && new RegExp(`function ${fnName}\\b`).test(text)) {
      return path.join(dir, f);
    }
  }
  throw new Error(`no module in ${dir} with //#region ${region} and function ${fnName}`);
}
async function load(file) {
  return file.endsWith(".cjs") ? createRequire(import.meta.url)(file) : await import(file);
}
function exported(mod, name) {
  const f = Object.values(mod).find((v) => typeof v === "function" && v.name === name);
  if (!f) throw new Error(`${name} is not exported`);
  return f;
}
/** Installs the runtime through the setter of the runtime module the writer imports. */
async function installRuntime(file, pluginId) {
  const text = fs.readFileSync(file, "utf8");
  const rel = [...text.matchAll(/(?:from |require\()"(\.\/runtime-[^"]+)"/g)].map((m) => m[1]);
  let set = 0;
  for (const r of new Set(rel)) {
    const mod = await load(path.join(path.dirname(file), r));
    for (const v of Object.values(mod)) {
      if (typeof v === "function" && /^set\w*Runtime$/.test(v.name)) {
        v(runtimeFor(pluginId));
        set++;
      }
    }
  }
  if (!set) throw new Error(`no runtime setter imported by ${file}`);
}
/** The source of a named function inside a region, to run the writer's own code. */
function regionFunction(dir, region, fnName) {
  const file = findModule(dir, region, fnName);
  const text = fs.readFileSync(file, "utf8");
  const start = text.indexOf(`//#region ${region}`);
  const end = text.indexOf("//#endregion", start);
  const body = text.slice(start, end);
  const at = body.search(new RegExp(`function ${fnName}\\b`));
  let depth = 0;
  let i = body.indexOf("{", body.indexOf(")", at));
  const open = i;
  for (; i < body.length; i++) {
    if (body[i] === "{") depth++;
    else if (body[i] === "}" && --depth === 0) break;
  }
  return { file, source: body.slice(at, i + 1), open };
}

const rows = []; // { plugin, namespace, key?, source, expect }
function expectRow(plugin, namespace, source, expect, match) {
  rows.push({ plugin, namespace, source, expect, match });
}
/** `package@version: file`, the writer's source as its region names it. */
function src(pkgJson, file) {
  const pkg = JSON.parse(fs.readFileSync(pkgJson, "utf8"));
  return `${pkg.name}@${pkg.version}: ${file}`;
}
const openclawPkg = path.join(openclawDist, "../package.json");
const pluginPkg = (name) => path.join(pluginsDir, name, "package.json");

// --- Slack: thread participation ----------------------------------------------------
{
  const region = "extensions/slack/src/sent-thread-cache.ts";
  const file = findModule(path.join(pluginsDir, "slack/dist/.setup"), region, "recordSlackThreadParticipation");
  await installRuntime(file, "slack");
  const record = exported(await load(file), "recordSlackThreadParticipation");
  now = T0 - 60_000;
  record("default", "C07Q2J4KX9M", "1795700000.123456", { teamId: "T0123ABCD", agentId: "main" });
  record("ops", "C0AAAA", "1795600000.000100");
  await settle();
  expectRow("slack", "slack.thread-participation", src(pluginPkg("slack"), region), { account: "default", team: "T0123ABCD", channel: "C07Q2J4KX9M", thread_ts: "1795700000.123456", thread_time: 1795700000123, agent: "main", replied_at: T0 - 60_000 });
  expectRow("slack", "slack.thread-participation", src(pluginPkg("slack"), region), { account: "ops", team: null, channel: "C0AAAA", thread_ts: "1795600000.000100", agent: null, replied_at: T0 - 60_000 });
}

// --- Discord: components and modals ------------------------------------------------
{
  const region = "extensions/discord/src/components-registry.ts";
  const file = findModule(path.join(pluginsDir, "discord/dist/.setup"), region, "registerDiscordComponentEntries");
  await installRuntime(file, "discord");
  const register = exported(await load(file), "registerDiscordComponentEntries");
  now = T0 - 30_000;
  await register({
    entries: [
      { id: "btn_fixture1", kind: "button", label: "Approve deploy", callbackData: "deploy:approve:42", accountId: "default", sessionKey: "agent:main:discord", agentId: "main", allowedUsers: ["111", "222"] },
      { id: "sel_fixture2", kind: "select", label: "Pick a region", selectType: "string", options: [{ value: "eu", label: "EU" }], accountId: "default", reusable: true },
    ],
    modals: [
      { id: "mdl_fixture3", title: "Deploy details", fields: [{ id: "fld_1", name: "reason", label: "Reason", type: "text", required: true }, { id: "fld_2", name: "ticket", label: "Ticket", type: "text" }], accountId: "default" },
    ],
    messageId: "1287654321098765432",
    ttlMs: 30 * 60_000,
  });
  await settle();
  const exp = T0 - 30_000 + 30 * 60_000;
  expectRow("discord", "discord.components", src(pluginPkg("discord"), region), { kind: "button", label: "Approve deploy", account: "default", message: "1287654321098765432", session: "agent:main:discord", agent: "main", allowed_users: ["111", "222"], created_at: T0 - 30_000, expires_at: exp }, { key: "btn_fixture1" });
  expectRow("discord", "discord.components", src(pluginPkg("discord"), region), { kind: "select", label: "Pick a region", message: "1287654321098765432", reusable: true, expires_at: exp }, { key: "sel_fixture2" });
  expectRow("discord", "discord.modals", src(pluginPkg("discord"), region), { title: "Deploy details", n_fields: 2, account: "default", message: "1287654321098765432", expires_at: exp }, { key: "mdl_fixture3" });
}

// --- Matrix: approval reactions -----------------------------------------------------
{
  const region = "extensions/matrix/src/approval-reactions.ts";
  const file = findModule(path.join(pluginsDir, "matrix/dist/.setup"), region, "registerMatrixApprovalReactionTarget");
  await installRuntime(file, "matrix");
  const register = exported(await load(file), "registerMatrixApprovalReactionTarget");
  now = T0 - 20_000;
  await register({ accountId: "default", roomId: "!ops:example.org", eventId: "$9Qx7_abcDEF123", approvalId: "7f3c9a2e-0000-4000-8000-000000000001", approvalKind: "exec", allowedDecisions: ["allow-once", "allow-always", "deny"] });
  await settle();
  expectRow("matrix", "matrix.approval-reactions", src(pluginPkg("matrix"), region), { account: "default", room: "!ops:example.org", event: "$9Qx7_abcDEF123", approval_id: "7f3c9a2e-0000-4000-8000-000000000001", kind: "exec", decisions: ["allow-once", "allow-always", "deny"] });
}

// --- Matrix's old key grammar: the Matrix plugin bundled in openclaw 2026.5.6 ----------
{
  const region = "extensions/matrix/src/approval-reactions.ts";
  const file = findModule(oldOpenclawDist, region, "registerMatrixApprovalReactionTarget");
  await installRuntime(file, "matrix");
  const register = exported(await load(file), "registerMatrixApprovalReactionTarget");
  now = T0 - 19_000;
  register({ roomId: "!legacy:example.org", eventId: "$OldGrammar_0001", approvalId: "7f3c9a2e-0000-4000-8000-000000000002", allowedDecisions: ["allow-once", "deny"] });
  // Room versions 1 and 2: the event id has a server part, so the key has ':' after '$'.
  register({ roomId: "!v1room:example.org", eventId: "$OldGrammar_0002:example.org", approvalId: "7f3c9a2e-0000-4000-8000-000000000003", allowedDecisions: ["deny"] });
  await settle();
  expectRow("matrix", "matrix.approval-reactions", src(path.join(oldOpenclawDist, "../package.json"), region), { account: null, room: "!legacy:example.org", event: "$OldGrammar_0001", approval_id: "7f3c9a2e-0000-4000-8000-000000000002", kind: null, decisions: ["allow-once", "deny"] }, { key: "!legacy:example.org:$OldGrammar_0001" });
  expectRow("matrix", "matrix.approval-reactions", src(path.join(oldOpenclawDist, "../package.json"), region), { room: "!v1room:example.org", event: "$OldGrammar_0002:example.org", decisions: ["deny"] }, { key: "!v1room:example.org:$OldGrammar_0002:example.org" });
}

// --- Discord: thread bindings (the plugin's synchronous store) -----------------------
{
  const region = "extensions/discord/src/monitor/thread-bindings.state.ts";
  const file = findModule(path.join(pluginsDir, "discord/dist/.setup"), region, "saveBindingsToDisk");
  await installRuntime(file, "discord");
  const mod = await load(file);
  const setBindingRecord = exported(mod, "setBindingRecord");
  const saveBindingsToDisk = exported(mod, "saveBindingsToDisk");
  now = T0 - 15_000;
  setBindingRecord({ accountId: "default", channelId: "1287000000000000001", threadId: "1287000000000000002", targetKind: "subagent", targetSessionKey: "agent:main:subagent:9", agentId: "main", boundBy: "user-1", boundAt: T0 - 15_000, lastActivityAt: T0 - 15_000, label: "deploy thread", webhookId: "1287000000000000003", webhookToken: "fixture-webhook-token-not-real" });
  saveBindingsToDisk({ force: true });
  await settle();
  expectRow("discord", "thread-bindings", src(pluginPkg("discord"), region), { account: "default", thread: "1287000000000000002", channel: "1287000000000000001", session: "agent:main:subagent:9" }, { key: "default:1287000000000000002" });
}

// --- MS Teams: sent messages (2026.9.5) ---------------------------------------------
{
  // The writer is not exported from the CommonJS bundle: its region runs as it is,
  // with the real plugin SDK's dedupe cache and the runtime above.
  const region = "extensions/msteams/src/sent-message-cache.ts";
  const file = findModule(path.join(pluginsDir, "msteams/dist/.setup"), region, "recordMSTeamsSentMessage");
  const text = fs.readFileSync(file, "utf8");
  const start = text.indexOf(`//#region ${region}`);
  const code = text.slice(start, text.indexOf("//#endregion", start));
  const dedupe = await import(path.join(openclawDist, "plugin-sdk/dedupe-runtime.js"));
  const reporter = { createPluginStateErrorReporter: () => (e) => console.error("msteams state error:", e) };
  const runtime = { getOptionalMSTeamsRuntime: () => runtimeFor("msteams") };
  const record = new Function("openclaw_plugin_sdk_dedupe_runtime", "require_runtime", "openclaw_plugin_sdk_plugin_state_runtime", `${code}; return recordMSTeamsSentMessage;`)(dedupe, runtime, reporter);
  now = T0 - 10_000;
  record("19:3f2ac0ffee@thread.tacv2", "1795707045987");
  await settle();
  expectRow("msteams", "msteams.sent-messages", src(pluginPkg("msteams"), region), { conversation: "19:3f2ac0ffee@thread.tacv2", message: "1795707045987", bot: null, sent_at: T0 - 10_000 });
}

// --- Telegram (inside the openclaw package) -----------------------------------------
/** The plugin's own reader of telegram.update-offsets (checked against statectl below). */
let telegramRead;
{
  const region = "extensions/telegram/src/update-offset-store.ts";
  const file = findModule(openclawDist, region, "writeTelegramUpdateOffset");
  await installRuntime(file, "telegram");
  const mod = await load(file);
  const write = exported(mod, "writeTelegramUpdateOffset");
  telegramRead = exported(mod, "readTelegramUpdateOffset");
  now = T0 - 5_000;
  await write({ accountId: "default", updateId: 812345678, botToken: "7012345678:AAFakeTokenForFixturesOnly000000000" });
  await settle();
  expectRow("telegram", "telegram.update-offsets", src(openclawPkg, region), { account: "default", version: 3, last_update_id: 812345678, bot_id: "7012345678", token_fp: true });
}
{
  const region = "extensions/telegram/src/topic-name-cache.ts";
  const file = findModule(openclawDist, region, "updateTopicName");
  await installRuntime(file, "telegram");
  const update = exported(await load(file), "updateTopicName");
  now = T0 - 4_000;
  await update(-1001234567890, 42, { name: "Deploys", closed: false }, "/state/agents/main/sessions.json");
  await settle();
  expectRow("telegram", "telegram.topic-name-cache.", src(openclawPkg, region), { chat: "-1001234567890", thread: "42", name: "Deploys", closed: false, updated_at: T0 - 4_000 }, { namespacePrefix: true });
}
{
  const region = "extensions/telegram/src/thread-bindings-store.ts";
  const file = findModule(openclawDist, region, "sanitizeStoredBinding");
  const mod = await load(file);
  const sanitize = exported(mod, "sanitizeStoredBinding");
  const keyOf = exported(mod, "resolveStoredBindingKey");
  now = T0 - 3_000;
  const value = sanitize("default", { conversationId: "-1001234567890:42", targetSessionKey: "agent:main:subagent:7", targetKind: "subagent", boundAt: T0 - 3_000, agentId: "main", label: "deploy helper", idleTimeoutMs: 86_400_000 });
  const store = runtimeFor("telegram").state.openKeyedStore({ namespace: "telegram.thread-bindings", maxEntries: 5000 });
  await store.register(keyOf(value), value);
  await settle();
  expectRow("telegram", "telegram.thread-bindings", src(openclawPkg, region), { account: "default", conversation: "-1001234567890:42", target_kind: "subagent", session: "agent:main:subagent:7", agent: "main", label: "deploy helper", bound_at: T0 - 3_000, key_ok: true });
}
{
  // The message cache's writer is not exported: its key and value functions are run
  // from its own region.
  const region = "extensions/telegram/src/message-cache.ts";
  const keyFn = regionFunction(openclawDist, region, "telegramMessageCacheKey");
  const valueFn = regionFunction(openclawDist, "extensions/telegram/src/message-cache-codec.ts", "persistedCacheNode");
  const telegramMessageCacheKey = new Function(`${keyFn.source}; return telegramMessageCacheKey;`)();
  const persistedCacheNode = new Function(`${valueFn.source}; return persistedCacheNode;`)();
  now = T0 - 2_000;
  const sourceMessage = { message_id: 4711, date: Math.floor((T0 - 2_000) / 1000), chat: { id: -1001234567890, type: "supergroup" }, from: { id: 5, is_bot: false, first_name: "Ann", username: "ann" }, text: "meet at noon", message_thread_id: 42 };
  const store = runtimeFor("telegram").state.openKeyedStore({ namespace: "telegram.message-cache", maxEntries: 3000 });
  await store.register(telegramMessageCacheKey({ accountId: "default", chatId: -1001234567890, messageId: 4711 }), persistedCacheNode({ sourceMessage, threadId: "42" }, 7012345678));
  await store.register(telegramMessageCacheKey({ scopeKey: "agent:main", accountId: "default", chatId: 99, messageId: 5 }), persistedCacheNode({ sourceMessage: { message_id: 5, date: sourceMessage.date, chat: { id: 99, type: "private" }, from: sourceMessage.from, text: "hi" } }, undefined));
  await settle();
  expectRow("telegram", "telegram.message-cache", src(openclawPkg, `${region}, message-cache-codec.ts`), { scope: null, account: "default", chat: "-1001234567890", message: 4711, thread: "42", time: Math.floor((T0 - 2_000) / 1000) * 1000 }, { key: "default:-1001234567890:4711" });
  expectRow("telegram", "telegram.message-cache", src(openclawPkg, `${region}, message-cache-codec.ts`), { scope: "agent:main", account: "default", chat: "99", message: 5 }, { key: "agent:main:default:99:5" });
}

// --- memory-core: the memory host's event journal (inside the openclaw package) -------
{
  const region = "src/memory-host-sdk/event-store.ts";
  const file = findModule(openclawDist, region, "registerMemoryHostEvent");
  const register = exported(await load(file), "registerMemoryHostEvent");
  now = T0 - 1_000;
  const workspaceDir = path.join(workDir, "workspace");
  fs.mkdirSync(workspaceDir, { recursive: true });
  await register({ workspaceDir, event: { type: "memory.recall.recorded", timestamp: new Date(T0 - 1_000).toISOString(), query: "deploy", resultCount: 0, results: [] } });
  await settle();
  expectRow("memory-core", "memory-host.events", src(openclawPkg, region), { generation: 1, seq: 1, kind: "event", event_type: "memory.recall.recorded", recorded_at: T0 - 1_000 });
  expectRow("memory-core", "memory-host.event-cursors", src(openclawPkg, "src/plugin-state/plugin-state-store.journal.ts"), { kind: "cursor", last_sequence: 1 });
}

// --- what was written, and what statectl makes of it -------------------------------
const dbPath = path.join(stateDir, "state", "openclaw.sqlite");
if (!fs.existsSync(dbPath)) throw new Error(`the runtime wrote no database at ${dbPath}`);
const ls = (ns) =>
  execFileSync(statectl, ["--db", dbPath, "--now", String(T0), "ls", ns, "--include-expired", "-o", "jsonl"], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
const db = new DatabaseSync(dbPath, { readOnly: true });
const namespaces = db.prepare("SELECT DISTINCT plugin_id, namespace FROM plugin_state_entries ORDER BY 1, 2").all();
let failures = 0;
const checked = [];
for (const want of rows) {
  const ns = namespaces.find((n) => n.plugin_id === want.plugin && (want.match?.namespacePrefix ? n.namespace.startsWith(want.namespace) : n.namespace === want.namespace));
  if (!ns) {
    console.error(`FAIL ${want.plugin}/${want.namespace}: the writer (${want.source}) wrote no row`);
    failures++;
    continue;
  }
  const got = ls(`${ns.plugin_id}/${ns.namespace}`).filter((e) => !want.match?.key || e.key === want.match.key);
  const hit = got.find((e) => e.decoded && !e.decode_error && Object.entries(want.expect).every(([k, v]) => JSON.stringify(e.decoded[k]) === JSON.stringify(v)));
  if (!hit) {
    console.error(`FAIL ${ns.plugin_id}/${ns.namespace} (${want.source}): no row decodes to ${JSON.stringify(want.expect)}; got ${JSON.stringify(got.map((e) => ({ key: e.key, decoded: e.decoded, decode_error: e.decode_error })))}`);
    failures++;
    continue;
  }
  checked.push({ plugin_id: ns.plugin_id, namespace: ns.namespace, key: hit.key, source: want.source, decoded: want.expect });
  console.log(`ok ${ns.plugin_id}/${ns.namespace} ${hit.key} (${want.source})`);
}

if (args.fixture && failures === 0) {
  const out = path.resolve(args.fixture);
  fs.rmSync(out, { force: true });
  const schema = fs.readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), "../fixtures/legacy-schema.sql"), "utf8");
  const fx = new DatabaseSync(out);
  fx.exec(schema);
  const insert = fx.prepare("INSERT INTO plugin_state_entries (plugin_id, namespace, entry_key, value_json, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)");
  for (const r of db.prepare("SELECT plugin_id, namespace, entry_key, value_json, created_at, expires_at FROM plugin_state_entries ORDER BY 1, 2, 3").all()) {
    insert.run(r.plugin_id, r.namespace, r.entry_key, r.value_json, r.created_at, r.expires_at);
  }
  fx.close();
  fs.writeFileSync(out.replace(/\.sqlite$/, ".writers.json"), JSON.stringify({ now: T0, rows: checked }, null, 1) + "\n");
  console.log(`wrote ${out}`);
}
// --- telegram.update-offsets: statectl's verdict against the plugin's own reader ------
// For the same stored record, the reader (readTelegramUpdateOffset) reports a rotation
// reason or none for a token; statectl, given that token in a JSON5 openclaw.json, must
// say the same ("matches" for none) and never print the token.
{
  const cfgPath = path.join(workDir, "openclaw.json");
  const tokens = [
    "7012345678:AAFakeTokenForFixturesOnly000000000",
    "7012345678:AAFakeTokenRotatedByBotFather0000000",
    "8012345678:AAFakeTokenOfAnotherBotForFixtures00",
  ];
  let agree = 0;
  for (const token of tokens) {
    let reason = null;
    await telegramRead({ accountId: "default", botToken: token, onRotationDetected: (r) => { reason = r.reason; } });
    fs.writeFileSync(cfgPath, `// the gateway's config, JSON5\n{ channels: { telegram: { botToken: ${JSON.stringify(token)}, }, }, }\n`);
    const out = execFileSync(statectl, ["--db", dbPath, "--now", String(T0), "inspect", "telegram.update-offsets", "default", "-o", "json"], {
      encoding: "utf8",
      env: { ...process.env, OPENCLAW_CONFIG_PATH: cfgPath },
    });
    const got = JSON.parse(out).rotation?.status;
    const want = reason ?? "matches";
    if (got !== want || out.includes(token.split(":")[1])) {
      console.error(`FAIL telegram.update-offsets: the reader says ${want} for bot ${token.split(":")[0]}, statectl ${got}${out.includes(token.split(":")[1]) ? " and printed the token" : ""}`);
      failures++;
    } else {
      agree++;
      console.log(`ok telegram.update-offsets rotation: ${want} (bot ${token.split(":")[0]}), as the reader decides`);
    }
  }
  // A version-2 record (no token fingerprint), as older builds wrote it; written after
  // the fixture was saved, so the fixture keeps only the writer's own rows.
  const store = runtimeFor("telegram").state.openKeyedStore({ namespace: "telegram.update-offsets", maxEntries: 1000 });
  await store.register("legacy", { version: 2, lastUpdateId: 700, botId: "7012345678" });
  await settle();
  let reason = null;
  await telegramRead({ accountId: "legacy", botToken: tokens[0], onRotationDetected: (r) => { reason = r.reason; } });
  fs.writeFileSync(cfgPath, `{ channels: { telegram: { botToken: ${JSON.stringify(tokens[0])} } } }\n`);
  const out = execFileSync(statectl, ["--db", dbPath, "--now", String(T0), "inspect", "telegram.update-offsets", "legacy", "-o", "json"], {
    encoding: "utf8",
    env: { ...process.env, OPENCLAW_CONFIG_PATH: cfgPath },
  });
  const got = JSON.parse(out).rotation?.status;
  if (reason !== "legacy-state" || got !== reason || out.includes("AAFake")) {
    console.error(`FAIL telegram.update-offsets: for a version-2 record the reader says ${reason}, statectl ${got}`);
    failures++;
  } else {
    agree++;
    console.log("ok telegram.update-offsets rotation: legacy-state (version 2 record), as the reader decides");
  }
  if (agree !== tokens.length + 1) console.error(`offset rotation: ${agree} of ${tokens.length + 1} agree with the reader`);
}

const total = rows.length;
console.log(`decoded smoke: ${total - failures} of ${total} writer rows decode as written`);
process.exit(failures ? 1 : 0);
