import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { fnmatch, isBinary, renderTemplate } from '../../../src/engine/scaffolding/projectRenderer';
import { loadTemplate, resolveAnswers, TemplateError } from '../../../src/engine/scaffolding/templateLoader';
import { TemplateSyntaxError } from '../../../src/engine/scaffolding/templateRenderer';
import { fixturesDir, makeTempDir } from '../../support/repoPaths';

const tiny = path.join(fixturesDir, 'scaffolding', 'tiny-template');

function fileMap(answers: Record<string, string> = {}): Map<string, string> {
  return new Map(renderTemplate(tiny, answers).files.map((f) => [f.relativePath, f.content.toString('latin1')]));
}

/** A template made on the fly: cookiecutter.json and files under {{cookiecutter.project_slug}}/. */
function makeTemplate(config: object, files: Record<string, string>): string {
  const dir = makeTempDir('tpl');
  fs.writeFileSync(path.join(dir, 'cookiecutter.json'), JSON.stringify(config));
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(dir, '{{cookiecutter.project_slug}}', rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
  return dir;
}

describe('loadTemplate', () => {
  it('lists variables in order with defaults, choices and prompts', () => {
    const t = loadTemplate(tiny);
    assert.equal(t.name, 'tiny-template');
    assert.equal(t.projectDirTemplate, '{{cookiecutter.project_slug}}');
    assert.deepEqual(
      t.variables.map((v) => v.name),
      ['project_name', 'project_slug', 'license', 'use_docker', 'greeting'],
    );
    const license = t.variables.find((v) => v.name === 'license')!;
    assert.deepEqual(license.choices, ['MIT', 'Apache-2.0', 'none']);
    assert.equal(license.default, 'MIT');
    assert.equal(license.prompt, 'Which license?');
    assert.equal(t.variables.find((v) => v.name === 'project_slug')!.pythonIdentifier, true);
    assert.deepEqual(t.copyWithoutRender, ['static/*.html']);
  });
  it('says what is missing when the folder is not a template', () => {
    assert.throws(() => loadTemplate(makeTempDir('empty')), /no cookiecutter.json/);
    const noTop = makeTempDir('notop');
    fs.writeFileSync(path.join(noTop, 'cookiecutter.json'), '{"a": "b"}');
    assert.throws(() => loadTemplate(noTop), /no project folder/);
  });
  it('refuses what it cannot honour: extensions, hooks, dict and boolean variables, bad JSON', () => {
    assert.throws(() => loadTemplate(makeTemplate({ project_slug: 'x', _extensions: ['jinja2_time.TimeExtension'] }, { a: '' })), /'_extensions' \(Jinja extensions\) is not supported/);
    const hooks = makeTemplate({ project_slug: 'x' }, { a: '' });
    fs.mkdirSync(path.join(hooks, 'hooks'));
    fs.writeFileSync(path.join(hooks, 'hooks', 'post_gen_project.py'), 'print(1)');
    assert.throws(() => loadTemplate(hooks), /hooks are not run/);
    assert.throws(() => loadTemplate(makeTemplate({ project_slug: 'x', opts: { a: 1 } }, { a: '' })), /'opts' is a dictionary variable/);
    assert.throws(() => loadTemplate(makeTemplate({ project_slug: 'x', flag: true }, { a: '' })), /boolean variable.*\["yes", "no"\]/);
    const bad = makeTemplate({ project_slug: 'x' }, { a: '' });
    fs.writeFileSync(path.join(bad, 'cookiecutter.json'), '{"a": ');
    assert.throws(() => loadTemplate(bad), /is not valid JSON/);
  });
});

describe('resolveAnswers', () => {
  const t = loadTemplate(tiny);
  it('renders defaults in order, each seeing the earlier answers', () => {
    const ctx = resolveAnswers(t, { project_name: 'Big Deal' });
    assert.equal(ctx.project_slug, 'big_deal');
    assert.equal(ctx.greeting, 'Hello from Big Deal');
    assert.equal(ctx.license, 'MIT');
  });
  it('turns a derived Python identifier into a valid package name', () => {
    assert.equal(resolveAnswers(t, { project_name: '2 Fast-Models!' }).project_slug, 'project_2_fast_models');
  });
  it('rejects an explicit invalid package name with a suggestion', () => {
    assert.throws(() => resolveAnswers(t, { project_slug: 'My-Pkg' }), /'My-Pkg' cannot be project_slug: .*try 'my_pkg'/);
  });
  it('rejects a value that is not one of the choices, listing them', () => {
    assert.throws(() => resolveAnswers(t, { license: 'GPL' }), /'GPL' is not a choice of 'license'. Choose one of: MIT, Apache-2.0, none/);
  });
  it('rejects answers to variables the template does not have', () => {
    assert.throws(() => resolveAnswers(t, { licence: 'MIT' }), (err: unknown) => err instanceof TemplateError && /no variable 'licence'.*license/.test(err.message));
  });
});

describe('renderTemplate', () => {
  it('renders names and contents, keeping empty plain files', () => {
    const r = renderTemplate(tiny, { project_name: 'Tiny Thing' });
    assert.equal(r.projectDirName, 'tiny_thing');
    const files = fileMap();
    assert.deepEqual([...files.keys()].sort(), ['LICENSE', 'README.md', 'logo.png', 'run.sh', 'static/page.html', 'tiny_thing/__init__.py', 'tiny_thing/py.typed']);
    assert.equal(files.get('README.md'), '# Tiny Thing\n\nHello from Tiny Thing.\nLicensed under MIT.\n');
    assert.equal(files.get('tiny_thing/__init__.py'), '"""Tiny Thing."""\n');
    assert.equal(files.get('tiny_thing/py.typed'), '');
    assert.equal(files.get('LICENSE'), 'MIT License\n');
  });
  it('leaves out a file whose name renders empty, and adds it when the condition holds', () => {
    assert.equal(fileMap().has('Dockerfile'), false);
    assert.equal(fileMap({ use_docker: 'yes' }).get('Dockerfile'), 'FROM python:3.11-slim\nCOPY . /tiny_thing\n');
  });
  it('leaves out a file whose content renders empty under a conditional', () => {
    const files = fileMap({ license: 'none' });
    assert.equal(files.has('LICENSE'), false);
    assert.equal(files.get('README.md'), '# Tiny Thing\n\nHello from Tiny Thing.\n');
  });
  it('copies _copy_without_render files and binary files byte for byte', () => {
    const files = renderTemplate(tiny).files;
    const html = files.find((f) => f.relativePath === 'static/page.html')!;
    assert.equal(html.content.toString(), '<p>{{ not rendered }} {% for x in y %}</p>\n');
    const png = files.find((f) => f.relativePath === 'logo.png')!;
    const source = fs.readFileSync(path.join(tiny, '{{cookiecutter.project_slug}}', 'logo.png'));
    assert.ok(png.content.equals(source));
  });
  it('keeps the executable bit of scripts', () => {
    const run = renderTemplate(tiny).files.find((f) => f.relativePath === 'run.sh')!;
    assert.equal(run.mode! & 0o111, 0o111);
    assert.equal(run.content.toString(), '#!/bin/sh\necho "tiny_thing"\n');
  });
  it('names the template file and line of a syntax error', () => {
    const dir = makeTemplate({ project_slug: 'x' }, { 'src/main.py': 'a = 1\nb = 2\n{% for i in cookiecutter.items %}\n' });
    assert.throws(
      () => renderTemplate(dir),
      (err: unknown) => {
        assert.ok(err instanceof TemplateSyntaxError);
        assert.equal(err.file, path.join(dir, '{{cookiecutter.project_slug}}', 'src', 'main.py'));
        assert.equal(err.line, 3);
        assert.match(err.message, /main\.py:3: loops/);
        return true;
      },
    );
  });
  it('refuses names that would escape the project folder', () => {
    const dir = makeTemplate({ project_slug: 'x', sub: '..' }, { '{{cookiecutter.sub}}/evil.txt': 'x' });
    assert.throws(() => renderTemplate(dir), /outside the project folder/);
  });
});

describe('isBinary and fnmatch', () => {
  it('treats NUL bytes and invalid UTF-8 as binary, UTF-8 text as text', () => {
    assert.equal(isBinary(Buffer.from('héllo {{ x }}')), false);
    assert.equal(isBinary(Buffer.from([0x61, 0x00, 0x62])), true);
    assert.equal(isBinary(Buffer.from([0xff, 0xfe, 0x41])), true);
  });
  it('matches like Python fnmatch (* crosses /)', () => {
    assert.ok(fnmatch('static/a/b.html', 'static/*.html'));
    assert.ok(fnmatch('x.js', '*.[jt]s'));
    assert.ok(!fnmatch('x.cs', '*.[!c]s'));
    assert.ok(fnmatch('a.b', 'a.?'));
    assert.ok(!fnmatch('axb', 'a.b'));
  });
});
