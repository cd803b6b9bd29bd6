// Bundles the extension, the CLI and one browser bundle per webview with esbuild.
// Usage: node scripts/build.mjs [--watch] [--production]
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const version = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;

const common = {
  absWorkingDir: root,
  bundle: true,
  sourcemap: true,
  minify: production,
  logLevel: 'info',
  define: { __EXTENSION_VERSION__: JSON.stringify(version) },
  // jsonc-parser's "main" is a UMD build whose requires esbuild cannot follow; its ES module build bundles.
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
};

/** Each folder of webview/ with a main.ts is one panel's bundle: dist/webview/<folder>.js */
function webviewEntries() {
  const dir = path.join(root, 'webview');
  if (!fs.existsSync(dir)) return {};
  const entries = {};
  for (const name of fs.readdirSync(dir)) {
    const main = path.join(dir, name, 'main.ts');
    if (fs.existsSync(main)) entries[`webview/${name}`] = main;
  }
  return entries;
}

const builds = [
  {
    ...common,
    entryPoints: { extension: 'src/extension.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
  },
  {
    ...common,
    entryPoints: { cli: 'src/cli/main.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
  },
];
const webviews = webviewEntries();
if (Object.keys(webviews).length > 0) {
  builds.push({
    ...common,
    entryPoints: webviews,
    outdir: 'dist',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  });
}

/** JSON Schemas that VS Code's JSON service loads through `jsonValidation` (see package.json). */
function copySchemas() {
  const target = path.join(root, 'dist', 'schemas');
  fs.mkdirSync(target, { recursive: true });
  fs.copyFileSync(path.join(root, 'src', 'engine', 'validation', 'clusterSpec.schema.json'), path.join(target, 'databricks-cluster.schema.json'));
}

if (watch) {
  copySchemas();
  for (const options of builds) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
  }
  console.log('watching for changes (Ctrl-C to stop)');
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
  copySchemas();
  fs.chmodSync(path.join(root, 'dist', 'cli.js'), 0o755);
}
