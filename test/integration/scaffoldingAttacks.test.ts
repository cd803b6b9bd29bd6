import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { renderProject, templateContext, TemplateCodeConsentError } from '../../src/engine/scaffolding/projectRenderer';
import { loadTemplate } from '../../src/engine/scaffolding/templateLoader';
import { writeTemplate } from '../support/cookiecutterTemplates';
import { makeTempDir, repoRoot, venvPython } from '../support/repoPaths';

const cli = path.join(repoRoot, 'dist', 'cli.js');
const runCli = (args: string[], cwd: string) =>
  spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, MLFLOW_WB_PYTHON: venvPython } });

/** A fake home with secrets a hostile template would like to copy. */
function fakeHome(): { home: string; secret: string } {
  const home = makeTempDir('cc-home');
  const secret = `token-${Math.random().toString(36).slice(2)}`;
  fs.writeFileSync(path.join(home, '.databrickscfg'), `[DEFAULT]\ntoken = ${secret}\n`);
  fs.mkdirSync(path.join(home, '.ssh'));
  fs.writeFileSync(path.join(home, '.ssh', 'id_ed25519'), `PRIVATE ${secret}\n`);
  return { home, secret };
}

/** Runs `mlflow-wb new` on the template into a fresh parent; asserts it failed and that nothing at all was written there. */
function refusedByCli(template: string, pattern: RegExp, extra: string[] = []): void {
  const parent = makeTempDir('cc-attack');
  const r = runCli(['new', '--template', template, ...extra, 'out'], parent);
  assert.equal(r.status, 1, `expected a refusal, got ${r.status}: ${r.stdout}${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.deepEqual(fs.readdirSync(parent), [], 'something was written');
}

/** Temp folders the renderer made and left behind (it must clean its staging folders). */
const stagingLeft = () =>
  fs
    .readdirSync(os.tmpdir())
    .filter((f) => f.startsWith('mlflow-wb-render-'))
    .sort();

describe('hostile templates: nothing runs, nothing leaks, nothing is written outside the target', () => {
  it('a template whose folder renders to .git (post-commit hook, core.fsmonitor, core.hooksPath) is refused before anything reaches the target', async () => {
    const sentinel = makeTempDir('cc-sentinel');
    const marker = path.join(sentinel, 'pwned');
    const hook = { content: `#!/bin/sh\ntouch ${marker}\n`, mode: 0o755 };
    const gitFolder = writeTemplate(
      { project_slug: 'victim' },
      {
        '{{cookiecutter.project_slug}}/README.md': 'hi\n',
        '{{cookiecutter.project_slug}}/.git/hooks/post-commit': hook,
        '{{cookiecutter.project_slug}}/.git/config': `[core]\n\tfsmonitor = ${marker}\n\thooksPath = hooks\n`,
        '{{cookiecutter.project_slug}}/.git/HEAD': 'ref: refs/heads/main\n',
      },
    );
    await assert.rejects(renderProject(gitFolder, {}, { python: venvPython }), /generates '\.git'.*git folder/);
    refusedByCli(gitFolder, /a git folder or file/);
    // The same with a rendered name, a git file pointing elsewhere, and an upper-case variant.
    const rendered = writeTemplate(
      { project_slug: 'victim', g: '.git' },
      { '{{cookiecutter.project_slug}}/{{cookiecutter.g}}/config': '[core]\n\tfsmonitor = /bin/true\n' },
    );
    refusedByCli(rendered, /'\.git'.*a git folder or file/);
    const gitFile = writeTemplate({ project_slug: 'victim' }, { '{{cookiecutter.project_slug}}/sub/.GIT': `gitdir: ${sentinel}\n` });
    refusedByCli(gitFile, /'sub\/\.GIT'/);
    assert.deepEqual(fs.readdirSync(sentinel), [], 'a hook or fsmonitor ran');
  });

  it('the first commit of a new project runs no git hook and no fsmonitor, even ones configured for git', () => {
    const sentinel = makeTempDir('cc-sentinel');
    const hooks = makeTempDir('cc-hooks');
    for (const name of ['pre-commit', 'post-commit', 'commit-msg', 'post-index-change']) {
      fs.writeFileSync(path.join(hooks, name), `#!/bin/sh\ntouch ${sentinel}/${name}\n`, { mode: 0o755 });
    }
    const fsmonitor = path.join(hooks, 'fsmonitor.sh');
    fs.writeFileSync(fsmonitor, `#!/bin/sh\ntouch ${sentinel}/fsmonitor\n`, { mode: 0o755 });
    const globalConfig = path.join(makeTempDir('cc-gitconfig'), 'gitconfig');
    fs.writeFileSync(globalConfig, `[core]\n\thooksPath = ${hooks}\n\tfsmonitor = ${fsmonitor}\n`);
    const parent = makeTempDir('cc-attack');
    const plain = writeTemplate({ project_slug: 'p' }, { '{{cookiecutter.project_slug}}/README.md': 'hi\n' });
    const r = spawnSync(process.execPath, [cli, 'new', '--template', plain, 'out'], {
      cwd: parent,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, MLFLOW_WB_PYTHON: venvPython, GIT_CONFIG_GLOBAL: globalConfig },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /git: initialised with a first commit/);
    assert.equal(
      spawnSync('git', ['log', '--format=%s'], { cwd: path.join(parent, 'out'), encoding: 'utf8' }).stdout.trim(),
      'Initial project from MLflow Workbench',
    );
    assert.deepEqual(fs.readdirSync(sentinel), []);
    // The same configuration does run the hook for an ordinary commit: the check above can fail.
    fs.writeFileSync(path.join(parent, 'out', 'more.txt'), 'x');
    spawnSync('git', ['add', 'more.txt'], { cwd: path.join(parent, 'out'), env: { ...process.env, GIT_CONFIG_GLOBAL: globalConfig } });
    spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'more'], {
      cwd: path.join(parent, 'out'),
      env: { ...process.env, GIT_CONFIG_GLOBAL: globalConfig },
    });
    assert.ok(fs.readdirSync(sentinel).includes('pre-commit'));
  });

  for (const [what, makeLink] of [
    [
      'a relative file link into $HOME',
      (home: string, dir: string) => fs.symlinkSync(path.relative(dir, path.join(home, '.databrickscfg')), path.join(dir, 'databrickscfg')),
    ],
    ['an absolute file link', (home: string, dir: string) => fs.symlinkSync(path.join(home, '.databrickscfg'), path.join(dir, 'cfg'))],
    ['a relative folder link', (home: string, dir: string) => fs.symlinkSync(path.relative(dir, path.join(home, '.ssh')), path.join(dir, 'ssh'))],
    ['an absolute folder link', (home: string, dir: string) => fs.symlinkSync(path.join(home, '.ssh'), path.join(dir, 'ssh'))],
    [
      'a link at the template root (hooks, includes)',
      (home: string, dir: string) => fs.symlinkSync(path.join(home, '.ssh'), path.join(dir, '..', 'templates')),
    ],
  ] as const) {
    it(`a template with ${what} is refused: no secret is copied`, async () => {
      const { home } = fakeHome();
      const template = writeTemplate({ project_slug: 'leaky' }, { '{{cookiecutter.project_slug}}/README.md': 'hi\n' });
      makeLink(home, path.join(template, '{{cookiecutter.project_slug}}'));
      const before = stagingLeft();
      await assert.rejects(renderProject(template, {}, { python: venvPython }), /symbolic links .* refused/);
      refusedByCli(template, /symbolic links/);
      assert.deepEqual(stagingLeft(), before);
    });
  }

  it('links made by a consented hook are refused after rendering, before the target', async () => {
    const { home } = fakeHome();
    const template = writeTemplate(
      { project_slug: 'hooked' },
      {
        '{{cookiecutter.project_slug}}/README.md': 'hi\n',
        'hooks/post_gen_project.py': `import os\nos.symlink(${JSON.stringify(path.join(home, '.ssh'))}, "ssh")\n`,
      },
    );
    await assert.rejects(renderProject(template, {}, { python: venvPython, allowTemplateCode: true }), /symbolic link 'ssh'/);
    refusedByCli(template, /symbolic link 'ssh'/, ['--allow-hooks']);
  });

  it('names that render outside the target (../, absolute, the project folder itself) are refused and write nothing outside', async () => {
    const sentinel = makeTempDir('cc-sentinel');
    const unique = `escaped-${process.pid}-${Date.now()}`;
    const cases: [object, Record<string, string>][] = [
      [{ project_slug: 'p', evil: `../../${unique}` }, { '{{cookiecutter.project_slug}}/{{cookiecutter.evil}}': 'x' }],
      [{ project_slug: 'p', evil: `../../${unique}` }, { '{{cookiecutter.project_slug}}/{{cookiecutter.evil}}/inside.txt': 'x' }],
      [{ project_slug: 'p', evil: path.join(sentinel, 'abs.txt') }, { '{{cookiecutter.project_slug}}/{{cookiecutter.evil}}': 'x' }],
      [{ project_slug: 'p', evil: sentinel }, { '{{cookiecutter.project_slug}}/{{cookiecutter.evil}}/abs.txt': 'x' }],
      [{ project_slug: `../${unique}` }, { '{{cookiecutter.project_slug}}/a.txt': 'x' }],
      [{ project_slug: path.join(sentinel, 'project') }, { '{{cookiecutter.project_slug}}/a.txt': 'x' }],
    ];
    for (const [config, files] of cases) {
      const template = writeTemplate(config, files);
      await assert.rejects(renderProject(template, {}, { python: venvPython }), /outside/, JSON.stringify(config));
      refusedByCli(template, /outside/);
    }
    assert.deepEqual(fs.readdirSync(sentinel), []);
    for (const dir of [os.tmpdir(), path.dirname(os.tmpdir())])
      assert.ok(!fs.readdirSync(dir).some((f) => f.includes(unique)), `something escaped into ${dir}`);
  });

  it('Jinja cannot reach Python internals (sandboxed), even without hooks', async () => {
    const template = writeTemplate(
      { project_slug: 'p' },
      { '{{cookiecutter.project_slug}}/a.txt': '{{ cookiecutter.__class__.__mro__[1].__subclasses__() }}' },
    );
    await assert.rejects(renderProject(template, {}, { python: venvPython }), /SecurityError|unsafe/);
    refusedByCli(template, /unsafe/);
  });

  it('hooks and extensions without consent: refused with their names, before any of them runs, in the wizard step and on render', async () => {
    const sentinel = makeTempDir('cc-sentinel');
    const touch = (name: string) => `import os\nopen(os.path.join(${JSON.stringify(sentinel)}, ${JSON.stringify(name)}), "w").close()\n`;
    const template = writeTemplate(
      { project_slug: 'p', _extensions: ['local_extensions.Evil'] },
      {
        '{{cookiecutter.project_slug}}/a.txt': 'a\n',
        'local_extensions.py': `${touch('extension-imported')}from jinja2.ext import Extension\n\n\nclass Evil(Extension):\n    pass\n`,
        'hooks/pre_prompt.py': touch('pre_prompt'),
        'hooks/pre_gen_project.py': touch('pre_gen_project'),
        'hooks/post_gen_project.sh': { content: `#!/bin/sh\ntouch ${sentinel}/post_gen_project\n`, mode: 0o755 },
      },
    );
    const t = await loadTemplate(template);
    await assert.rejects(renderProject(t, {}, { python: venvPython }), (err: unknown) => {
      assert.ok(err instanceof TemplateCodeConsentError);
      assert.deepEqual(err.code, ['hooks/post_gen_project.sh', 'hooks/pre_gen_project.py', 'hooks/pre_prompt.py', 'Jinja extension local_extensions.Evil']);
      return true;
    });
    await assert.rejects(templateContext(t, {}, { python: venvPython }), TemplateCodeConsentError);
    refusedByCli(
      template,
      /hooks\/post_gen_project\.sh, hooks\/pre_gen_project\.py, hooks\/pre_prompt\.py, Jinja extension local_extensions\.Evil.*Nothing was run or written/s,
    );
    assert.deepEqual(fs.readdirSync(sentinel), []);
  });

  it('--force never writes through a folder of the target that is a symbolic link', () => {
    const elsewhere = makeTempDir('cc-elsewhere');
    const parent = makeTempDir('cc-attack');
    const template = writeTemplate(
      { project_slug: 'p' },
      { '{{cookiecutter.project_slug}}/pkg/a.py': 'new\n', '{{cookiecutter.project_slug}}/README.md': 'hi\n' },
    );
    fs.mkdirSync(path.join(parent, 'out'));
    fs.symlinkSync(elsewhere, path.join(parent, 'out', 'pkg'));
    const r = runCli(['new', '--template', template, '--force', '--no-git', 'out'], parent);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /symbolic link.*nothing was written:\n {2}pkg\/a\.py/s);
    assert.deepEqual(fs.readdirSync(elsewhere), []);
    assert.deepEqual(fs.readdirSync(path.join(parent, 'out')), ['pkg']);
  });
});
