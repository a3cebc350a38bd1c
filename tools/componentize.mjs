// componentize.mjs -- makes a wasi:http/proxy component of a JavaScript
// file with componentize-js (tools/package.json).
//
//   node tools/componentize.mjs SOURCE.js WASI-WIT-DIR OUT.wasm
//
// componentize-js 0.22.0's engine (StarlingMonkey) speaks wasi:http@0.2.10
// and its splicer merges the world we give with the engine's own, so the
// WIT must be 0.2.10's. WASI-WIT-DIR holds the 0.2.12 packages (cli,
// clocks, filesystem, http, io, random): they are copied into a temporary
// directory with the version rewritten to 0.2.10 and the @since /
// @deprecated gates removed (the same interfaces: 0.2.x releases add no
// function that the proxy world uses); wasi:sockets, which the proxy world
// does not use, is left out.
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { componentize } from "./node_modules/@bytecodealliance/componentize-js/src/componentize.js";

const [src, wit, out] = process.argv.slice(2);
if (!out) {
  console.error("usage: node tools/componentize.mjs SOURCE.js WASI-WIT-DIR OUT.wasm");
  process.exit(2);
}
const dir = await mkdtemp(join(tmpdir(), "hive-componentize-"));
try {
  for (const pkg of ["cli", "clocks", "filesystem", "http", "io", "random"]) {
    await cp(join(resolve(wit), pkg), join(dir, "deps", pkg), { recursive: true });
    for (const f of await readdir(join(dir, "deps", pkg))) {
      if (!f.endsWith(".wit")) continue;
      const p = join(dir, "deps", pkg, f);
      const text = (await readFile(p, "utf8"))
        .replaceAll("@0.2.12", "@0.2.10")
        .replace(/^\s*@(since|deprecated)\(.*\)\s*$/gm, "")
        .replace(/^\s*include wasi:sockets\/imports@.*$/gm, "");
      await writeFile(p, text);
    }
  }
  await writeFile(
    join(dir, "world.wit"),
    "package hive:js;\nworld proxy {\n  include wasi:http/proxy@0.2.10;\n}\n",
  );
  const t0 = Date.now();
  const { component } = await componentize({
    sourcePath: resolve(src),
    witPath: dir,
    worldName: "proxy",
  });
  await writeFile(out, component);
  console.log(`componentize: ${out}: ${component.length} bytes in ${Date.now() - t0} ms`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
