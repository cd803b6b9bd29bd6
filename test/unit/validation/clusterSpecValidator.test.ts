import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { ValidationDiagnostic } from '../../../src/engine/validation/diagnostic';
import { parseJsonWithRanges } from '../../../src/engine/validation/jsonTree';
import { validatePaths } from '../../../src/engine/validation/validatePaths';
import { applyFix, check, codes, expectOne } from './validationTestKit';

const CLUSTER = JSON.stringify(
  {
    spark_version: '15.4.x-cpu-ml-scala2.12',
    node_type_id: 'i3.xlarge',
    num_workers: 2,
    spark_conf: { 'spark.speculation': 'true' },
    aws_attributes: { availability: 'SPOT_WITH_FALLBACK' },
  },
  null,
  2,
);
const WRAPPED = JSON.stringify(
  {
    new_cluster: { spark_version: '14.3.x-gpu-ml-scala2.12', node_type_id: 'g5.xlarge', autoscale: { min_workers: 1, max_workers: 4 } },
    libraries: [
      { pypi: { package: 'scikit-learn==1.5.2' } },
      { whl: '/Volumes/main/default/wheels/pkg-1.0-py3-none-any.whl' },
      { whl: '{{wheel_path}}' },
      { maven: { coordinates: 'org.jsoup:jsoup:1.7.2' } },
    ],
  },
  null,
  2,
);

/** Errors and warnings (information notes left out). */
const problems = (diags: ValidationDiagnostic[]) => diags.filter((d) => d.severity !== 'info');

describe('cluster spec validator', () => {
  it('accepts a plain new_cluster spec and the wrapper form', () => {
    assert.deepEqual(problems(check('cluster', CLUSTER)), []);
    assert.deepEqual(problems(check('cluster', WRAPPED)), []);
  });
  it('reports JSON syntax errors at their position', () => {
    const t = '{"spark_version": "15.4.x-scala2.12",}';
    expectOne(t, check('cluster', t), 'json/syntax', 'error', ',');
    const u = '{"num_workers": 2 "x": 1}';
    expectOne(u, check('cluster', u), 'json/syntax', 'error', '"x"');
    assert.equal(parseJsonWithRanges('{"a": "\\u00e9", "b": [1, -2.5e3, true, null]}').root?.kind, 'object');
  });
  it('requires num_workers xor autoscale and min_workers <= max_workers', () => {
    const both = CLUSTER.replace('"num_workers": 2', '"num_workers": 2, "autoscale": {"min_workers": 1, "max_workers": 2}');
    expectOne(both, check('cluster', both), 'cluster/workers-and-autoscale', 'error', '"autoscale"');
    const none = CLUSTER.replace('"num_workers": 2,', '');
    assert.ok(check('cluster', none).some((d) => d.code === 'cluster/missing-workers'));
    const inverted = WRAPPED.replace('"min_workers": 1', '"min_workers": 5');
    expectOne(inverted, check('cluster', inverted), 'cluster/invalid-autoscale', 'error', '5');
  });
  it('checks the spark_version form', () => {
    for (const ok of ['15.4.x-scala2.12', '14.3.x-gpu-ml-scala2.12', '15.4.x-cpu-ml-scala2.12', '16.1.x-photon-scala2.12']) {
      assert.deepEqual(problems(check('cluster', CLUSTER.replace('15.4.x-cpu-ml-scala2.12', ok))), [], ok);
    }
    const bad = CLUSTER.replace('15.4.x-cpu-ml-scala2.12', '15.4 LTS ML');
    expectOne(bad, check('cluster', bad), 'cluster/invalid-spark-version', 'error', '"15.4 LTS ML"');
  });
  it('checks library paths and library shapes', () => {
    const local = WRAPPED.replace('/Volumes/main/default/wheels/pkg-1.0-py3-none-any.whl', 'dist/pkg.whl');
    expectOne(local, check('cluster', local), 'cluster/invalid-library-path', 'error', '"dist/pkg.whl"');
    const two =
      '{"new_cluster": {"spark_version": "15.4.x-scala2.12", "node_type_id": "i3.xlarge", "num_workers": 1}, "libraries": [{"whl": "dbfs:/a.whl", "jar": "dbfs:/a.jar"}]}';
    expectOne(two, check('cluster', two), 'cluster/invalid-library', 'error', '{"whl": "dbfs:/a.whl", "jar": "dbfs:/a.jar"}');
    const noPkg = WRAPPED.replace('"package": "scikit-learn==1.5.2"', '"repo": "https://pypi.org/simple"');
    assert.ok(check('cluster', noPkg).some((d) => d.code === 'cluster/missing-key'));
  });
  it('rejects existing_cluster_id as MLflow does, with a removal fix next to new_cluster', () => {
    const t = WRAPPED.replace('{\n  "new_cluster"', '{\n  "existing_cluster_id": "0101-abc",\n  "new_cluster"');
    const d = expectOne(t, check('cluster', t), 'cluster/existing-cluster', 'error', '"existing_cluster_id"');
    assert.match(d.message, /must provide a \*new cluster\* specification/);
    assert.equal(applyFix(t, d), WRAPPED);
  });
  it('warns about unknown keys with did-you-mean and checks types and enums', () => {
    const t = CLUSTER.replace('"spark_conf"', '"spark_cnf"');
    const d = expectOne(t, check('cluster', t), 'cluster/unknown-key', 'warning', '"spark_cnf"');
    assert.equal(applyFix(t, d), CLUSTER);
    const s = CLUSTER.replace('"num_workers": 2', '"num_workers": "2"');
    expectOne(s, check('cluster', s), 'cluster/invalid-type', 'error', '"2"');
    const e = CLUSTER.replace('SPOT_WITH_FALLBACK', 'SPOT_WITH_FALBACK');
    const ed = expectOne(e, check('cluster', e), 'cluster/invalid-value', 'error', '"SPOT_WITH_FALBACK"');
    assert.equal(applyFix(e, ed), CLUSTER);
  });
  it('warns about instance_profile_name (a real dbx job cluster) with the did-you-mean fix: Databricks knows only instance_profile_arn', () => {
    const text = JSON.stringify(
      {
        spark_version: '15.4.x-scala2.12',
        node_type_id: 'i3.xlarge',
        num_workers: 1,
        aws_attributes: { instance_profile_name: 'arn:aws:iam::123456789012:instance-profile/ml' },
      },
      null,
      2,
    );
    const d = expectOne(text, check('cluster', text), 'cluster/unknown-key', 'warning', '"instance_profile_name"');
    assert.match(d.message, /did you mean "instance_profile_arn"/);
    assert.equal(applyFix(text, d), text.replace('instance_profile_name', 'instance_profile_arn'));
  });
  it('flags cluster keys mixed into the wrapper form', () => {
    const t = WRAPPED.replace('{\n  "new_cluster"', '{\n  "num_workers": 1,\n  "new_cluster"');
    expectOne(t, check('cluster', t), 'cluster/mixed-forms', 'error', '"num_workers"');
  });
  it('ships a draft-07 schema with a description on every property', () => {
    const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', 'src', 'engine', 'validation', 'clusterSpec.schema.json'), 'utf8'));
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    const missing: string[] = [];
    const visit = (
      props: Record<string, { description?: string; $ref?: string; properties?: object; items?: { properties?: object } }> | undefined,
      at: string,
    ) => {
      for (const [k, v] of Object.entries(props ?? {})) {
        if (!v.description && !v.$ref) missing.push(`${at}.${k}`);
        visit(v.properties as never, `${at}.${k}`);
        visit(v.items?.properties as never, `${at}.${k}[]`);
      }
    };
    visit(schema.properties, '');
    for (const [name, def] of Object.entries(schema.definitions as Record<string, { properties?: object }>)) visit(def.properties as never, name);
    assert.deepEqual(missing, []);
  });

  describe('what the target refuses (#13), before launch', () => {
    const onRuntime = (runtime: string, whl: string) =>
      JSON.stringify({ new_cluster: { spark_version: runtime, node_type_id: 'i3.xlarge', num_workers: 1 }, libraries: [{ whl }] }, null, 2);
    it('DBFS-root libraries on Databricks Runtime 15.1 and later are an error with the fix in the message', () => {
      const text = onRuntime('15.4.x-scala2.12', 'dbfs:/FileStore/wheels/pkg-1.0-py3-none-any.whl');
      const d = expectOne(text, check('cluster', text), 'cluster/dbfs-library-on-15.1', 'error', '"dbfs:/FileStore/wheels/pkg-1.0-py3-none-any.whl"');
      assert.match(d.message, /workspace files \(\/Workspace\/Users\/<you>\/\.\.\.\) or a Unity Catalog volume \(\/Volumes\//);
      for (const fine of [
        onRuntime('14.3.x-scala2.12', 'dbfs:/FileStore/pkg.whl'),
        onRuntime('15.0.x-scala2.12', 'dbfs:/FileStore/pkg.whl'),
        onRuntime('16.1.x-scala2.12', 'dbfs:/Volumes/main/default/w/pkg.whl'),
        onRuntime('16.1.x-scala2.12', '/Workspace/Users/me/pkg.whl'),
        onRuntime('15.4.x-scala2.12', 'dbfs:/FileStore/wheels/WHEELPATH.whl'),
      ]) {
        assert.ok(!check('cluster', fine).some((x) => x.code === 'cluster/dbfs-library-on-15.1'), fine);
      }
    });
    it("an ML runtime 13.0 or later gets a note that the legacy protocol refuses it; existing_cluster_id is MLflow's error", () => {
      const ml = onRuntime('13.3.x-cpu-ml-scala2.12', '/Workspace/Users/me/pkg.whl');
      const d = expectOne(ml, check('cluster', ml), 'cluster/legacy-protocol-ml-runtime', 'info', '"13.3.x-cpu-ml-scala2.12"');
      assert.match(d.message, /legacy protocol \(`mlflow run -b databricks`/);
      assert.ok(!check('cluster', onRuntime('12.2.x-cpu-ml-scala2.12', '/Workspace/a.whl')).some((x) => x.code === 'cluster/legacy-protocol-ml-runtime'));
      assert.ok(!check('cluster', onRuntime('15.4.x-scala2.12', '/Workspace/a.whl')).some((x) => x.code === 'cluster/legacy-protocol-ml-runtime'));
      const existing = '{"existing_cluster_id": "0101-abc"}';
      expectOne(existing, check('cluster', existing), 'cluster/existing-cluster', 'error', '"existing_cluster_id"');
    });
    it('a cluster spec together with serverless (environment_key, environments) is an error', () => {
      const text = JSON.stringify(
        { new_cluster: { spark_version: '15.4.x-scala2.12', node_type_id: 'i3.xlarge', num_workers: 1 }, environment_key: 'default' },
        null,
        2,
      );
      expectOne(text, check('cluster', text), 'cluster/cluster-and-serverless', 'error', '"environment_key"');
    });
    it('a wheel placeholder nothing rewrites is a warning; WHEELPATH and {{wheel_path}} are rewritten', () => {
      const text = onRuntime('15.4.x-scala2.12', '${WHEEL}');
      expectOne(text, check('cluster', text), 'cluster/unrewritten-placeholder', 'warning', '"${WHEEL}"');
      for (const ok of ['{{wheel_path}}', '/Workspace/Users/me/WHEELPATH'])
        assert.ok(!check('cluster', onRuntime('15.4.x-scala2.12', ok)).some((x) => x.code === 'cluster/unrewritten-placeholder'), ok);
    });
    it('keys MLflow drops in the wrapper form get no warning; libraries in the flat form a warning', () => {
      const wrapper = JSON.stringify(
        { run_name: 'x', new_cluster: { spark_version: '15.4.x-scala2.12', node_type_id: 'i3.xlarge', num_workers: 1 }, libraries: [] },
        null,
        2,
      );
      assert.deepEqual(problems(check('cluster', wrapper)), []);
      const flat = JSON.stringify(
        { spark_version: '15.4.x-scala2.12', node_type_id: 'i3.xlarge', num_workers: 1, libraries: [{ pypi: { package: 'x' } }] },
        null,
        2,
      );
      expectOne(flat, check('cluster', flat), 'cluster/libraries-without-new-cluster', 'warning', '"libraries"');
    });
  });

  it('a Jobs runs/submit body in a project folder is left alone by `validate .`, and checked when named', async () => {
    const dir = path.join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'validation', 'run-submit-in-project');
    const byFolder = await validatePaths([dir]);
    assert.deepEqual(
      byFolder.map((f) => [path.basename(f.file), f.kind]),
      [
        ['MLproject', 'mlproject'],
        ['cluster.json', 'cluster'],
        ['python_env.yaml', 'python_env'],
      ],
    );
    assert.deepEqual(
      byFolder.flatMap((f) => problems(f.diagnostics)),
      [],
    );
    const named = await validatePaths([path.join(dir, 'run_submit_existing_cluster.json')]);
    assert.deepEqual(
      named.map((f) => f.kind),
      ['cluster'],
    );
    // Named (as for --backend-config), it gets one error saying what it is, not a cluster check of each field.
    assert.deepEqual(
      named[0].diagnostics.map((d) => [d.code, d.severity]),
      [['cluster/job-request', 'error']],
    );
    assert.match(named[0].diagnostics[0].message, /Jobs request \("run_name", "spark_python_task"\).*must provide a \*new cluster\* specification/);
  });

  it('a Jobs request shape named as a cluster spec is one error (MLflow docs: cluster_spec + run_name); the wrapper form with job keys stays a cluster spec', () => {
    const docs = JSON.stringify(
      { cluster_spec: { new_cluster: { node_type_id: 'i3.xlarge', num_workers: 2, spark_version: '11.3.x-scala2.12' } }, run_name: 'distributed-training' },
      null,
      2,
    );
    const d = expectOne(docs, check('cluster', docs), 'cluster/job-request', 'error', '"run_name"');
    assert.match(d.message, /under cluster_spec\.new_cluster/);
    assert.equal(check('cluster', docs).length, 1);
    const serverless = JSON.stringify({ spark_version: '15.4.x-scala2.12', node_type_id: 'i3.xlarge', num_workers: 1, environments: [] }, null, 2);
    const found = codes(check('cluster', serverless));
    assert.ok(found.includes('cluster/cluster-and-serverless') && !found.includes('cluster/job-request'), found.join());
  });
});
