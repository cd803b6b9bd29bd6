import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { loadTemplate, parseAnswers, templateCode } from '../../../src/engine/scaffolding/templateLoader';
import { makeTempDir } from '../../support/repoPaths';

function makeTemplate(config: object, extra: Record<string, string> = {}): string {
  const dir = makeTempDir('tpl');
  fs.writeFileSync(path.join(dir, 'cookiecutter.json'), JSON.stringify(config));
  for (const [rel, content] of Object.entries({ '{{cookiecutter.project_slug}}/README.md': '', ...extra })) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

describe('loadTemplate reads cookiecutter.json for the wizard', () => {
  it('gives each variable its kind, prompt and choice labels, in order, without private ones', async () => {
    const t = await loadTemplate(
      makeTemplate({
        project_name: 'X',
        project_slug: "{{ cookiecutter.project_name.lower().replace(' ', '_') }}",
        license: ['MIT', 'BSD'],
        use_ci: true,
        settings: { a: 1 },
        _private: 'p',
        __rendered: '{{ cookiecutter.project_slug }}',
        _python_identifiers: ['project_slug'],
        __prompts__: { project_name: 'Name?', license: { __prompt__: 'Which license?', MIT: 'MIT License' } },
      }),
    );
    assert.deepEqual(
      t.variables.map((v) => [v.name, v.kind]),
      [
        ['project_name', 'text'],
        ['project_slug', 'text'],
        ['license', 'choice'],
        ['use_ci', 'boolean'],
        ['settings', 'dict'],
      ],
    );
    assert.equal(t.variables[0].prompt, 'Name?');
    assert.equal(t.variables[2].prompt, 'Which license?');
    assert.deepEqual(t.variables[2].choiceLabels, { MIT: 'MIT License' });
    assert.equal(t.variables[1].pythonIdentifier, true);
    assert.deepEqual(templateCode(t), []);
  });

  it('names the template code that needs consent: hook files and Jinja extensions', async () => {
    const dir = makeTemplate(
      { project_slug: 'x', _extensions: ['local_extensions.Shout'] },
      { 'hooks/post_gen_project.py': '', 'hooks/pre_gen_project.sh': '', 'hooks/post_gen_project.py~': '', 'hooks/helper.py': '' },
    );
    assert.deepEqual(templateCode(await loadTemplate(dir)), [
      'hooks/post_gen_project.py',
      'hooks/pre_gen_project.sh',
      'Jinja extension local_extensions.Shout',
    ]);
  });

  it('reads a menu of nested templates and refuses one that points outside the template', async () => {
    const menu = await loadTemplate(makeTemplate({ templates: { a: { path: './a', title: 'A', description: 'first' }, b: { path: 'b', title: 'B' } } }));
    assert.deepEqual(
      menu.nestedTemplates?.map((n) => [n.key, n.title, path.basename(n.dir)]),
      [
        ['a', 'A', 'a'],
        ['b', 'B', 'b'],
      ],
    );
    await assert.rejects(loadTemplate(makeTemplate({ templates: { evil: { path: '../../etc' } } })), /outside the template's folder/);
    await assert.rejects(loadTemplate(makeTemplate({ templates: { evil: { path: '/etc' } } })), /outside the template's folder/);
  });

  it('parses --var texts: JSON for dict variables, choices checked, unknown names refused', async () => {
    const t = await loadTemplate(makeTemplate({ project_slug: 'x', license: ['MIT', 'BSD'], flag: false, settings: { a: 1 } }));
    assert.deepEqual(parseAnswers(t, { license: 'BSD', flag: 'yes', settings: '{"b": 2}' }), { license: 'BSD', flag: 'yes', settings: { b: 2 } });
    assert.throws(() => parseAnswers(t, { license: 'GPL' }), /'GPL' is not a choice of 'license'. Choose one of: MIT, BSD/);
    assert.throws(() => parseAnswers(t, { settings: '[1]' }), /takes a JSON object/);
    assert.throws(() => parseAnswers(t, { nope: '1' }), /has no variable 'nope'/);
  });

  it('says what is wrong with a folder that is not a template', async () => {
    await assert.rejects(loadTemplate(makeTempDir('empty')), /no cookiecutter.json/);
    const bad = makeTemplate({});
    fs.writeFileSync(path.join(bad, 'cookiecutter.json'), '{"a": ');
    await assert.rejects(loadTemplate(bad), /is not valid JSON/);
  });
});
