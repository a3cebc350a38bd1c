#!/usr/bin/env node
// wast2json.mjs -- the front end of the component-model .wast runner.
//
// Usage: node tests/component/wast2json.mjs [-o OUTDIR | -O TREE] FILE.wast...
//   -o OUTDIR  every file's output in OUTDIR (default .)
//   -O TREE    each file's output in TREE/PARENT/NAME/, PARENT being the
//              name of the directory holding NAME.wast (values/strings.wast
//              goes to TREE/values/strings/)
//
// Splits each script into its top-level directives, turns every component
// written in text into a binary (with the wasm-tools parser that jco
// carries, compiled to WebAssembly, loaded once: no process per component),
// and writes OUTDIR/NAME.json, a list of commands in the manner of wabt's
// wast2json, plus OUTDIR/NAME.N.wasm. Values in invoke arguments and
// expected results are written as WAVE text (see include/hive/cvalue.h);
// the runner reads them with the function's types. docs/COMPONENTS-TESTING.md
// describes the commands.
//
// Exit status: 0 when every file was converted, 1 otherwise (a message on
// stderr names the file, line and reason).

import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const toolsDir = process.env.HIVE_TOOLS_DIR || resolve(here, '../../tools');

class WastError extends Error {
  constructor(line, msg) {
    super(msg);
    this.line = line;
  }
}

// ---- s-expression reader -------------------------------------------------

// A node is {kind: 'list', items, start, end, line} (start/end: offsets of
// the parentheses in the source), {kind: 'atom', text, start, end, line} or
// {kind: 'string', bytes: Uint8Array, raw, start, end, line}.
export function readSexprs(src) {
  let pos = 0;
  let line = 1;
  const n = src.length;
  const top = [];
  const stack = [];

  function advance(k) {
    for (let i = 0; i < k; i++) if (src.charCodeAt(pos + i) === 10) line++;
    pos += k;
  }
  function skipBlockComment() {
    const startLine = line;
    let depth = 0;
    while (pos < n) {
      if (src.startsWith('(;', pos)) {
        depth++;
        advance(2);
      } else if (src.startsWith(';)', pos)) {
        depth--;
        advance(2);
        if (depth === 0) return;
      } else {
        advance(1);
      }
    }
    throw new WastError(startLine, 'unterminated block comment');
  }
  function readString() {
    const start = pos;
    const startLine = line;
    advance(1);
    const bytes = [];
    const enc = new TextEncoder();
    while (true) {
      if (pos >= n) throw new WastError(startLine, 'unterminated string');
      const c = src[pos];
      if (c === '"') {
        advance(1);
        break;
      }
      if (c === '\n') throw new WastError(line, 'line break in a string');
      if (c !== '\\') {
        const cp = src.codePointAt(pos);
        const ch = String.fromCodePoint(cp);
        for (const b of enc.encode(ch)) bytes.push(b);
        advance(ch.length);
        continue;
      }
      const e = src[pos + 1];
      const simple = { n: 10, t: 9, r: 13, '"': 34, "'": 39, '\\': 92 };
      if (e in simple) {
        bytes.push(simple[e]);
        advance(2);
      } else if (e === 'u') {
        const m = /^\\u\{([0-9a-fA-F_]+)\}/.exec(src.slice(pos, pos + 16));
        if (!m) throw new WastError(line, 'bad \\u escape in a string');
        const cp = parseInt(m[1].replace(/_/g, ''), 16);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
          throw new WastError(line, 'bad \\u escape in a string');
        for (const b of enc.encode(String.fromCodePoint(cp))) bytes.push(b);
        advance(m[0].length);
      } else if (/^[0-9a-fA-F]{2}$/.test(src.slice(pos + 1, pos + 3))) {
        bytes.push(parseInt(src.slice(pos + 1, pos + 3), 16));
        advance(3);
      } else {
        throw new WastError(line, 'bad escape in a string');
      }
    }
    return { kind: 'string', bytes: Uint8Array.from(bytes), raw: src.slice(start, pos), start, end: pos, line: startLine };
  }
  function push(node) {
    if (stack.length) stack[stack.length - 1].items.push(node);
    else top.push(node);
  }

  while (pos < n) {
    const c = src[pos];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      advance(1);
    } else if (src.startsWith(';;', pos)) {
      while (pos < n && src[pos] !== '\n') pos++;
    } else if (src.startsWith('(;', pos)) {
      skipBlockComment();
    } else if (c === '(') {
      stack.push({ kind: 'list', items: [], start: pos, line });
      advance(1);
    } else if (c === ')') {
      const l = stack.pop();
      if (!l) throw new WastError(line, "unbalanced ')'");
      advance(1);
      l.end = pos;
      push(l);
    } else if (c === '"') {
      push(readString());
    } else {
      const start = pos;
      const startLine = line;
      while (pos < n && !/[\s()";]/.test(src[pos])) pos++;
      // A ';' inside an atom is part of it unless it starts a comment.
      while (pos < n && src[pos] === ';' && src[pos + 1] !== ';' && src[pos + 1] !== ')') {
        pos++;
        while (pos < n && !/[\s()";]/.test(src[pos])) pos++;
      }
      if (pos === start) throw new WastError(line, `unexpected character '${c}'`);
      push({ kind: 'atom', text: src.slice(start, pos), start, end: pos, line: startLine });
    }
  }
  if (stack.length) throw new WastError(stack[stack.length - 1].line, "unclosed '('");
  return top;
}

const isAtom = (node, text) => node && node.kind === 'atom' && (text === undefined || node.text === text);
const isId = (node) => isAtom(node) && node.text.startsWith('$');
const head = (node) => (node && node.kind === 'list' && isAtom(node.items[0]) ? node.items[0].text : null);
const utf8 = new TextDecoder('utf-8', { fatal: true });
function str(node, what) {
  if (!node || node.kind !== 'string') throw new WastError(node ? node.line : 0, `expected a string for ${what}`);
  try {
    return utf8.decode(node.bytes);
  } catch {
    throw new WastError(node.line, `${what} is not valid UTF-8`);
  }
}

// ---- values to WAVE ------------------------------------------------------

const KEYWORDS = new Set(['true', 'false', 'some', 'none', 'ok', 'err', 'inf', 'nan']);
const label = (s) => (KEYWORDS.has(s) ? '%' + s : s);

function waveChar(cp, quote) {
  const ch = String.fromCodePoint(cp);
  switch (ch) {
    case '\t': return '\\t';
    case '\n': return '\\n';
    case '\r': return '\\r';
    case '\\': return '\\\\';
  }
  if (ch === quote) return '\\' + quote;
  if (cp < 0x20 || cp === 0x7f) return `\\u{${cp.toString(16)}}`;
  return ch;
}
function waveString(s, quote) {
  let out = quote;
  for (const ch of s) out += waveChar(ch.codePointAt(0), quote);
  return out + quote;
}

function intText(tok, line) {
  let t = tok.replace(/_/g, '');
  let neg = false;
  if (t[0] === '-' || t[0] === '+') {
    neg = t[0] === '-';
    t = t.slice(1);
  }
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(t)) throw new WastError(line, `bad integer '${tok}'`);
  const v = BigInt(t);
  return (neg && v !== 0n ? '-' : '') + v.toString();
}

function hexFloat(t) {
  // 0x[h*][.h*][p[+-]d+]
  const m = /^0x([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?[0-9]+))?$/.exec(t);
  if (!m || (m[1] === '' && (m[2] ?? '') === '')) return null;
  const digits = m[1] + (m[2] ?? '');
  let mant = BigInt('0x' + (digits || '0'));
  let exp = parseInt(m[3] ?? '0', 10) - 4 * (m[2] ?? '').length;
  // Exact enough for the values the tests use: scale through doubles.
  return Number(mant) * Math.pow(2, exp);
}

function floatText(tok, line) {
  let t = tok.replace(/_/g, '');
  let sign = '';
  if (t[0] === '-' || t[0] === '+') {
    sign = t[0] === '-' ? '-' : '';
    t = t.slice(1);
  }
  if (t === 'inf') return sign + 'inf';
  if (t === 'nan' || t.startsWith('nan:')) return 'nan';
  let v;
  if (t.startsWith('0x')) {
    v = hexFloat(t);
    if (v === null) throw new WastError(line, `bad float '${tok}'`);
  } else {
    if (!/^[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?$/.test(t)) throw new WastError(line, `bad float '${tok}'`);
    v = Number(t);
  }
  if (!Number.isFinite(v)) return sign + 'inf';
  let s = String(v);
  if (sign === '-') s = '-' + s;
  return s;
}

// A value node: (T.const ...), (option.some v) ... Returns WAVE text.
export function toWave(node) {
  if (!node || node.kind !== 'list' || !isAtom(node.items[0]))
    throw new WastError(node ? node.line : 0, 'expected a value');
  return valueFrom(node.items[0].text, node.items.slice(1), node.line);
}

function valueFrom(kw, args, line) {
  const one = (what) => {
    if (args.length !== 1) throw new WastError(line, `${kw} takes one ${what}`);
    return args[0];
  };
  const atomArg = () => {
    const a = one('literal');
    if (a.kind !== 'atom') throw new WastError(line, `${kw} takes a literal`);
    return a.text;
  };
  switch (kw) {
    case 'bool.const': {
      const t = atomArg();
      if (t !== 'true' && t !== 'false') throw new WastError(line, 'bool.const takes true or false');
      return t;
    }
    case 'u8.const': case 's8.const': case 'u16.const': case 's16.const':
    case 'u32.const': case 's32.const': case 'u64.const': case 's64.const':
      return intText(atomArg(), line);
    case 'f32.const': case 'f64.const':
      return floatText(atomArg(), line);
    case 'char.const': {
      const s = str(one('string'), 'char.const');
      const cps = [...s];
      if (cps.length !== 1) throw new WastError(line, 'char.const takes one character');
      return waveString(s, "'");
    }
    case 'str.const':
      return waveString(str(one('string'), 'str.const'), '"');
    case 'list.const':
      return '[' + args.map(toWave).join(', ') + ']';
    case 'tuple.const':
      return '(' + args.map(toWave).join(', ') + ')';
    case 'record.const':
      return '{' + args.map((f) => {
        if (head(f) !== 'field') throw new WastError(line, 'record.const takes (field "name" value)...');
        const name = str(f.items[1], 'a field name');
        return label(name) + ': ' + fieldValue(f.items.slice(2), f.line);
      }).join(', ') + '}';
    case 'variant.const': {
      if (args.length < 1 || args.length > 2) throw new WastError(line, 'variant.const takes a case name and an optional value');
      const c = label(str(args[0], 'a case name'));
      return args.length === 2 ? `${c}(${toWave(args[1])})` : c;
    }
    case 'enum.const':
      return label(str(one('case name'), 'a case name'));
    case 'flags.const':
      return '{' + args.map((a) => label(str(a, 'a flag name'))).join(', ') + '}';
    case 'option.none':
      if (args.length) throw new WastError(line, 'option.none takes nothing');
      return 'none';
    case 'option.some':
      return `some(${toWave(one('value'))})`;
    case 'result.ok': case 'result.err': {
      const k = kw === 'result.ok' ? 'ok' : 'err';
      if (args.length > 1) throw new WastError(line, `${kw} takes at most one value`);
      return args.length ? `${k}(${toWave(args[0])})` : k;
    }
    default:
      throw new WastError(line, `unknown value form (${kw} ...)`);
  }
}

// (field "name" (u32.const 1)) or (field "name" u32.const 1).
function fieldValue(rest, line) {
  if (rest.length === 1 && rest[0].kind === 'list') return toWave(rest[0]);
  if (rest.length >= 1 && rest[0].kind === 'atom') return valueFrom(rest[0].text, rest.slice(1), line);
  throw new WastError(line, 'a field needs a value');
}

// ---- components ----------------------------------------------------------

let tools = null;
async function loadTools() {
  if (tools) return tools;
  const f = join(toolsDir, 'node_modules/@bytecodealliance/jco-transpile/vendor/wasm-tools.js');
  if (!existsSync(f))
    throw new Error(`${f} is missing: run 'npm ci --prefix tools' (scripts/install-deps.sh test does)`);
  const m = await import(pathToFileURL(f).href);
  await m.$init;
  tools = m.tools;
  return tools;
}

// The reason in a wasm-tools error (a Rust Debug rendering): the text of
// Custom("..."), or the words of a lexer error kind (InvalidStringEscape
// -> "invalid string escape").
export function errorReason(raw) {
  let m = /kind: Custom\("((?:[^"\\]|\\.)*)"\)/.exec(raw);
  if (m) return m[1].replace(/\\(.)/g, '$1');
  m = /kind: Lex\(([A-Za-z]+)/.exec(raw);
  if (m) return m[1].replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return raw;
}

function watParse(text) {
  try {
    return { bytes: tools.parse(text) };
  } catch (e) {
    const raw = e && e.payload !== undefined ? String(e.payload) : String(e && e.message ? e.message : e);
    return { error: errorReason(raw), rawError: raw };
  }
}

function concatBytes(nodes, line) {
  const parts = nodes.map((s) => {
    if (s.kind !== 'string') throw new WastError(line, 'binary and quote forms take strings only');
    return s.bytes;
  });
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

// (component [definition] [$id] [binary|quote] ...). Returns
// {name, definition, form: 'text'|'binary'|'quote', bytes | error}.
function component(node, src) {
  const items = node.items;
  let i = 1;
  let definition = false;
  let name = null;
  if (isAtom(items[i], 'definition')) {
    definition = true;
    i++;
  }
  if (isId(items[i])) name = items[i++].text;
  if (isAtom(items[i], 'binary')) {
    return { name, definition, form: 'binary', bytes: concatBytes(items.slice(i + 1), node.line) };
  }
  if (isAtom(items[i], 'quote')) {
    const text = new TextDecoder().decode(concatBytes(items.slice(i + 1), node.line));
    return { name, definition, form: 'quote', ...watParse(`(component ${text})`) };
  }
  // The text from after the header to the closing parenthesis.
  const bodyStart = i < items.length ? items[i].start : node.end - 1;
  const text = '(component ' + (name ? name + ' ' : '') + src.slice(bodyStart, node.end);
  return { name, definition, form: 'text', ...watParse(text) };
}

function action(node) {
  if (head(node) !== 'invoke') throw new WastError(node.line, `unknown action (${head(node)} ...)`);
  const items = node.items;
  let i = 1;
  let instance = null;
  if (isId(items[i])) instance = items[i++].text;
  const field = str(items[i++], 'the export name');
  return { type: 'invoke', instance, field, args: items.slice(i).map(toWave) };
}

export async function convert(file, outdir) {
  await loadTools();
  const src = readFileSync(file, 'utf8');
  const base = basename(file).replace(/\.wast$/, '');
  const commands = [];
  let nwasm = 0;
  const writeWasm = (bytes) => {
    const name = `${base}.${nwasm++}.wasm`;
    writeFileSync(join(outdir, name), bytes);
    return name;
  };
  // A component: its file, or the text error.
  const compFields = (node) => {
    const c = component(node, src);
    const o = { name: c.name, form: c.form };
    if (c.bytes) o.filename = writeWasm(c.bytes);
    else o.text_error = c.error;
    if (c.error) o.text_error_raw = c.rawError;
    return { o, c };
  };

  for (const d of readSexprs(src)) {
    const h = head(d);
    const line = d.line;
    if (h === null) throw new WastError(line, 'expected a directive');
    switch (h) {
      case 'component': {
        if (isAtom(d.items[1], 'instance')) {
          // (component instance $i $C)
          const name = isId(d.items[2]) ? d.items[2].text : null;
          const of = d.items[name ? 3 : 2];
          if (!isId(of)) throw new WastError(line, 'component instance needs a component $id');
          commands.push({ type: 'instance', line, name, component: of.text });
          break;
        }
        // One that does not parse is kept (with text_error): the runner
        // counts it failed, and the commands that need it fail after it.
        const { o, c } = compFields(d);
        if (!o.filename) console.error(`${file}:${line}: warning: component does not parse: ${c.error}`);
        commands.push({ type: 'component', line, ...o, instantiate: !c.definition });
        break;
      }
      case 'module': {
        throw new WastError(line, 'a core module as a top-level directive is not supported');
      }
      case 'invoke':
        commands.push({ type: 'action', line, action: action(d) });
        break;
      case 'assert_return': {
        commands.push({ type: 'assert_return', line, action: action(d.items[1]), expected: d.items.slice(2).map(toWave) });
        break;
      }
      case 'assert_trap': {
        const what = d.items[1];
        const text = str(d.items[2], 'the trap message');
        if (head(what) === 'component') {
          const { o } = compFields(what);
          commands.push({ type: 'assert_trap', line, component: o, text });
        } else {
          commands.push({ type: 'assert_trap', line, action: action(what), text });
        }
        break;
      }
      case 'assert_invalid':
      case 'assert_malformed':
      case 'assert_unlinkable': {
        const what = d.items[1];
        if (head(what) !== 'component') throw new WastError(line, `${h} expects a component`);
        const { o } = compFields(what);
        commands.push({ type: h, line, ...o, text: str(d.items[2], 'the expected message') });
        break;
      }
      default:
        throw new WastError(line, `unknown directive (${h} ...)`);
    }
  }
  const json = { source_filename: file, commands };
  writeFileSync(join(outdir, `${base}.json`), JSON.stringify(json, null, 1) + '\n');
  return json;
}

async function main() {
  const argv = process.argv.slice(2);
  let outdir = '.';
  let tree = null;
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '-o') outdir = argv[++i];
    else if (argv[i] === '-O') tree = argv[++i];
    else files.push(argv[i]);
  }
  if (!files.length || (tree === undefined || outdir === undefined)) {
    console.error('usage: wast2json.mjs [-o OUTDIR | -O TREE] FILE.wast...');
    process.exit(2);
  }
  let failed = 0;
  for (const f of files) {
    try {
      const dir = tree ? join(tree, basename(dirname(resolve(f))), basename(f).replace(/\.wast$/, '')) : outdir;
      mkdirSync(dir, { recursive: true });
      await convert(f, dir);
    } catch (e) {
      failed++;
      console.error(`${f}:${e.line ?? 0}: ${e.message}`);
    }
  }
  process.exit(failed ? 1 : 0);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
