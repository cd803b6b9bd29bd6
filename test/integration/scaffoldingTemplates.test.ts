import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import * as YAML from 'yaml';
import { gitInit, loadUserTemplate } from '../../src/engine/scaffolding/gitRepository';
import { renderProject, type RenderedProject } from '../../src/engine/scaffolding/projectRenderer';
import { planScaffold, writeScaffold } from '../../src/engine/scaffolding/scaffoldWriter';
import { listBuiltInTemplates, loadTemplate } from '../../src/engine/scaffolding/templateLoader';
import { validatePaths } from '../../src/engine/validation/validatePaths';
import { fixturesDir, makeTempDir, repoRoot, venvPython } from '../support/repoPaths';

const builtIn = path.join(repoRoot, 'templates', 'mlflow-sklearn');

const render = (template: string, answers: Record<string, string>) => renderProject(template, answers, { python: venvPython });

async function scaffold(answers: Record<string, string>): Promise<{ dir: string; rendered: RenderedProject }> {
  const rendered = await render(builtIn, answers);
  const dir = path.join(makeTempDir('scaffold'), rendered.projectDirName);
  await writeScaffold(await planScaffold(rendered.files, dir), rendered.files, dir, { overwrite: () => false });
  return { dir, rendered };
}

function listFiles(dir: string, base = dir): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? e.name === '.git'
          ? []
          : listFiles(path.join(dir, e.name), base)
        : [path.relative(base, path.join(dir, e.name)).split(path.sep).join('/')],
    )
    .sort();
}

const read = (dir: string, rel: string) => fs.readFileSync(path.join(dir, rel), 'utf8');

function git(args: string[], cwd: string): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, `git ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

const common = ['.gitignore', '.pre-commit-config.yaml', 'MLproject', 'README.md', 'pyproject.toml', 'tests/test_train.py'];
const pkg = (slug: string) => ['__init__.py', 'config.py', 'data.py', 'evaluate.py', 'train.py'].map((f) => `${slug}/${f}`);

const combinations: { title: string; answers: Record<string, string>; slug: string; expected: string[] }[] = [
  {
    title: 'python_env + GitHub, local tracking (no Databricks)',
    answers: { project_name: 'Sales Forecast', environment: 'python_env', ci: 'github', tracking: 'local' },
    slug: 'sales_forecast',
    expected: [...common, 'python_env.yaml', '.github/workflows/ci.yml', ...pkg('sales_forecast')],
  },
  {
    title: 'python_env + GitHub, Databricks tracking (cluster.json and the release workflow)',
    answers: { project_name: 'Sales Forecast', environment: 'python_env', ci: 'github', tracking: 'databricks' },
    slug: 'sales_forecast',
    expected: [...common, 'python_env.yaml', 'cluster.json', '.github/workflows/ci.yml', '.github/workflows/release.yml', ...pkg('sales_forecast')],
  },
  {
    title: 'conda + Azure, Databricks tracking with a named profile',
    answers: { project_name: 'Churn-Model 2', environment: 'conda', ci: 'azure', tracking: 'databricks', databricks_profile: 'prod', branch_experiments: 'no' },
    slug: 'churn_model_2',
    expected: [...common, 'conda.yaml', 'cluster.json', 'azure-pipelines.yml', ...pkg('churn_model_2')],
  },
  {
    title: 'conda + Azure, server tracking (no Databricks)',
    answers: { project_name: 'Churn', environment: 'conda', ci: 'azure', tracking: 'server', tracking_uri: 'http://mlflow.internal:5000' },
    slug: 'churn',
    expected: [...common, 'conda.yaml', 'azure-pipelines.yml', ...pkg('churn')],
  },
  {
    title: 'docker, no CI',
    answers: { project_name: 'Boxed', environment: 'docker', ci: 'none' },
    slug: 'boxed',
    expected: [...common, 'Dockerfile', ...pkg('boxed')],
  },
];

describe('built-in template mlflow-sklearn: every combination that matters', () => {
  it('is listed as a built-in template with the documented variables', async () => {
    assert.ok((await listBuiltInTemplates()).some((t) => t.name === 'mlflow-sklearn' && t.description));
    const names = (await loadTemplate(builtIn)).variables.map((v) => v.name);
    for (const v of [
      'project_name',
      'project_slug',
      'description',
      'author',
      'experiment_name',
      'branch_experiments',
      'tracking',
      'tracking_uri',
      'databricks_profile',
      'environment',
      'python_version',
      'ml_library',
      'spark_version',
      'node_type_id',
      'num_workers',
      'ci',
      'mlflow_version',
    ]) {
      assert.ok(names.includes(v), `variable ${v} missing`);
    }
  });

  for (const c of combinations) {
    it(`${c.title}: exactly the right files, all valid, no validator error or warning`, async () => {
      const { dir, rendered } = await scaffold(c.answers);
      assert.equal(rendered.projectDirName, c.slug);
      assert.deepEqual(listFiles(dir), [...c.expected].sort());
      for (const f of listFiles(dir)) {
        const text = read(dir, f);
        assert.doesNotMatch(text, /\{\{\s*cookiecutter|\{%/, `${f} has unrendered template syntax`);
        if (/\.ya?ml$/.test(f) || f === 'MLproject') assert.doesNotThrow(() => YAML.parse(text), `${f} is not valid YAML`);
      }
      const mlproject = YAML.parse(read(dir, 'MLproject')) as Record<string, unknown> & {
        entry_points: Record<string, { parameters: Record<string, { type: string; default: unknown }>; command: string }>;
      };
      assert.equal(mlproject.name, c.slug);
      assert.deepEqual(Object.keys(mlproject.entry_points), ['main', 'evaluate']);
      assert.match(mlproject.entry_points.main.command, new RegExp(`^python -m ${c.slug}\\.train `));
      for (const [name, p] of Object.entries(mlproject.entry_points.main.parameters))
        assert.ok(p.default !== undefined && ['float', 'string'].includes(p.type), `main.${name}`);
      const env = c.answers.environment;
      assert.equal(mlproject.python_env, env === 'python_env' ? 'python_env.yaml' : undefined);
      assert.equal(mlproject.conda_env, env === 'conda' ? 'conda.yaml' : undefined);
      if (env === 'docker') assert.deepEqual(mlproject.docker_env, { image: `${c.slug}-env` });
      if (fs.existsSync(path.join(dir, 'cluster.json'))) {
        const cluster = JSON.parse(read(dir, 'cluster.json')) as { new_cluster: Record<string, unknown>; libraries: { whl: string }[] };
        assert.deepEqual(cluster.new_cluster, { spark_version: '15.4.x-cpu-ml-scala2.12', node_type_id: 'i3.xlarge', num_workers: 2 });
        assert.deepEqual(cluster.libraries, [{ whl: 'dbfs:/FileStore/wheels/WHEELPATH.whl' }]);
      }
      // Information notes (e.g. that the legacy protocol refuses an ML runtime) are not problems of the project.
      const findings = (await validatePaths([dir])).flatMap((r) =>
        r.diagnostics.filter((d) => d.severity !== 'info').map((d) => `${path.basename(r.file)}: ${d.code} ${d.message}`),
      );
      assert.deepEqual(findings, []);
    });
  }

  it('writes the tracking settings into config.py and the CI files', async () => {
    const { dir } = await scaffold(combinations[2].answers);
    const config = read(dir, 'churn_model_2/config.py');
    assert.match(config, /^TRACKING_URI = "databricks:\/\/prod"$/m);
    assert.match(config, /^EXPERIMENT_NAME = "\/Shared\/churn_model_2"$/m);
    assert.match(config, /^BRANCH_EXPERIMENTS = False$/m);
    const azure = YAML.parse(read(dir, 'azure-pipelines.yml')) as {
      stages: { stage: string; jobs: { steps: { script?: string; env?: Record<string, string> }[] }[] }[];
    };
    assert.deepEqual(
      azure.stages.map((s) => s.stage),
      ['Test', 'Databricks'],
    );
    const scripts = azure.stages.flatMap((s) => s.jobs.flatMap((j) => j.steps.map((st) => st.script ?? '')));
    assert.ok(scripts.includes('python -m pytest'));
    assert.ok(scripts.some((s) => s.includes('mlflow-wb validate .')));
    assert.ok(scripts.includes('mlflow run . --env-manager local -P alpha=0.5'));
    assert.ok(scripts.includes('mlflow-wb run . --backend databricks --backend-config cluster.json --wheels --wait'));

    const gh = await scaffold(combinations[1].answers);
    const release = YAML.parse(read(gh.dir, '.github/workflows/release.yml')) as {
      on: unknown;
      jobs: Record<string, { env: Record<string, string>; steps: { run?: string }[] }>;
    };
    assert.deepEqual(release.on, { push: { tags: ['v*'] } });
    const job = release.jobs['databricks-run'];
    assert.equal(job.env.DATABRICKS_TOKEN, '${{ secrets.DATABRICKS_TOKEN }}');
    assert.equal(job.env.DATABRICKS_HOST, '${{ secrets.DATABRICKS_HOST }}');
    const runs = job.steps.map((s) => s.run ?? '');
    assert.ok(runs.some((r) => r.includes('python -m build')));
    assert.ok(runs.includes('mlflow-wb run . --backend databricks --backend-config cluster.json --wheels --branch-experiment --wait'));
    const ci = YAML.parse(read(gh.dir, '.github/workflows/ci.yml')) as { jobs: { test: { steps: { run?: string; with?: Record<string, string> }[] } } };
    const ciRuns = ci.jobs.test.steps.map((s) => s.run ?? '');
    assert.ok(ciRuns.includes('python -m pytest'));
    assert.ok(ciRuns.some((r) => r.includes('mlflow-wb validate .')));
    assert.ok(ciRuns.includes('mlflow run . --env-manager local -P alpha=0.5'));
    assert.ok(ci.jobs.test.steps.some((s) => s.with?.['python-version'] === '3.11'));
  });

  it('refuses a project name that cannot become a package name when the slug is given explicitly', async () => {
    await assert.rejects(render(builtIn, { project_slug: 'class' }), /'class' cannot be project_slug: 'class' is a Python keyword/);
  });
});

describe('git and user templates', () => {
  it('gitInit makes a first commit of every file, and leaves a folder inside a repository alone', async () => {
    const { dir } = await scaffold({ project_name: 'Git Me' });
    assert.deepEqual(await gitInit(dir, { commit: true }), { initialized: true, committed: true });
    assert.equal(git(['rev-list', '--count', 'HEAD'], dir), '1');
    assert.equal(git(['status', '--porcelain'], dir), '');
    assert.deepEqual(git(['ls-files'], dir).split('\n').sort(), listFiles(dir));
    const nested = path.join(dir, 'nested');
    fs.mkdirSync(nested);
    const again = await gitInit(nested, { commit: true });
    assert.equal(again.initialized, false);
    assert.match(again.skippedReason ?? '', /already inside the git repository/);
  });

  it('renders a cookiecutter template from a local folder', async () => {
    const dir = await loadUserTemplate(path.join(fixturesDir, 'scaffolding', 'tiny-template'));
    const r = await render(dir, { project_name: 'Local One', use_docker: 'yes' });
    assert.equal(r.projectDirName, 'local_one');
    assert.deepEqual(r.files.map((f) => f.relativePath).sort(), [
      'Dockerfile',
      'LICENSE',
      'README.md',
      'local_one/__init__.py',
      'local_one/py.typed',
      'logo.png',
      'run.sh',
      'static/page.html',
    ]);
  });

  it('clones a template from a git URL (a file:// repository) into the cache, fresh each time', async () => {
    const repo = makeTempDir('template-repo');
    fs.cpSync(path.join(fixturesDir, 'scaffolding', 'tiny-template'), path.join(repo, 'templates', 'tiny'), { recursive: true });
    git(['init', '--quiet'], repo);
    git(['add', '--all'], repo);
    git(['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-m', 'v1'], repo);
    const cacheDir = makeTempDir('template-cache');
    const url = `file://${repo}`;
    const first = await loadUserTemplate(url, { cacheDir, directory: 'templates/tiny' });
    assert.ok(first.startsWith(cacheDir));
    assert.equal(
      (await render(first, { project_name: 'Cloned' })).files.find((f) => f.relativePath === 'README.md')?.content.toString(),
      '# Cloned\n\nHello from Cloned.\nLicensed under MIT.\n',
    );
    // A new commit upstream is picked up by the next load.
    const readme = path.join(repo, 'templates', 'tiny', '{{cookiecutter.project_slug}}', 'README.md');
    fs.writeFileSync(readme, 'v2 {{ cookiecutter.project_name }}\n');
    git(['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-am', 'v2'], repo);
    const second = await loadUserTemplate(url, { cacheDir, directory: 'templates/tiny' });
    assert.equal(second, first);
    assert.equal((await render(second, { project_name: 'Cloned' })).files.find((f) => f.relativePath === 'README.md')?.content.toString(), 'v2 Cloned\n');
    await assert.rejects(loadUserTemplate(`file://${repo}-missing`, { cacheDir }), /Could not clone the template file:\/\/.*-missing/);
    await assert.rejects(loadUserTemplate(url, { cacheDir }), /has no cookiecutter.json.*sub-folder/);
  });
});

describe('mlflow-wb new (the built CLI, dist/cli.js)', () => {
  const cli = path.join(repoRoot, 'dist', 'cli.js');
  const runCli = (args: string[], cwd: string) =>
    spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, MLFLOW_WB_PYTHON: venvPython } });

  it('creates a project from the built-in template next to the bundle, with git, and refuses to overwrite', () => {
    const parent = makeTempDir('cli-new');
    const created = runCli(['new', '--var', 'ci=azure', '--var', 'environment=conda', 'fraud-detector'], parent);
    assert.equal(created.status, 0, created.stderr);
    const dir = path.join(parent, 'fraud-detector');
    assert.match(created.stdout, /created\s+MLproject/);
    assert.match(created.stdout, /mlflow-sklearn → .*fraud-detector: 13 created, 0 overwritten, 0 unchanged/);
    assert.match(created.stdout, /git: initialised with a first commit/);
    assert.ok(fs.existsSync(path.join(dir, 'fraud_detector', 'train.py')));
    assert.ok(fs.existsSync(path.join(dir, 'azure-pipelines.yml')));
    assert.equal(git(['status', '--porcelain'], dir), '');

    fs.writeFileSync(path.join(dir, 'README.md'), 'my own notes\n');
    const refused = runCli(['new', '--var', 'ci=azure', '--var', 'environment=conda', 'fraud-detector'], parent);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /1 file\(s\) already exist .* nothing was written:\n {2}README\.md\n.*--force/s);
    assert.equal(read(dir, 'README.md'), 'my own notes\n');

    const forced = runCli(['new', '--force', '--no-git', '--var', 'ci=azure', '--var', 'environment=conda', 'fraud-detector'], parent);
    assert.equal(forced.status, 0, forced.stderr);
    assert.match(forced.stdout, /0 created, 1 overwritten, 12 unchanged/);
    assert.match(read(dir, 'README.md'), /^# fraud-detector/);
  });

  it('renders a user template folder, lists variables, and reports bad input with exit codes', () => {
    const parent = makeTempDir('cli-new');
    const tiny = path.join(fixturesDir, 'scaffolding', 'tiny-template');
    const ok = runCli(['new', '--template', tiny, '--no-git', '--var', 'license=none', 'out'], parent);
    assert.equal(ok.status, 0, ok.stderr);
    assert.deepEqual(listFiles(path.join(parent, 'out')), ['README.md', 'logo.png', 'out/__init__.py', 'out/py.typed', 'run.sh', 'static/page.html']);

    const list = runCli(['new', '--template', tiny, '--list'], parent);
    assert.equal(list.status, 0);
    assert.match(list.stdout, /license {2}one of MIT, Apache-2.0, none {2}\(Which license\?\)/);
    assert.match(runCli(['new', '--list'], parent).stdout, /mlflow-sklearn/);

    const badChoice = runCli(['new', '--no-git', '--var', 'ci=jenkins', 'x'], parent);
    assert.equal(badChoice.status, 1);
    assert.match(badChoice.stderr, /'jenkins' is not a choice of 'ci'. Choose one of: github, azure, none/);
    const badVar = runCli(['new', '--var', 'nope'], parent);
    assert.equal(badVar.status, 2);
    assert.match(badVar.stderr, /--var takes key=value/);
    const badTemplate = runCli(['new', '--template', 'no-such-template', 'x'], parent);
    assert.equal(badTemplate.status, 1);
    assert.match(badTemplate.stderr, /No template 'no-such-template'.*mlflow-sklearn/);
    assert.equal(fs.existsSync(path.join(parent, 'x')), false);
  });

  it('says how to install cookiecutter when the interpreter lacks it, writing nothing', () => {
    const parent = makeTempDir('cli-new');
    const bare = path.join(makeTempDir('bare-venv'), 'venv');
    const made = spawnSync(venvPython, ['-m', 'venv', '--without-pip', bare], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    const python = path.join(bare, 'bin', 'python');
    const r = runCli(['new', '--python', python, 'x'], parent);
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr.trim(),
      `mlflow-wb new: cookiecutter is not installed in the Python interpreter ${python}, which renders project templates. Install it with: ${python} -m pip install cookiecutter==2.7.1`,
    );
    assert.deepEqual(fs.readdirSync(parent), []);
  });
});
