// Tests of the .wast front end's reader and value conversion:
//   node --test tests/component/wast2json.test.mjs
import test from 'node:test';
import assert from 'node:assert/strict';
import { readSexprs, toWave, errorReason } from './wast2json.mjs';

test('reader: comments, strings, nesting, lines', () => {
  const src = ';; line comment (\n(a "x)(;" (; block (; nested ;) ) ;) b)\n(; ;)\n\n(c)';
  const top = readSexprs(src);
  assert.equal(top.length, 2);
  assert.equal(top[0].items.length, 3);
  assert.equal(top[0].items[1].kind, 'string');
  assert.equal(new TextDecoder().decode(top[0].items[1].bytes), 'x)(;');
  assert.equal(top[0].items[2].text, 'b');
  assert.equal(top[0].line, 2);
  assert.equal(top[1].line, 5);
  assert.equal(src.slice(top[0].start, top[0].end).endsWith('b)'), true);
});

test('reader: string escapes are bytes', () => {
  const [l] = readSexprs('(s "\\00as\\t\\u{1f370}\\"")');
  assert.deepEqual([...l.items[1].bytes], [0, 0x61, 0x73, 9, 0xf0, 0x9f, 0x8d, 0xb0, 0x22]);
});

test('reader: errors name the line', () => {
  assert.throws(() => readSexprs('(a\n(b)'), (e) => e.line === 1 && /unclosed/.test(e.message));
  assert.throws(() => readSexprs('\n)'), (e) => e.line === 2);
  assert.throws(() => readSexprs('(a "x\n")'), /line break/);
  assert.throws(() => readSexprs('(; a'), /unterminated block comment/);
});

const wave = (s) => toWave(readSexprs(s)[0]);

test('values to WAVE', () => {
  assert.equal(wave('(u32.const 0x10)'), '16');
  assert.equal(wave('(s64.const -1_000)'), '-1000');
  assert.equal(wave('(bool.const false)'), 'false');
  assert.equal(wave('(f32.const nan:0x200000)'), 'nan');
  assert.equal(wave('(f64.const -inf)'), '-inf');
  assert.equal(wave('(f64.const 0x1p-1)'), '0.5');
  assert.equal(wave('(f32.const 1e3)'), '1000');
  assert.equal(wave('(char.const "\'")'), "'\\''");
  assert.equal(wave('(str.const "a\\"b\\n")'), '"a\\"b\\n"');
  assert.equal(wave('(list.const (u8.const 1) (u8.const 2))'), '[1, 2]');
  assert.equal(wave('(tuple.const (str.const "x") (u32.const 42))'), '("x", 42)');
  assert.equal(wave('(record.const (field "a" u32.const 1) (field "none" (str.const "x")))'), '{a: 1, %none: "x"}');
  assert.equal(wave('(variant.const "b" (f32.const 5))'), 'b(5)');
  assert.equal(wave('(variant.const "ok")'), '%ok');
  assert.equal(wave('(enum.const "red")'), 'red');
  assert.equal(wave('(flags.const "a" "c")'), '{a, c}');
  assert.equal(wave('(flags.const)'), '{}');
  assert.equal(wave('(option.some (option.none))'), 'some(none)');
  assert.equal(wave('(result.ok)'), 'ok');
  assert.equal(wave('(result.err (u32.const 404))'), 'err(404)');
  assert.throws(() => wave('(u32.const x)'), /bad integer/);
  assert.throws(() => wave('(char.const "ab")'), /one character/);
  assert.throws(() => wave('(foo.const 1)'), /unknown value form/);
});

test('wasm-tools error reasons', () => {
  assert.equal(errorReason('Error { kind: Custom("a \\"q\\" b") }'), 'a "q" b');
  assert.equal(errorReason("kind: Lex(InvalidStringEscape('z'))"), 'invalid string escape');
  assert.equal(errorReason('other'), 'other');
});
