// wast2json.mjs -- converts a .wast script whose modules use exception
// handling (try_table, which wabt's wast2json, tests/spec/run.sh's
// converter, can neither parse nor read in binary) into the spec runner's
// JSON: OUTDIR/NAME/NAME.json and NAME.N.wasm, as wabt would write them.
// Text modules are parsed with the wasm-tools that jco carries (as
// tests/component/wast2json.mjs does). Only the forms these scripts use:
// module, register, assert_return / assert_trap of an invoke,
// assert_invalid, assert_unlinkable; values i32, i64, f32, f64.
//   node tests/exceptions/wast2json.mjs IN.wast OUTDIR
import { readFileSync, writeFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [, , input, outdir] = process.argv;
if (!input || !outdir) {
  console.error('usage: wast2json.mjs IN.wast OUTDIR');
  process.exit(2);
}
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const f = join(root, 'tools/node_modules/@bytecodealliance/jco-transpile/vendor/wasm-tools.js');
if (!existsSync(f)) {
  console.error(`${f} is missing: run 'npm ci --prefix tools'`);
  process.exit(2);
}
const wt = await import(pathToFileURL(f).href);
await wt.$init;

const src = readFileSync(input, 'utf8');
const fail = (at, msg) => {
  const line = src.slice(0, at).split('\n').length;
  console.error(`${input}:${line}: ${msg}`);
  process.exit(1);
};

// s-expressions: {list, start, end, line} or {atom} / {str}
let pos = 0;
function skip() {
  for (;;) {
    if (/\s/.test(src[pos] || '')) pos++;
    else if (src.startsWith(';;', pos)) while (pos < src.length && src[pos] !== '\n') pos++;
    else if (src.startsWith('(;', pos)) {
      const e = src.indexOf(';)', pos);
      pos = e < 0 ? src.length : e + 2;
    } else return;
  }
}
function read() {
  skip();
  const start = pos;
  if (src[pos] === '(') {
    pos++;
    const list = [];
    for (;;) {
      skip();
      if (pos >= src.length) fail(start, 'unbalanced form');
      if (src[pos] === ')') break;
      list.push(read());
    }
    pos++;
    return { list, start, end: pos };
  }
  if (src[pos] === '"') {
    let s = '';
    for (pos++; src[pos] !== '"'; pos++) {
      if (pos >= src.length) fail(start, 'unterminated string');
      if (src[pos] === '\\') s += src[++pos] === 'n' ? '\n' : src[pos];
      else s += src[pos];
    }
    pos++;
    return { str: s, start };
  }
  const m = /^[^\s()";]+/.exec(src.slice(pos));
  if (!m) fail(pos, 'unexpected character');
  pos += m[0].length;
  return { atom: m[0], start };
}
const lineOf = (at) => src.slice(0, at).split('\n').length;

function value(e) {
  const [op, v] = [e.list[0].atom, e.list[1] && e.list[1].atom];
  const num = (s) => s.replace(/_/g, '');
  switch (op) {
    case 'i32.const': return { type: 'i32', value: String(Number(BigInt.asUintN(32, BigInt(num(v))))) };
    case 'i64.const': return { type: 'i64', value: String(BigInt.asUintN(64, BigInt(num(v)))) };
    case 'f32.const': {
      const b = new DataView(new ArrayBuffer(4));
      b.setFloat32(0, Number(num(v)));
      return { type: 'f32', value: String(b.getUint32(0)) };
    }
    case 'f64.const': {
      const b = new DataView(new ArrayBuffer(8));
      b.setFloat64(0, Number(num(v)));
      return { type: 'f64', value: String(b.getBigUint64(0)) };
    }
  }
  fail(e.start, `unsupported value ${op}`);
}

const name = basename(input, '.wast');
const dir = join(outdir, name);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
let nmod = 0;
function module(e) {
  let bytes;
  try {
    bytes = wt.tools.parse(src.slice(e.start, e.end));
  } catch (err) {
    fail(e.start, `wasm-tools: ${err && err.payload !== undefined ? err.payload : err}`);
  }
  const filename = `${name}.${nmod++}.wasm`;
  writeFileSync(join(dir, filename), bytes);
  const id = e.list[1] && e.list[1].atom && e.list[1].atom.startsWith('$') ? e.list[1].atom : undefined;
  return { filename, id };
}
function action(e) {
  if (e.list[0].atom !== 'invoke') fail(e.start, 'only invoke actions');
  let k = 1;
  const a = { type: 'invoke' };
  if (e.list[k].atom) a.module = e.list[k++].atom;
  a.field = e.list[k++].str;
  a.args = e.list.slice(k).map(value);
  return a;
}
const commands = [];
for (skip(); pos < src.length; skip()) {
  const e = read();
  const head = e.list && e.list[0].atom;
  const line = lineOf(e.start);
  if (head === 'module') {
    const m = module(e);
    commands.push({ type: 'module', line, ...(m.id ? { name: m.id } : {}), filename: m.filename });
  } else if (head === 'register') {
    commands.push({ type: 'register', line, ...(e.list[2] ? { name: e.list[2].atom } : {}), as: e.list[1].str });
  } else if (head === 'assert_return') {
    commands.push({ type: 'assert_return', line, action: action(e.list[1]), expected: e.list.slice(2).map(value) });
  } else if (head === 'assert_trap') {
    commands.push({ type: 'assert_trap', line, action: action(e.list[1]), text: e.list[2].str, expected: [] });
  } else if (head === 'assert_invalid' || head === 'assert_unlinkable') {
    const m = module(e.list[1]);
    commands.push({ type: head, line, filename: m.filename, text: e.list[2].str, module_type: 'binary' });
  } else {
    fail(e.start, `unsupported command ${head}`);
  }
}
writeFileSync(join(dir, name + '.json'), JSON.stringify({ source_filename: basename(input), commands }, null, 1));
