import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveSlug, isValidPackageName, packageNameProblem } from '../../../src/engine/scaffolding/pythonSlug';

describe('deriveSlug', () => {
  const cases: [string, string][] = [
    ['My MLflow Project', 'my_mlflow_project'],
    ['churn-model v2!', 'churn_model_v2'],
    ['  spaced   out  ', 'spaced_out'],
    ['Café Crème', 'cafe_creme'],
    ['3D Segmentation', 'project_3d_segmentation'],
    ['class', 'class_project'],
    ['import', 'import_project'],
    ['mlflow', 'mlflow_project'],
    ['!!!', 'mlflow_project'],
    ['', 'mlflow_project'],
    ['None', 'none'],
  ];
  for (const [input, expected] of cases) {
    it(`"${input}" → "${expected}"`, () => {
      const slug = deriveSlug(input);
      assert.equal(slug, expected);
      assert.ok(isValidPackageName(slug), `${slug} should be a valid package name`);
    });
  }
  it('always yields a valid package name (random inputs)', () => {
    const alphabet = 'aZ09 _-.!é中\tclassdefimport';
    for (let i = 0; i < 500; i++) {
      let s = '';
      const len = Math.floor(Math.random() * 12);
      for (let j = 0; j < len; j++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
      const slug = deriveSlug(s);
      assert.ok(isValidPackageName(slug), `deriveSlug(${JSON.stringify(s)}) = ${slug}`);
    }
  });
});

describe('packageNameProblem', () => {
  it('explains each kind of invalid name', () => {
    assert.match(packageNameProblem('1abc')!, /starts with a digit/);
    assert.match(packageNameProblem('MyPkg')!, /upper-case/);
    assert.match(packageNameProblem('my-pkg')!, /characters other than/);
    assert.match(packageNameProblem('lambda')!, /keyword/);
    assert.match(packageNameProblem('sklearn')!, /shadow/);
    assert.match(packageNameProblem('')!, /empty/);
    assert.equal(packageNameProblem('good_name2'), undefined);
  });
});
