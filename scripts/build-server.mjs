#!/usr/bin/env node
// Bundles the server into one file (dist/server.mjs) that deployment uploads to each node.
// The Reed-Solomon addon stays external: it is a native module loaded with createRequire.
import { build } from "esbuild";

await build({
  entryPoints: ["systems/server/main.ts"],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  outfile: "dist/server.mjs",
  external: ["@ronomon/reed-solomon"],
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: "warning",
});
console.log("built dist/server.mjs");
