// Installs what the demo and the tests need and the machine lacks, idempotently:
// node_modules, the project-local Python venv with the pinned mlflow, and code-server (VS Code's
// server + workbench) in a cache folder outside the extension's own dependencies.
// It never installs system packages itself: a missing one is named with the exact command.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CODE_SERVER_VERSION = '4.100.3';
export const cacheDir = process.env.MLFLOW_WB_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'mlflow-workbench');
export const codeServerDir = path.join(cacheDir, `code-server-${CODE_SERVER_VERSION}`);
export const codeServerEntry = path.join(codeServerDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const venvDir = path.join(root, '.venv');
export const venvPython = path.join(venvDir, 'bin', 'python');

function log(message) {
  console.log(`[setup] ${message}`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) {
    throw new Error(`'${command} ${args.join(' ')}' failed (exit ${result.status ?? result.signal}).`);
  }
}

function has(command) {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', command], { stdio: 'ignore' }).status === 0;
}

export function ensureNodeModules() {
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  const lock = path.join(root, 'package-lock.json');
  if (fs.existsSync(marker) && fs.statSync(marker).mtimeMs >= fs.statSync(lock).mtimeMs) return;
  log('installing npm dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root });
}

export function ensurePythonVenv() {
  const requirements = path.join(root, 'python', 'requirements.txt');
  const stamp = path.join(venvDir, '.requirements-installed');
  const wanted = fs.readFileSync(requirements, 'utf8');
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === wanted && fs.existsSync(venvPython)) return;
  const python = process.env.PYTHON || 'python3';
  if (!has(python)) {
    throw new Error(`Python 3 is missing: install it (Debian: apt-get install -y python3 python3-venv) or set PYTHON.`);
  }
  log(`creating the Python venv in .venv with ${wanted.trim().replace(/\n/g, ', ')} (about a minute)`);
  if (!fs.existsSync(venvPython)) run(python, ['-m', 'venv', venvDir]);
  run(venvPython, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements]);
  fs.writeFileSync(stamp, wanted);
}

export function ensureCodeServer() {
  if (fs.existsSync(codeServerEntry)) return;
  log(`installing code-server ${CODE_SERVER_VERSION} into ${codeServerDir} (about a minute)`);
  const missing = [];
  if (!has('rg')) missing.push('ripgrep');
  if (!has('pkg-config')) missing.push('pkg-config');
  if (!fs.existsSync('/usr/include/krb5.h') && !fs.existsSync('/usr/include/krb5/krb5.h')) missing.push('libkrb5-dev');
  if (!has('make') || !has('g++')) missing.push('build-essential');
  if (missing.length > 0) {
    throw new Error(
      `code-server needs system packages that are missing. Install them with:\n  apt-get install -y --no-install-recommends ${missing.join(' ')}`,
    );
  }
  fs.mkdirSync(codeServerDir, { recursive: true });
  // @vscode/ripgrep's postinstall downloads rg from GitHub; seed its cache with the system rg.
  const rgCache = path.join(os.tmpdir(), 'vscode-ripgrep-cache-1.15.11');
  fs.mkdirSync(rgCache, { recursive: true });
  const rgStage = fs.mkdtempSync(path.join(os.tmpdir(), 'rgx-'));
  fs.copyFileSync(spawnSync('sh', ['-c', 'command -v rg'], { encoding: 'utf8' }).stdout.trim(), path.join(rgStage, 'rg'));
  run('tar', ['czf', path.join(rgCache, 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz'), '-C', rgStage, 'rg']);
  fs.writeFileSync(path.join(codeServerDir, 'package.json'), JSON.stringify({ name: 'code-server-cache', private: true }));
  run('npm', ['install', '--no-audit', '--no-fund', '--no-save', `code-server@${CODE_SERVER_VERSION}`], {
    cwd: codeServerDir,
    env: { ...process.env, npm_config_unsafe_perm: 'true', npm_config_yes: 'true', npm_config_nodedir: process.env.npm_config_nodedir || '/usr' },
  });
  if (!fs.existsSync(codeServerEntry)) throw new Error(`code-server did not install: ${codeServerEntry} is missing.`);
}

export function findChromium() {
  for (const candidate of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) {
    if (candidate && fs.existsSync(candidate)) return candidate;
  }
  throw new Error(
    'Chromium is missing; the VS Code tests drive it. Install it with:\n  apt-get install -y --no-install-recommends chromium\n(or set CHROMIUM_PATH to a Chrome/Chromium binary).',
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    ensureNodeModules();
    ensurePythonVenv();
    ensureCodeServer();
    log('done');
  } catch (err) {
    console.error(`[setup] ${err.message}`);
    process.exit(1);
  }
}
