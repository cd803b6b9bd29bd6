// `npm run package`: a production build and a .vsix (bundled, so no node_modules inside).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { root } from './setup.mjs';

const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const out = path.join(root, `${manifest.name}-${manifest.version}.vsix`);
function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
run(process.execPath, ['scripts/build.mjs', '--production']);
run(path.join(root, 'node_modules', '.bin', 'vsce'), [
  'package',
  '--no-dependencies',
  '--allow-missing-repository',
  '--no-rewrite-relative-links',
  '--skip-license',
  '--out',
  out,
]);
const size = fs.statSync(out).size;
console.log(`\n${path.relative(root, out)}: ${(size / 1024).toFixed(1)} KiB`);
