// jco-embed.mjs -- `jco embed` with the WIT directory readable.
//
// jco 1.35.0's command line runs wasm-tools (compiled to WebAssembly) with
// no preopened directories, so `jco embed --wit DIR` cannot read DIR. This
// calls the same API after preopening "/" for it.
//
//   node tools/jco-embed.mjs CORE.wasm WIT-DIR WORLD OUT.wasm
import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { _setPreopens } from "./node_modules/@bytecodealliance/jco-transpile/node_modules/@bytecodealliance/preview2-shim/dist/nodejs/filesystem.js";
import { componentEmbed } from "./node_modules/@bytecodealliance/jco-transpile/dist/wasm-tools.js";

const [core, wit, world, out] = process.argv.slice(2);
if (!out) {
  console.error("usage: node tools/jco-embed.mjs CORE.wasm WIT-DIR WORLD OUT.wasm");
  process.exit(2);
}
_setPreopens({ "/": "/" });
const bytes = await componentEmbed({
  binary: await readFile(core),
  witPath: resolve(wit),
  world,
});
await writeFile(out, bytes);
