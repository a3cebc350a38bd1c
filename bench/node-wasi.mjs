// node-wasi.mjs -- runs a wasm32-wasi command under node's built-in WASI.
//
//   node --no-turbo-fast-api-calls node-wasi.mjs prog.wasm [args...]
//
// The guest gets prog.wasm and args as its argv, an empty environment, no
// preopened directories, and the process's stdin/stdout/stderr; the exit
// status is the guest's. (--no-turbo-fast-api-calls: node 20 crashes
// without it when a guest's memory grows large.)
import { readFile } from 'node:fs/promises';
import process from 'node:process';
import { WASI } from 'node:wasi';

const [file, ...args] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node node-wasi.mjs prog.wasm [args...]\n');
  process.exit(2);
}
const wasi = new WASI({ version: 'preview1', args: [file, ...args], env: {}, preopens: {}, returnOnExit: true });
let code;
try {
  const module = await WebAssembly.compile(await readFile(file));
  const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
  code = wasi.start(instance);
} catch (e) {
  process.stderr.write(`node-wasi: ${file}: ${e && e.stack ? e.stack : e}\n`);
  code = 134;
}
process.exitCode = code;
