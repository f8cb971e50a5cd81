// Converts a component-model .wast script (the WebAssembly/component-model test suite's
// dialect, as wasmtime's `wast` reads it) into JSON commands plus one .wasm per component,
// for `warren wast --component`. Debian's wast2json knows only core modules, so components
// are assembled here with jco's `parse` (wasm-tools' text parser).
//
//   node wast2json.mjs JCO_API_JS SCRIPT.wast OUT_DIR
//
// writes OUT_DIR/STEM.json and OUT_DIR/STEM.N.wasm. Values in `invoke` and `assert_return`
// (`(u32.const 1)`, `(str.const "x")`, `(record.const (field "a" u32.const 1))`, ...) become
// WAVE text, which the runner parses against the function's types. A command this converter
// cannot express (text jco rejects, a value with no WAVE form, a directive it does not know)
// becomes {"type": "skip", "reason": ...}, so the runner can count it as unencodable.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { basename } from "node:path";

const [jcoPath, scriptPath, outDir] = process.argv.slice(2);
if (!jcoPath || !scriptPath || !outDir) {
  console.error("usage: node wast2json.mjs JCO_API_JS SCRIPT.wast OUT_DIR");
  process.exit(2);
}
const { parse } = await import(jcoPath);
const source = readFileSync(scriptPath, "utf8");
const stem = basename(scriptPath).replace(/\.wast$/, "");

class Unencodable extends Error {}

// ---- s-expressions: lists keep their source span so components can be cut out verbatim ----
function readSexprs(text) {
  let i = 0;
  const lineOf = (() => {
    const starts = [0];
    for (let k = 0; k < text.length; k++) if (text[k] === "\n") starts.push(k + 1);
    return (pos) => {
      let lo = 0, hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid] <= pos) lo = mid; else hi = mid - 1;
      }
      return lo + 1;
    };
  })();
  function skipSpace() {
    for (;;) {
      if (i >= text.length) return;
      const c = text[i];
      if (c === " " || c === "\t" || c === "\n" || c === "\r") i++;
      else if (text.startsWith(";;", i)) { while (i < text.length && text[i] !== "\n") i++; }
      else if (text.startsWith("(;", i)) {
        let depth = 0;
        do {
          if (text.startsWith("(;", i)) { depth++; i += 2; }
          else if (text.startsWith(";)", i)) { depth--; i += 2; }
          else if (i >= text.length) throw new Error("unterminated block comment");
          else i++;
        } while (depth > 0);
      } else return;
    }
  }
  function readOne() {
    skipSpace();
    const start = i;
    if (text[i] === "(") {
      i++;
      const items = [];
      for (;;) {
        skipSpace();
        if (i >= text.length) throw new Error(`unbalanced parenthesis opened at line ${lineOf(start)}`);
        if (text[i] === ")") { i++; break; }
        items.push(readOne());
      }
      return { list: items, start, end: i, line: lineOf(start) };
    }
    if (text[i] === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      i++;
      return { str: text.slice(start + 1, i - 1), start, end: i };
    }
    while (i < text.length && !/[\s()";]/.test(text[i])) i++;
    if (i === start) throw new Error(`unexpected character at line ${lineOf(start)}`);
    return { atom: text.slice(start, i), start, end: i };
  }
  const forms = [];
  for (;;) {
    skipSpace();
    if (i >= text.length) return forms;
    forms.push(readOne());
  }
}

// ---- wast string literals -> bytes ----
function stringBytes(raw) {
  const out = [];
  for (let k = 0; k < raw.length; ) {
    const c = raw[k];
    if (c !== "\\") {
      const cp = raw.codePointAt(k);
      out.push(...Buffer.from(String.fromCodePoint(cp), "utf8"));
      k += cp > 0xffff ? 2 : 1;
      continue;
    }
    const n = raw[k + 1];
    const simple = { n: 10, t: 9, r: 13, '"': 34, "'": 39, "\\": 92 }[n];
    if (simple !== undefined) { out.push(simple); k += 2; }
    else if (n === "u") {
      const close = raw.indexOf("}", k);
      const cp = parseInt(raw.slice(k + 3, close), 16);
      out.push(...Buffer.from(String.fromCodePoint(cp), "utf8"));
      k = close + 1;
    } else { out.push(parseInt(raw.slice(k + 1, k + 3), 16)); k += 3; }
  }
  return Buffer.from(out);
}

function stringText(raw) {
  const bytes = stringBytes(raw);
  const text = new TextDecoder("utf-8", { fatal: true });
  try { return text.decode(bytes); } catch { throw new Unencodable("a string that is not UTF-8"); }
}

// ---- values -> WAVE ----
const keywords = new Set(["true", "false", "nan", "inf", "some", "none", "ok", "err"]);
const label = (s) => (keywords.has(s) ? "%" + s : s);

function waveString(s, quote) {
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0);
    if (ch === quote || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (cp < 0x20 || cp === 0x7f) out += `\\u{${cp.toString(16)}}`;
    else out += ch;
  }
  return out + quote;
}

function integerText(atom) {
  let s = atom.replace(/_/g, "");
  let neg = false;
  if (s[0] === "-" || s[0] === "+") { neg = s[0] === "-"; s = s.slice(1); }
  const v = BigInt(s); // decimal or 0x hex
  return (neg ? "-" : "") + v.toString();
}

function floatText(atom) {
  const s = atom.replace(/_/g, "");
  if (/^[+-]?nan(:.*)?$/.test(s)) return "nan";
  if (/^[+-]?inf$/.test(s)) return s[0] === "-" ? "-inf" : "inf";
  if (/^[+-]?\d+(\.\d*)?([eE][+-]?\d+)?$/.test(s)) return s;
  const hex = /^([+-]?)0x([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/.exec(s);
  if (!hex) throw new Unencodable(`float literal ${atom}`);
  const digits = (hex[2] || "") + (hex[3] || "");
  const v = Number(BigInt("0x" + (digits || "0"))) * 2 ** (Number(hex[4] || 0) - 4 * (hex[3] || "").length);
  if (!Number.isFinite(v) || BigInt("0x" + (digits || "0")) > 2n ** 53n) throw new Unencodable(`float literal ${atom}`);
  return (hex[1] === "-" ? "-" : "") + String(v);
}

// One value from items[k...]: either a list `(T.const ...)` or, inside `(field "x" T.const ...)`,
// the bare head atom followed by its operands. Returns [wave, next index].
function valueAt(items, k) {
  const node = items[k];
  if (node.list) return [valueOf(node.list), k + 1];
  return [valueOf(items.slice(k)), items.length];
}

function valueOf(items) {
  const head = items[0] && items[0].atom;
  const rest = items.slice(1);
  const one = () => {
    if (!rest[0]) throw new Unencodable(`${head} without an operand`);
    return rest[0];
  };
  switch (head) {
    case "bool.const": return one().atom === "true" ? "true" : "false";
    case "s8.const": case "u8.const": case "s16.const": case "u16.const":
    case "s32.const": case "u32.const": case "s64.const": case "u64.const":
      return integerText(one().atom);
    case "f32.const": case "f64.const": return floatText(one().atom);
    case "char.const": {
      const s = stringText(one().str);
      if ([...s].length !== 1) throw new Unencodable("char.const of more than one character");
      return waveString(s, "'");
    }
    case "str.const": return waveString(stringText(one().str), '"');
    case "list.const": return "[" + rest.map((v) => valueOf(v.list)).join(", ") + "]";
    case "tuple.const": return "(" + rest.map((v) => valueOf(v.list)).join(", ") + ")";
    case "record.const": {
      if (!rest.length) return "{:}";
      return "{" + rest.map((f) => {
        if (!f.list || f.list[0].atom !== "field") throw new Unencodable("record.const without (field ...)");
        return label(f.list[1].str) + ": " + valueAt(f.list, 2)[0];
      }).join(", ") + "}";
    }
    case "variant.const": case "enum.const": {
      const name = label(one().str);
      return rest.length > 1 ? `${name}(${valueAt(rest, 1)[0]})` : name;
    }
    case "flags.const": return "{" + rest.map((f) => label(f.str)).join(", ") + "}";
    case "option.none": return "none";
    case "option.some": return `some(${valueAt(rest, 0)[0]})`;
    case "result.ok": return rest.length ? `ok(${valueAt(rest, 0)[0]})` : "ok";
    case "result.err": return rest.length ? `err(${valueAt(rest, 0)[0]})` : "err";
    default: throw new Unencodable(`value ${head || "?"} has no WAVE form`);
  }
}

// ---- commands ----
let wasmCount = 0;
async function assemble(node) {
  // `(component definition $X ...)` and `(component $X ...)` assemble the same text without
  // the script-level keyword; `(component binary "..." ...)` is bytes already.
  const items = node.list;
  let kind = "text";
  let body = source.slice(node.start, node.end);
  if (items[1] && items[1].atom === "definition") {
    body = "(component" + source.slice(items[1].end, node.end);
  }
  const after = items.findIndex((it, k) => k > 0 && it.atom !== "definition" && !(it.atom || "").startsWith("$"));
  if (after > 0 && items[after].atom === "binary") kind = "binary";
  if (after > 0 && items[after].atom === "quote") throw new Unencodable("(component quote ...)");
  let bytes;
  if (kind === "binary") {
    bytes = Buffer.concat(items.slice(after + 1).map((s) => stringBytes(s.str)));
  } else {
    try {
      bytes = await parse(body);
    } catch (e) {
      throw new Unencodable(`jco parse: ${String(e.message || e).split("\n")[0]}`);
    }
    if (!bytes || !bytes.length) throw new Unencodable("jco parse produced nothing");
  }
  const filename = `${stem}.${wasmCount++}.wasm`;
  writeFileSync(`${outDir}/${filename}`, bytes);
  return filename;
}

const nameOf = (items) => (items[1] && items[1].atom && items[1].atom.startsWith("$") ? items[1].atom : null);

function action(node) {
  const items = node.list;
  if (items[0].atom !== "invoke") throw new Unencodable(`action ${items[0].atom}`);
  let k = 1;
  const instance = items[k].atom && items[k].atom.startsWith("$") ? items[k++].atom : null;
  const field = items[k++].str;
  return { type: "invoke", instance, field: stringText(field), args: items.slice(k).map((v) => valueOf(v.list)) };
}

async function command(node) {
  const items = node.list;
  const head = items[0].atom;
  const line = node.line;
  switch (head) {
    case "component": {
      if (items[1] && items[1].atom === "instance")
        return { type: "component_instance", line, instance: items[2].atom, definition: items[3].atom };
      const definition = items[1] && items[1].atom === "definition";
      const name = definition ? items[2].atom : nameOf(items);
      return { type: definition ? "component_definition" : "component", line, name, filename: await assemble(node) };
    }
    case "invoke": return { type: "action", line, action: action(node) };
    case "assert_return":
      return { type: "assert_return", line, action: action(items[1]), expected: items.slice(2).map((v) => valueOf(v.list)) };
    case "assert_trap":
      if (items[1].list[0].atom === "component")
        return { type: "assert_uninstantiable", line, filename: await assemble(items[1]), text: stringText(items[2].str) };
      return { type: "assert_trap", line, action: action(items[1]), text: stringText(items[2].str) };
    case "assert_invalid": case "assert_malformed": case "assert_unlinkable":
      return { type: head, line, filename: await assemble(items[1]), text: stringText(items[2].str) };
    default: throw new Unencodable(`directive ${head}`);
  }
}

mkdirSync(outDir, { recursive: true });
const commands = [];
for (const node of readSexprs(source)) {
  if (!node.list || !node.list[0] || !node.list[0].atom) throw new Error(`not a command at offset ${node.start}`);
  try {
    commands.push(await command(node));
  } catch (e) {
    if (!(e instanceof Unencodable)) throw e;
    const entry = { type: "skip", line: node.line, command: node.list[0].atom, reason: e.message };
    // a component the runner cannot load makes the commands that use it unencodable too
    if (node.list[0].atom === "component") entry.name = node.list[1] && node.list[1].atom === "definition" ? node.list[2].atom : nameOf(node.list);
    commands.push(entry);
  }
}
writeFileSync(`${outDir}/${stem}.json`, JSON.stringify({ source_filename: basename(scriptPath), commands }, null, 1) + "\n");
