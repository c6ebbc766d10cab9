// Bundles src/main.ts (and the CSS it imports) into dist/workbench/ with content-hashed names,
// and writes dist/workbench/manifest.json, which Django reads to find them
// (annotations/templatetags/frontend.py: frontend_assets).
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

import * as esbuild from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "dist", "workbench");

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });

const result = await esbuild.build({
  entryPoints: { app: join(root, "src", "main.ts") },
  bundle: true,
  format: "esm",
  // The reviewer pages are imported lazily from main.ts and land in chunks of their own.
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  target: ["chrome100", "firefox100", "safari15"],
  minify: true,
  sourcemap: "linked",
  entryNames: "[name]-[hash]",
  outdir,
  metafile: true,
  logLevel: "warning",
});

const manifest = {};
const distName = (file) => relative(join(root, "dist"), join(process.cwd(), file)).replaceAll("\\", "/");
for (const [file, info] of Object.entries(result.metafile.outputs)) {
  // Only main.ts's own outputs: the lazily imported pages are entry points too, but the page
  // loads them itself (relative imports from app.js).
  if (!info.entryPoint?.replaceAll("\\", "/").endsWith("src/main.ts")) continue;
  manifest["app.js"] = distName(file);
  if (info.cssBundle) manifest["app.css"] = distName(info.cssBundle);
}
if (!manifest["app.js"] || !manifest["app.css"]) {
  throw new Error(`build produced no app.js/app.css: ${JSON.stringify(Object.keys(result.metafile.outputs))}`);
}
await writeFile(join(outdir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log(`built ${manifest["app.js"]} and ${manifest["app.css"]}`);
