import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { chooseNestedTemplate, disposePreparedTemplate, prepareTemplate, renderProject, templateContext } from '../../src/engine/scaffolding/projectRenderer';
import { planScaffold, writeScaffold } from '../../src/engine/scaffolding/scaffoldWriter';
import { loadTemplate, parseAnswers, type LoadedTemplate } from '../../src/engine/scaffolding/templateLoader';
import { runCookiecutterCommand, snapshotTree, writeTemplate } from '../support/cookiecutterTemplates';
import { makeTempDir, repoRoot, venvPython } from '../support/repoPaths';

/** Renders with the product (engine: render into staging, check, write) and returns the project folder. */
async function renderWithProduct(template: string | LoadedTemplate, vars: Record<string, string>, allowTemplateCode = false): Promise<string> {
  const t = typeof template === 'string' ? await loadTemplate(template) : template;
  const project = await renderProject(t, parseAnswers(t, vars), { python: venvPython, allowTemplateCode });
  const target = path.join(makeTempDir('cc-product'), project.projectDirName);
  await writeScaffold(await planScaffold(project.files, target), project.files, target, { overwrite: () => false, emptyDirs: project.emptyDirs });
  return target;
}

function commandTree(template: string, vars: Record<string, string>, extraArgs: string[] = []): ReturnType<typeof snapshotTree> {
  const r = runCookiecutterCommand(template, vars, extraArgs);
  assert.equal(r.status, 0, r.output);
  assert.ok(r.projectDir, r.output);
  return snapshotTree(r.projectDir);
}

const binary = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0xff, 0xfe, ...Buffer.from('{{ cookiecutter.project_name }}'), 0x00, 0x0a]);

/** Everything real templates do every day, without template code (no hooks, no extensions). */
function featureTemplate(): string {
  return writeTemplate(
    {
      project_name: 'Parity Project',
      project_slug: "{{ cookiecutter.project_name.lower().replace(' ', '_').replace('-', '_') }}",
      title_case: '{{ cookiecutter.project_name.title() }}',
      use_docker: false,
      use_ci: true,
      license: ['MIT', 'BSD-3', 'none'],
      python: ['3.11', '{{ "3.12" if cookiecutter.use_ci else "3.10" }}'],
      settings: { retries: 3, names: ['a', 'b'], slug: '{{ cookiecutter.project_slug }}' },
      _private: '{{ kept as written }}',
      __package: '{{ cookiecutter.project_slug }}_pkg',
      _copy_without_render: ['raw', '*.jinja'],
      __prompts__: { project_name: 'Project name', license: { __prompt__: 'License', MIT: 'MIT License' } },
    },
    {
      '{{cookiecutter.project_slug}}/README.md':
        "# {{ cookiecutter.title_case }}\n{{ cookiecutter.project_name.upper() }} / {{ cookiecutter.project_name.split()|join('-') }} / {{ cookiecutter.project_name|title }}\n" +
        '{% for key, value in cookiecutter.settings|dictsort %}- {{ key }}={{ value }}\n{% endfor %}' +
        '{% for i in range(3) %}{{ loop.index }}{% if not loop.last %},{% endif %}{% endfor %}\n' +
        '{% if cookiecutter.use_ci %}CI on{% else %}CI off{% endif %}, docker {{ cookiecutter.use_docker }}, python {{ cookiecutter.python }}\n' +
        '{{ cookiecutter.__package }} {{ cookiecutter._private }} {{ cookiecutter.license }}\n' +
        "{% include 'footer.md' %}\n",
      '{{cookiecutter.project_slug}}/{{cookiecutter.__package}}/__init__.py': '"""{{ cookiecutter.project_name }}."""\n',
      '{{cookiecutter.project_slug}}/{% if cookiecutter.use_docker %}Dockerfile{% endif %}': 'FROM python:{{ cookiecutter.python }}\n',
      "{{cookiecutter.project_slug}}/{% if cookiecutter.license != 'none' %}LICENSE{% endif %}": '{{ cookiecutter.license }}\n',
      '{{cookiecutter.project_slug}}/raw/keep.txt': '{{ cookiecutter.project_name }} stays as written\n',
      '{{cookiecutter.project_slug}}/config.jinja': '{% raw %}{{ not rendered }}{% endraw %} {{ cookiecutter.project_name }}\n',
      '{{cookiecutter.project_slug}}/logo.bin': binary,
      '{{cookiecutter.project_slug}}/run.sh': { content: '#!/bin/sh\necho {{ cookiecutter.project_slug }}\n', mode: 0o755 },
      '{{cookiecutter.project_slug}}/secret.env': { content: 'TOKEN=\n', mode: 0o600 },
      '{{cookiecutter.project_slug}}/windows.bat': 'echo {{ cookiecutter.project_name }}\r\necho done\r\n',
      'templates/footer.md': 'Made from a template include for {{ cookiecutter.project_name }}.',
    },
    ['{{cookiecutter.project_slug}}/docs'],
  );
}

/** A template with code: hooks (pre_prompt, pre_gen, post_gen) and Jinja extensions (jinja2_time and a local one). */
function codeTemplate(sentinel: string): string {
  return writeTemplate(
    {
      project_name: 'Hooked',
      project_slug: "{{ cookiecutter.project_name.lower().replace(' ', '_') }}",
      keep_extra: false,
      _extensions: ['jinja2_time.TimeExtension', 'local_extensions.shout'],
    },
    {
      'local_extensions.py': 'from cookiecutter.utils import simple_filter\n\n\n@simple_filter\ndef shout(value):\n    return value.upper() + "!"\n',
      'hooks/pre_prompt.py': `import os\nopen(os.path.join(${JSON.stringify(sentinel)}, "pre_prompt-%d" % os.getpid()), "w").close()\n`,
      'hooks/pre_gen_project.py': 'import sys\nif "{{ cookiecutter.project_slug }}" == "refuse":\n    sys.exit("pre_gen_project refuses this name")\n',
      'hooks/post_gen_project.py':
        'import os\nwith open("hook.txt", "w") as f:\n    f.write("post_gen_project ran for {{ cookiecutter.project_name }}\\n")\n{% if not cookiecutter.keep_extra %}os.remove("extra.txt"){% endif %}\n',
      '{{cookiecutter.project_slug}}/stamp.txt': "{% now 'utc', '%Y' %} {{ cookiecutter.project_name|shout }}\n",
      '{{cookiecutter.project_slug}}/extra.txt': 'removed unless keep_extra\n',
    },
  );
}

describe('the product renders exactly what the cookiecutter command renders', () => {
  const feature = featureTemplate();

  const answerSets: Record<string, string>[] = [
    {},
    { project_name: 'Other-Name here', use_docker: 'yes', use_ci: 'no', license: 'BSD-3' },
    { license: 'none', python: '3.11' },
  ];
  for (const vars of answerSets) {
    it(`features (string methods, booleans, loops, includes, private variables, copy without render, binary, modes, empty folders) with ${JSON.stringify(vars)}`, async () => {
      const product = snapshotTree(await renderWithProduct(feature, vars));
      assert.deepEqual(product, commandTree(feature, vars));
      // The features really were exercised, not skipped on both sides.
      const readme = Buffer.from(product.find((e) => e.path === 'README.md')!.content!, 'base64').toString();
      assert.match(readme, /Made from a template include/);
      assert.ok(product.some((e) => e.path === 'run.sh' && e.mode === 0o755));
      assert.ok(product.some((e) => e.path === 'secret.env' && e.mode === 0o600));
      assert.ok(product.some((e) => e.path === 'docs' && e.kind === 'dir'));
      assert.equal(product.find((e) => e.path === 'logo.bin')!.content, binary.toString('base64'));
    });
  }

  it('computes defaults from earlier answers with cookiecutter itself, step by step', async () => {
    const t = await loadTemplate(feature);
    const upToSlug = await templateContext(t, { project_name: 'Step By Step' }, { python: venvPython, upTo: 'project_slug' });
    assert.deepEqual(
      Object.keys(upToSlug.values).filter((k) => !k.startsWith('_')),
      ['project_name', 'project_slug'],
    );
    assert.equal(upToSlug.values.project_slug, 'step_by_step');
    const python = await templateContext(t, { use_ci: false }, { python: venvPython, upTo: 'python' });
    assert.deepEqual(python.choices, ['3.11', '3.10']);
    const all = await templateContext(t, { project_name: 'X Y' }, { python: venvPython });
    // cookiecutter renders every value of a dict variable as text.
    assert.deepEqual(all.values.settings, { retries: '3', names: ['a', 'b'], slug: 'x_y' });
    assert.equal(all.values.__package, 'x_y_pkg');
  });

  it('hooks and extensions (jinja2_time, a local extension) with consent: the same tree as the command, which runs them too', async () => {
    const sentinel = makeTempDir('cc-sentinel');
    const template = codeTemplate(sentinel);
    const answerSets: Record<string, string>[] = [{}, { keep_extra: 'yes', project_name: 'Kept Extra' }];
    for (const vars of answerSets) {
      const product = snapshotTree(await renderWithProduct(template, vars, true));
      assert.deepEqual(product, commandTree(template, vars));
      assert.ok(product.some((e) => e.path === 'hook.txt'));
      const stamp = Buffer.from(product.find((e) => e.path === 'stamp.txt')!.content!, 'base64').toString();
      assert.match(stamp, new RegExp(`^${new Date().getUTCFullYear()} ${(vars.project_name ?? 'Hooked').toUpperCase()}!\\n$`));
    }
    assert.ok(
      fs.readdirSync(sentinel).some((f) => f.startsWith('pre_prompt-')),
      'pre_prompt ran',
    );
    await assert.rejects(renderWithProduct(template, { project_name: 'refuse' }, true), /pre_gen_project|Hook script failed/);
  });

  it('nested template menus: the first by default (as --no-input), another by its key', async () => {
    const sub = (name: string) => ({
      [`${name}/cookiecutter.json`]: JSON.stringify({ project_slug: `${name}_project`, flavour: [name, 'other'] }),
      [`${name}/{{cookiecutter.project_slug}}/${name}.txt`]: '{{ cookiecutter.flavour }} of {{ cookiecutter.project_slug }}\n',
    });
    const menu = writeTemplate(
      {
        templates: {
          first: { path: './first', title: 'First', description: 'the first one' },
          second: { path: './second', title: 'Second', description: 'the second one' },
        },
      },
      { ...sub('first'), ...sub('second') },
    );
    const t = await loadTemplate(menu);
    assert.deepEqual(
      t.nestedTemplates?.map((n) => n.key),
      ['first', 'second'],
    );
    assert.deepEqual(snapshotTree(await renderWithProduct(await chooseNestedTemplate(t, undefined), {})), commandTree(menu, {}));
    assert.deepEqual(
      snapshotTree(await renderWithProduct(await chooseNestedTemplate(t, 'second'), { flavour: 'other' })),
      commandTree(menu, { flavour: 'other' }, ['--directory', 'second']),
    );
    const list = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'new', '--template', menu, '--list'], {
      encoding: 'utf8',
      env: { ...process.env, MLFLOW_WB_PYTHON: venvPython },
    });
    assert.match(list.stdout, /is a menu of templates.*\n {2}first {2}First \(the first one\)\n {2}second {2}Second \(the second one\)/s);
    const parent = makeTempDir('cc-cli');
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'new', '--template', menu, '--nested', 'second', '--no-git', 'out'], {
      cwd: parent,
      encoding: 'utf8',
      env: { ...process.env, MLFLOW_WB_PYTHON: venvPython },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(snapshotTree(path.join(parent, 'out')), commandTree(menu, {}, ['--directory', 'second']));
  });
});

describe('mlflow-wb new with user templates (the built CLI) matches the cookiecutter command', () => {
  const cli = path.join(repoRoot, 'dist', 'cli.js');
  const runCli = (args: string[], cwd: string) =>
    spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, MLFLOW_WB_PYTHON: venvPython } });

  it('renders a feature template with --var answers (booleans, choices) identically', () => {
    const feature = featureTemplate();
    const parent = makeTempDir('cc-cli');
    const vars = { project_name: 'Cli Made', use_docker: 'yes', license: 'BSD-3' };
    const r = runCli(['new', '--template', feature, '--no-git', ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}=${v}`]), 'out'], parent);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(snapshotTree(path.join(parent, 'out')), commandTree(feature, vars));
    const list = runCli(['new', '--template', feature, '--list'], parent);
    assert.match(list.stdout, /use_docker {2}yes or no, default: no/);
    assert.match(list.stdout, /license {2}one of MIT \(MIT License\), BSD-3, none {2}\(License\)/);
    assert.match(list.stdout, /settings {2}a JSON object/);
  });

  it('refuses a template with hooks without --allow-hooks, naming them, running and writing nothing; renders it with --allow-hooks', () => {
    const sentinel = makeTempDir('cc-sentinel');
    const template = codeTemplate(sentinel);
    const parent = makeTempDir('cc-cli');
    const refused = runCli(['new', '--template', template, '--no-git', 'out'], parent);
    assert.equal(refused.status, 1);
    assert.match(
      refused.stderr,
      /runs its own code when it renders: hooks\/post_gen_project\.py, hooks\/pre_gen_project\.py, hooks\/pre_prompt\.py, Jinja extension jinja2_time\.TimeExtension, Jinja extension local_extensions\.shout.*--allow-hooks/s,
    );
    assert.deepEqual(fs.readdirSync(parent), []);
    assert.deepEqual(fs.readdirSync(sentinel), []);
    const allowed = runCli(['new', '--template', template, '--allow-hooks', '--var', 'project_name=Hooked', 'out'], parent);
    assert.equal(allowed.status, 0, allowed.stderr);
    assert.match(allowed.stdout, /git: initialised with a first commit/);
    assert.deepEqual(
      snapshotTree(path.join(parent, 'out')).filter((e) => !e.path.startsWith('.git')),
      commandTree(template, { project_name: 'Hooked' }),
    );
    assert.equal(
      fs.readdirSync(sentinel).filter((f) => f.startsWith('pre_prompt-')).length,
      2,
      'pre_prompt runs once per render: once for mlflow-wb new, once for the command',
    );
  });

  it('a pre_prompt hook that rewrites cookiecutter.json: the questions and defaults are those it prepared, as in cookiecutter', async () => {
    const template = writeTemplate(
      { project_name: 'Before Hook', project_slug: "{{ cookiecutter.project_name.lower().replace(' ', '_') }}" },
      {
        'hooks/pre_prompt.py':
          'import json\nwith open("cookiecutter.json") as f:\n    config = json.load(f)\nconfig["project_name"] = "After Hook"\nconfig["added"] = "{{ cookiecutter.project_slug }}-added"\nwith open("cookiecutter.json", "w") as f:\n    json.dump(config, f)\n',
        '{{cookiecutter.project_slug}}/README.md': '{{ cookiecutter.project_name }} {{ cookiecutter.added }}\n',
      },
    );
    const prepared = await prepareTemplate(await loadTemplate(template), { python: venvPython, allowTemplateCode: true });
    try {
      assert.ok(prepared.variables.some((v) => v.name === 'added'));
      const context = await templateContext(prepared, {}, { python: venvPython, allowTemplateCode: true });
      assert.equal(context.values.added, 'after_hook-added');
    } finally {
      await disposePreparedTemplate(prepared);
    }
    assert.equal(fs.existsSync(prepared.preparedDir!), false);
    const parent = makeTempDir('cc-cli');
    const r = runCli(['new', '--template', template, '--allow-hooks', '--no-git', '--var', 'added=given', '--var', 'project_name=After Hook', 'out'], parent);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(snapshotTree(path.join(parent, 'out')), commandTree(template, { added: 'given' }));
  });
});
