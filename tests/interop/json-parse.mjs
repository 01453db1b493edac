// Differential property test of statectl's validity rule (store::value::verdict)
// against node's own JSON.parse: many strings, mutations of JSON the runtime writes,
// judged by both; any disagreement fails.
//
//   node json-parse.mjs --rule BIN [--count N] [--seed S] [--fixtures DIR]
//
// BIN is the value_verdict example (one JSON string per stdin line, 1/0 per stdout
// line). With --fixtures the strings and node's verdicts are saved as json-parse.json,
// which tests/values.rs checks statectl's rule against in plain `cargo test`.
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { parseArgs } from "./runtime.mjs";

const args = parseArgs(["rule"]);
const count = Number(args.count ?? 20000);
let seed = Number(args.seed ?? 13);
// A small deterministic PRNG (mulberry32), so a failure can be replayed with --seed.
const rand = () => {
  seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (a) => a[Math.floor(rand() * a.length)];
const int = (n) => Math.floor(rand() * n);

// Seeds: what the runtime writes (JSON.stringify), plus the shapes issue 13 names.
const seeds = [
  JSON.stringify({ text: "cut \ud83d" }),
  JSON.stringify(["\udc00", "😀", "\u2028", "\u0000", "é"]),
  JSON.stringify({ version: 1, entry: { id: "btn_x", kind: "button", n: [1, -0, 0.1, 1e21, -5e-7] } }),
  JSON.stringify([[[[[]]]]]),
  "1e400", "-1E-400", "0", "-0.0e+0", "123.456e-7", "true", "false", "null", '""',
  ' {"a":1}', '{"a":\n1}', "\t[1,\r\n2]\n",
  "[".repeat(70) + "]".repeat(70),
  '{"a":{"b":{"c":[1,{"d":"\\u00e9\\n\\t\\"\\\\\\/"}]}}}',
];
// Tokens and characters mutations insert: JSON punctuation, whitespace of JSON and
// of JavaScript (not JSON's), escapes good and bad, number pieces, literals' pieces.
const bits = ["{", "}", "[", "]", ",", ":", '"', "\\", "\\u", "\\ud83d", "\\udc00", "\\x", "\\u12", "\\uZZZZ",
  " ", "\t", "\n", "\r", "\u000b", "\u000c", "\u00a0", "\ufeff", "\u2028", "\u0000", "\u0001", "\u001f", "\u007f",
  "0", "1", "9", "-", "+", ".", "e", "E", "01", "1.", ".5", "1e", "1e+", "Infinity", "NaN", "tru", "nul", "true", "null",
  "'", "//", "/*", "*/", "é", "😀", "a", "x", '"k":', ",]", ",}"];

function mutate(s) {
  const n = 1 + int(3);
  for (let i = 0; i < n; i++) {
    const at = int(s.length + 1);
    switch (int(5)) {
      case 0: s = s.slice(0, at) + pick(bits) + s.slice(at); break; // insert
      case 1: s = s.slice(0, at) + s.slice(at + 1 + int(3)); break; // delete
      case 2: s = s.slice(0, at) + pick(bits) + s.slice(at + 1); break; // replace
      case 3: s = s.slice(0, at) + s.slice(at, at + 1 + int(8)).repeat(2) + s.slice(at + 1 + int(8)); break; // duplicate
      default: s = pick([" ", "\n", "\t", "\r"]) + s + pick(["", " ", "\n"]); // whitespace around
    }
  }
  return s;
}
// Random well-formed values written as the runtime writes them, sometimes re-spaced.
function randomValue(depth = 0) {
  const r = int(depth > 4 ? 4 : 7);
  switch (r) {
    case 0: return pick([null, true, false]);
    case 1: return pick([0, -0, 1, -1.5, 1e21, 5e-324, 1.7976931348623157e308, 123456789012345680000]);
    case 2: return Array.from({ length: int(4) }, () => pick(["a", "é", "\ud83d", "\udc00x", "😀", "\u0000", "q\"b\\s", "\u2028"])).join("");
    case 3: return "x".repeat(int(5));
    case 4: return Array.from({ length: int(4) }, () => randomValue(depth + 1));
    default: return Object.fromEntries(Array.from({ length: int(4) }, (_, i) => [pick(["a", "b", "", "é", "k" + i]), randomValue(depth + 1)]));
  }
}

const strings = new Set(seeds);
while (strings.size < count) {
  const r = rand();
  let s;
  if (r < 0.25) s = JSON.stringify(randomValue());
  else if (r < 0.35) s = JSON.stringify(randomValue(), null, pick([1, 2, "\t"]));
  else s = mutate(rand() < 0.5 ? pick(seeds) : JSON.stringify(randomValue()));
  // Only strings SQLite can hold as UTF-8 text (no lone surrogate code units: those
  // would be stored as U+FFFD; an escaped surrogate `\ud83d` is ASCII and stays).
  if (s.isWellFormed()) strings.add(s);
}
const list = [...strings];
const node = list.map((s) => { try { JSON.parse(s); return true; } catch { return false; } });

const r = spawnSync(path.resolve(args.rule), [], { input: list.map((s) => JSON.stringify(s)).join("\n") + "\n", encoding: "utf8", maxBuffer: 1 << 28 });
if (r.status !== 0) throw new Error(`rule exited ${r.status}: ${r.stderr}`);
const rule = r.stdout.trim().split("\n").map((l) => l === "1");
const wrong = list.map((s, i) => [s, node[i], rule[i]]).filter(([, a, b]) => a !== b);
const valid = node.filter(Boolean).length;
console.log(`JSON.parse vs statectl's rule: ${list.length} strings (${valid} valid, ${list.length - valid} not), ${wrong.length} disagreements`);
if (args.fixtures) {
  // The committed corpus: every seed and 2,500 of the generated strings.
  const keep = list.slice(0, seeds.length + 2500).map((s, i) => [s, node[i]]);
  fs.writeFileSync(path.join(path.resolve(args.fixtures), "json-parse.json"), JSON.stringify(keep).replaceAll('],["', '],\n["') + "\n");
}
if (wrong.length) {
  for (const [s, a] of wrong.slice(0, 20)) console.log(`  ${JSON.stringify(s)}: JSON.parse ${a ? "accepts" : "refuses"}, statectl ${a ? "refuses" : "accepts"}`);
  process.exit(1);
}
