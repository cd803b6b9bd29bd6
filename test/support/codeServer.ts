import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findFreePort } from '../../src/engine/process/freePort';
import { startProcessGroup } from '../../src/engine/process/processGroup';
import { makeTempDir, repoRoot } from './repoPaths';

const CODE_SERVER_VERSION = '4.100.3';

/** Where scripts/setup.mjs installs code-server (outside the extension's dependencies). */
export function codeServerEntry(): string {
  const cache = process.env.MLFLOW_WB_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'mlflow-workbench');
  const entry = path.join(cache, `code-server-${CODE_SERVER_VERSION}`, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  if (!fs.existsSync(entry)) {
    throw new Error(`code-server is not installed at ${entry}. Run: node scripts/setup.mjs`);
  }
  return entry;
}

export function chromiumPath(): string {
  for (const candidate of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (candidate && fs.existsSync(candidate)) return candidate;
  }
  throw new Error('Chromium is missing. Install it with: apt-get install -y --no-install-recommends chromium (or set CHROMIUM_PATH).');
}

const extensionId = (() => {
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    publisher: string;
    name: string;
    version: string;
  };
  return { publisher: manifest.publisher, name: manifest.name, version: manifest.version, id: `${manifest.publisher}.${manifest.name}` };
})();

export interface CodeServerOptions {
  workspace: string;
  /** User settings written before start (merged over quiet defaults). */
  settings?: Record<string, unknown>;
  /** Install the built extension (a symlink to this repository) into the extensions folder. */
  installExtension?: boolean;
  /** Install this .vsix with code-server's --install-extension instead (tests the packaged artifact). */
  vsixPath?: string;
  /** Keep code-server's state here instead of a fresh temp folder (the demo reuses it). */
  runDir?: string;
  port?: number;
  /** Extra environment for the server and so for the extension host. */
  env?: Record<string, string>;
}

export interface RunningCodeServer {
  url: string;
  port: number;
  runDir: string;
  workspace: string;
  log(): string;
  stop(): Promise<void>;
}

const quietSettings = {
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'workbench.tips.enabled': false,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'workbench.colorTheme': 'Default Dark Modern',
  // Sticky tree headers draw copies of parent rows over the rows beneath them.
  'workbench.tree.enableStickyScroll': false,
};

/** Starts code-server (VS Code 1.100's server and workbench) on 127.0.0.1 with its state in a temp folder. */
export async function startCodeServer(options: CodeServerOptions): Promise<RunningCodeServer> {
  const runDir = options.runDir ?? makeTempDir('code-server');
  const userDir = path.join(runDir, 'user-data', 'User');
  fs.mkdirSync(userDir, { recursive: true });
  fs.writeFileSync(path.join(userDir, 'settings.json'), JSON.stringify({ ...quietSettings, ...options.settings }, null, 2));
  const extensionsDir = path.join(runDir, 'extensions');
  fs.mkdirSync(extensionsDir, { recursive: true });
  if (options.installExtension) {
    const { publisher, name, version } = extensionId;
    const link = path.join(extensionsDir, `${publisher}.${name}-${version}`);
    fs.rmSync(link, { force: true });
    fs.symlinkSync(repoRoot, link);
  }
  if (options.vsixPath) installVsix(options.vsixPath, extensionsDir, runDir);
  fs.writeFileSync(path.join(runDir, 'config.yaml'), 'auth: none\ncert: false\n');
  const port = options.port ?? (await findFreePort());
  const home = path.join(runDir, 'home');
  for (const dir of ['home', 'config', 'data', 'cache', 'tmp']) fs.mkdirSync(path.join(runDir, dir), { recursive: true });
  const group = startProcessGroup(
    process.execPath,
    [
      codeServerEntry(),
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--config',
      path.join(runDir, 'config.yaml'),
      '--user-data-dir',
      path.join(runDir, 'user-data'),
      '--extensions-dir',
      extensionsDir,
      options.workspace,
    ],
    {
      cwd: options.workspace,
      env: {
        ...process.env,
        HOME: home,
        XDG_CONFIG_HOME: path.join(runDir, 'config'),
        XDG_DATA_HOME: path.join(runDir, 'data'),
        XDG_CACHE_HOME: path.join(runDir, 'cache'),
        TMPDIR: path.join(runDir, 'tmp'),
        ...options.env,
      },
    },
  );
  const child = group.child;
  let output = '';
  const listening = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('HTTP server listening on')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`code-server exited (${code}) before listening:\n${output}`)));
    setTimeout(() => reject(new Error(`code-server did not start within 60 s:\n${output}`)), 60_000).unref();
  });
  const stop = () => group.stop();
  try {
    await listening;
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `http://127.0.0.1:${port}`, port, runDir, workspace: options.workspace, log: () => output, stop };
}

function installVsix(vsixPath: string, extensionsDir: string, runDir: string): void {
  const result = spawnSync(
    process.execPath,
    [codeServerEntry(), '--extensions-dir', extensionsDir, '--user-data-dir', path.join(runDir, 'user-data'), '--install-extension', vsixPath],
    { encoding: 'utf8', env: { ...process.env, HOME: path.join(runDir, 'home') }, timeout: 120_000 },
  );
  if (result.status !== 0) {
    throw new Error(`code-server --install-extension ${vsixPath} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
}
