// Unit tests: tests/*.test.ts are bundled by esbuild (so they import the real src/ modules) and run
// with node's built-in test runner. No browser needed; the e2e tests cover the DOM.
import { spawnSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import * as esbuild from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "node_modules", ".cache", "unit-tests");
rmSync(outdir, { recursive: true, force: true });

const entries = readdirSync(join(root, "tests"))
  .filter((name) => name.endsWith(".test.ts"))
  .map((name) => join(root, "tests", name));
await esbuild.build({
  entryPoints: entries,
  bundle: true,
  platform: "node",
  format: "esm",
  outdir,
  outExtension: { ".js": ".mjs" },
  logLevel: "warning",
});
const files = readdirSync(outdir).map((name) => join(outdir, name));
const run = spawnSync(process.execPath, ["--test", ...files], { stdio: "inherit" });
process.exit(run.status ?? 1);
