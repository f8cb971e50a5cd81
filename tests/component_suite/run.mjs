// One ctest of the component-model suite: converts SCRIPT.wast (wast2json.mjs), runs it with
// `warren wast --component`, prints the runner's report and its `N passed, N failed, N skipped`
// line, and passes when the failing commands are exactly the ones known_failures.txt lists for
// this file: a new failure fails the test, and so does a listed failure that now passes (so
// the list stays honest).
//
//   node run.mjs JCO_API_JS WARREN SCRIPT.wast OUT_DIR KNOWN_FAILURES
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const [jco, warren, script, outDir, knownPath] = process.argv.slice(2);
if (!knownPath) {
  console.error("usage: node run.mjs JCO_API_JS WARREN SCRIPT.wast OUT_DIR KNOWN_FAILURES");
  process.exit(2);
}
const file = basename(script);
const here = dirname(fileURLToPath(import.meta.url));

const convert = spawnSync(process.execPath, [join(here, "wast2json.mjs"), jco, script, outDir], { encoding: "utf8" });
if (convert.status !== 0) {
  console.error(`converting ${file} failed:\n${convert.stderr}`);
  process.exit(1);
}

// The suite is run by wasmtime with these core proposals on.
const run = spawnSync(warren, ["wast", "--component", "--enable-multi-memory", "--enable-exceptions",
  join(outDir, file.replace(/\.wast$/, ".json"))], { encoding: "utf8", timeout: 120000 });
process.stdout.write(run.stdout || "");
process.stderr.write(run.stderr || "");
if (run.error || (run.status !== 0 && run.status !== 1) || !/^\d+ passed, \d+ failed, \d+ skipped$/m.test(run.stdout)) {
  console.error(`warren wast --component did not finish (${run.error ? run.error.message : `status ${run.status}, signal ${run.signal}`})`);
  process.exit(1);
}

// Failing lines: "FILE:LINE: message", except "FILE:LINE: skipped: ..." and notes.
const failed = new Set();
for (const line of run.stdout.split("\n")) {
  const m = /^([^:]+):(\d+): (.*)$/.exec(line);
  if (m && m[1] === file && !m[3].startsWith("skipped:") && !m[3].startsWith("note:")) failed.add(Number(m[2]));
}

// known_failures.txt: "FILE:LINE<TAB>reason" or "FILE:FIRST-LAST<TAB>reason" (every failure
// in the range has that reason, and at least one command in it still fails); # comments.
const known = [];
for (const [k, raw] of readFileSync(knownPath, "utf8").split("\n").entries()) {
  const line = raw.trim();
  if (!line || line.startsWith("#")) continue;
  const m = /^([^:\s]+):(\d+)(?:-(\d+))?\s+(\S.*)$/.exec(line);
  if (!m) {
    console.error(`${knownPath}:${k + 1}: expected FILE:LINE[-LAST] and a reason`);
    process.exit(1);
  }
  if (m[1] === file) known.push({ first: Number(m[2]), last: Number(m[3] || m[2]), reason: m[4], where: k + 1 });
}

let ok = true;
for (const line of [...failed].sort((a, b) => a - b)) {
  if (!known.some((e) => e.first <= line && line <= e.last)) {
    console.log(`NEW FAILURE ${file}:${line} (not in known_failures.txt)`);
    ok = false;
  }
}
for (const e of known) {
  const still = [...failed].some((line) => e.first <= line && line <= e.last);
  if (!still) {
    console.log(`FIXED ${file}:${e.first}${e.last !== e.first ? "-" + e.last : ""} now passes: remove known_failures.txt line ${e.where} (${e.reason})`);
    ok = false;
  }
}
process.exit(ok ? 0 : 1);
