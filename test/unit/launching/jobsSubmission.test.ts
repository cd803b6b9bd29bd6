import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  dbfsRootLibraryRefused,
  dependencyAsLibrary,
  driverTaskParameters,
  ENVIRONMENT_KEY,
  environmentDependencies,
  jobsSubmitBody,
  namesMlflow,
  TASK_KEY,
} from '../../../src/engine/launching/jobsSubmission';

test('a job-cluster submit: one spark_python_task with new_cluster and libraries, an idempotency token', () => {
  const body = jobsSubmitBody({
    runName: 'r',
    idempotencyToken: 'mlflow-wb-abc',
    pythonFile: '/Workspace/Users/me/mlflow-wb/driver/d.py',
    parameters: ['--x', 'y'],
    compute: { kind: 'cluster', newCluster: { spark_version: '15.4.x-scala2.12' }, libraries: [{ whl: '/Workspace/w.whl' }] },
  });
  assert.deepEqual(body, {
    run_name: 'r',
    idempotency_token: 'mlflow-wb-abc',
    tasks: [
      {
        task_key: TASK_KEY,
        spark_python_task: { python_file: '/Workspace/Users/me/mlflow-wb/driver/d.py', parameters: ['--x', 'y'] },
        new_cluster: { spark_version: '15.4.x-scala2.12' },
        libraries: [{ whl: '/Workspace/w.whl' }],
      },
    ],
  });
});

test('a serverless submit: no cluster, no libraries, a job environment with the dependencies and environment_key on the task', () => {
  const body = jobsSubmitBody({
    runName: 'r',
    idempotencyToken: 't',
    pythonFile: '/Volumes/c/s/v/d.py',
    parameters: [],
    compute: { kind: 'serverless', dependencies: ['mlflow', '/Volumes/c/s/v/w.whl'] },
  });
  const task = (body.tasks as Record<string, unknown>[])[0]!;
  assert.equal(task.environment_key, ENVIRONMENT_KEY);
  assert.equal(task.new_cluster, undefined);
  assert.equal(task.libraries, undefined);
  assert.deepEqual(body.environments, [{ environment_key: ENVIRONMENT_KEY, spec: { client: '2', dependencies: ['mlflow', '/Volumes/c/s/v/w.whl'] } }]);
});

test('driver parameters carry the values verbatim, one argv element each (JSON for the entry point parameters)', () => {
  const nasty = `a'b "c" $(d); e`;
  const args = driverTaskParameters({
    archivePath: '/Workspace/p.tar.gz',
    entryPoint: 'main',
    parameters: { label: nasty },
    mlflowRunId: 'r1',
    experimentId: '7',
    trackingUri: 'databricks',
  });
  assert.deepEqual(JSON.parse(args[args.indexOf('--parameters') + 1]!), { label: nasty });
  assert.equal(args[args.indexOf('--tracking-uri') + 1], 'databricks');
});

test('environment dependencies from python_env.yaml, conda.yaml and requirements files', () => {
  assert.deepEqual(environmentDependencies('python_env.yaml', 'python: "3.11"\ndependencies:\n  - mlflow==3.1\n  - /Workspace/w.whl\n'), [
    'mlflow==3.1',
    '/Workspace/w.whl',
  ]);
  assert.deepEqual(environmentDependencies('conda.yaml', 'dependencies:\n  - python=3.11\n  - pip\n  - pip:\n    - scikit-learn\n    - -r extra.txt\n'), [
    'scikit-learn',
  ]);
  assert.deepEqual(environmentDependencies('requirements.txt', '# c\nnumpy>=1  # pinned\n\n--index-url x\n'), ['numpy>=1']);
  assert.deepEqual(dependencyAsLibrary('/Volumes/c/s/v/w.whl'), { whl: '/Volumes/c/s/v/w.whl' });
  assert.deepEqual(dependencyAsLibrary('numpy>=1'), { pypi: { package: 'numpy>=1' } });
  assert.ok(namesMlflow('mlflow') && namesMlflow('mlflow==3.17.2') && namesMlflow('mlflow[extras]>=3') && namesMlflow('mlflow-skinny'));
  assert.ok(!namesMlflow('mlflow-wb-helper') && !namesMlflow('mlflowx'));
});

test('DBFS-root libraries are refused from Runtime 15.0 on; volumes through dbfs:/Volumes and older runtimes pass', () => {
  assert.equal(dbfsRootLibraryRefused('15.1.x-scala2.12', [{ whl: 'dbfs:/FileStore/a.whl' }]), 'dbfs:/FileStore/a.whl');
  assert.equal(dbfsRootLibraryRefused('15.0.x-scala2.12', [{ jar: '/dbfs/jars/a.jar' }]), '/dbfs/jars/a.jar');
  assert.equal(dbfsRootLibraryRefused('14.3.x-scala2.12', [{ whl: 'dbfs:/FileStore/a.whl' }]), undefined);
  assert.equal(dbfsRootLibraryRefused('16.4.x-scala2.12', [{ whl: 'dbfs:/Volumes/c/s/v/a.whl' }, { whl: '/Workspace/a.whl' }]), undefined);
});
