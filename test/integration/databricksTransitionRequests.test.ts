// Stage transition requests on a Databricks workspace registry: the engine against the workspace
// emulator, whose approvals really move stages on the real MLflow server behind it.
import * as assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  approveTransitionRequest,
  cancelTransitionRequest,
  createModelVersionComment,
  createTransitionRequest,
  listModelVersionActivities,
  listTransitionRequests,
  rejectTransitionRequest,
  transitionStageWithComment,
} from '../../src/engine/databricks/transitionRequests';
import { MlflowApiError, MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { SCIENTIST, useRegistryWorkspace } from '../support/emulatedWorkspace';
import { uniqueName } from '../support/mlflowServer';

const REVIEWER = 'reviewer@example.com';

function isApiError(code: string, status: number, message?: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof MlflowApiError, String(err));
    assert.equal(err.errorCode, code, err.message);
    assert.equal(err.httpStatus, status, err.message);
    if (message) assert.match(err.message, message);
    return true;
  };
}

describe('Databricks transition requests (emulator + real MLflow)', () => {
  const dbx = useRegistryWorkspace({ userName: REVIEWER });
  let mlflow: MlflowRestClient;
  let reviewer: MlflowRestClient;
  let scientist: MlflowRestClient;
  let name: string;

  before(async () => {
    mlflow = new MlflowRestClient({ baseUrl: dbx.mlflowUrl });
    reviewer = new MlflowRestClient({ baseUrl: dbx.emulator.url, token: dbx.adminToken }, { maxRetries: 0 });
    scientist = new MlflowRestClient({ baseUrl: dbx.emulator.url, token: dbx.scientistToken }, { maxRetries: 0 });
    // The registry through the workspace (the proxy to MLflow): a model with two versions.
    const experimentId = await reviewer.createExperiment(uniqueName('transition-requests'));
    name = uniqueName('dbx-registry-model');
    await reviewer.createRegisteredModel(name);
    for (let i = 0; i < 3; i++) {
      const run = await reviewer.createRun(experimentId, `candidate-${i}`);
      await reviewer.createModelVersion(name, `runs:/${run.run_id}/model`, run.run_id);
    }
  });

  it('a direct transition with a comment moves the stage on MLflow and is recorded as APPLIED_TRANSITION', async () => {
    const moved = await transitionStageWithComment(reviewer, {
      name,
      version: '1',
      stage: 'staging',
      archiveExistingVersions: false,
      comment: 'first candidate',
    });
    assert.equal(moved.current_stage, 'Staging');
    assert.equal((await mlflow.getModelVersion(name, '1')).current_stage, 'Staging');
    const history = await listModelVersionActivities(reviewer, { name, version: '1' });
    assert.deepEqual(
      history.map((a) => [a.activity_type, a.from_stage, a.to_stage, a.user_id, a.comment]),
      [['APPLIED_TRANSITION', 'None', 'Staging', REVIEWER, 'first candidate']],
    );
  });

  it('a data scientist without Can Manage requests Staging; the list shows it with what each user may do', async () => {
    const request = await createTransitionRequest(scientist, { name, version: '2', stage: 'Staging', comment: 'beats v1 on rmse' });
    assert.equal(request.to_stage, 'Staging');
    assert.equal(request.user_id, SCIENTIST);
    assert.ok(request.creation_timestamp! > Date.now() - 60_000);

    const seenByScientist = await listTransitionRequests(scientist, { name, version: '2' });
    assert.equal(seenByScientist.length, 1);
    assert.equal(seenByScientist[0]!.activity_type, 'REQUESTED_TRANSITION');
    assert.equal(seenByScientist[0]!.comment, 'beats v1 on rmse');
    assert.deepEqual(seenByScientist[0]!.available_actions, ['CANCEL_TRANSITION_REQUEST']);
    const seenByReviewer = await listTransitionRequests(reviewer, { name, version: '2' });
    assert.deepEqual(seenByReviewer[0]!.available_actions, ['APPROVE_TRANSITION_REQUEST', 'REJECT_TRANSITION_REQUEST']);

    await assert.rejects(
      createTransitionRequest(scientist, { name, version: '2', stage: 'Staging' }),
      isApiError('RESOURCE_ALREADY_EXISTS', 400, /already has an open request/),
    );
    assert.equal((await mlflow.getModelVersion(name, '2')).current_stage, 'None', 'a request does not move the stage');
  });

  it('the data scientist cannot approve it nor transition directly: PERMISSION_DENIED naming Can Manage', async () => {
    await assert.rejects(
      approveTransitionRequest(scientist, { name, version: '2', stage: 'Staging', archiveExistingVersions: true }),
      isApiError('PERMISSION_DENIED', 403, /permission denied for transition-requests\/approve .*Can Manage/),
    );
    await assert.rejects(
      transitionStageWithComment(scientist, { name, version: '2', stage: 'Staging', archiveExistingVersions: false }),
      isApiError('PERMISSION_DENIED', 403, /Can Manage/),
    );
    // MLflow's own transition-stage call, through the workspace, is refused the same way.
    await assert.rejects(scientist.transitionModelVersionStage(name, '2', 'Staging', false), isApiError('PERMISSION_DENIED', 403));
    assert.equal((await mlflow.getModelVersion(name, '2')).current_stage, 'None');
    assert.equal((await listTransitionRequests(reviewer, { name, version: '2' })).length, 1, 'the request is still open');
  });

  it('the reviewer approves with archive: v2 is Staging and v1 Archived on the real MLflow server', async () => {
    const activity = await approveTransitionRequest(reviewer, {
      name,
      version: '2',
      stage: 'Staging',
      archiveExistingVersions: true,
      comment: 'approved after review',
    });
    assert.equal(activity.activity_type, 'APPROVED_REQUEST');
    assert.equal(activity.user_id, REVIEWER);
    assert.equal((await mlflow.getModelVersion(name, '2')).current_stage, 'Staging');
    assert.equal((await mlflow.getModelVersion(name, '1')).current_stage, 'Archived');
    assert.deepEqual(await listTransitionRequests(reviewer, { name, version: '2' }), []);

    const v2 = await listModelVersionActivities(scientist, { name, version: '2' });
    assert.deepEqual(
      v2.map((a) => [a.activity_type, a.from_stage, a.to_stage, a.user_id, a.comment]),
      [
        ['REQUESTED_TRANSITION', 'None', 'Staging', SCIENTIST, 'beats v1 on rmse'],
        ['APPROVED_REQUEST', 'None', 'Staging', REVIEWER, 'approved after review'],
      ],
    );
    const v1 = await listModelVersionActivities(reviewer, { name, version: '1' });
    assert.deepEqual(
      v1.map((a) => [a.activity_type, a.from_stage, a.to_stage]),
      [
        ['APPLIED_TRANSITION', 'None', 'Staging'],
        ['SYSTEM_TRANSITION', 'Staging', 'Archived'],
      ],
    );
    assert.match(v1[1]!.system_comment ?? '', /version 2 was moved to Staging/);
  });

  it('approving without archive leaves the other version in the stage', async () => {
    await createTransitionRequest(scientist, { name, version: '3', stage: 'Staging' });
    await approveTransitionRequest(reviewer, { name, version: '3', stage: 'Staging', archiveExistingVersions: false });
    assert.equal((await mlflow.getModelVersion(name, '3')).current_stage, 'Staging');
    assert.equal((await mlflow.getModelVersion(name, '2')).current_stage, 'Staging');
  });

  it('a rejected request closes without moving the stage', async () => {
    await createTransitionRequest(scientist, { name, version: '2', stage: 'Production', comment: 'ship it' });
    await assert.rejects(rejectTransitionRequest(scientist, { name, version: '2', stage: 'Production' }), isApiError('PERMISSION_DENIED', 403));
    const activity = await rejectTransitionRequest(reviewer, { name, version: '2', stage: 'production', comment: 'needs a drift check first' });
    assert.equal(activity.activity_type, 'REJECTED_REQUEST');
    assert.deepEqual(await listTransitionRequests(reviewer, { name, version: '2' }), []);
    assert.equal((await mlflow.getModelVersion(name, '2')).current_stage, 'Staging');
    const last = (await listModelVersionActivities(reviewer, { name, version: '2' })).at(-1)!;
    assert.deepEqual(
      [last.activity_type, last.to_stage, last.user_id, last.comment],
      ['REJECTED_REQUEST', 'Production', REVIEWER, 'needs a drift check first'],
    );
    await assert.rejects(
      approveTransitionRequest(reviewer, { name, version: '2', stage: 'Production', archiveExistingVersions: true }),
      isApiError('RESOURCE_DOES_NOT_EXIST', 404, /Transition request to Production for version 2 .* does not exist/),
    );
  });

  it('the requester cancels their own request; comments land in the history too', async () => {
    await createTransitionRequest(scientist, { name, version: '1', stage: 'Production' });
    const activity = await cancelTransitionRequest(scientist, { name, version: '1', stage: 'Production', creator: SCIENTIST, comment: 'wrong version' });
    assert.equal(activity.activity_type, 'CANCELLED_REQUEST');
    assert.deepEqual(await listTransitionRequests(scientist, { name, version: '1' }), []);
    await assert.rejects(
      cancelTransitionRequest(scientist, { name, version: '1', stage: 'Production', creator: SCIENTIST }),
      isApiError('RESOURCE_DOES_NOT_EXIST', 404, /does not exist/),
    );
    await createModelVersionComment(scientist, { name, version: '1', comment: 'kept for the audit' });
    const history = await listModelVersionActivities(reviewer, { name, version: '1' });
    assert.deepEqual(
      history.slice(-3).map((a) => [a.activity_type, a.user_id, a.comment]),
      [
        ['REQUESTED_TRANSITION', SCIENTIST, undefined],
        ['CANCELLED_REQUEST', SCIENTIST, 'wrong version'],
        ['NEW_COMMENT', SCIENTIST, 'kept for the audit'],
      ],
    );
    assert.equal((await mlflow.getModelVersion(name, '1')).current_stage, 'Archived');
  });

  it('a missing version, a bad stage and a Unity Catalog name are refused with what to fix', async () => {
    await assert.rejects(listTransitionRequests(reviewer, { name, version: '99' }), isApiError('RESOURCE_DOES_NOT_EXIST', 404, /version '99' does not exist/));
    await assert.rejects(
      createTransitionRequest(reviewer, { name: uniqueName('absent'), version: '1', stage: 'Staging' }),
      isApiError('RESOURCE_DOES_NOT_EXIST', 404),
    );
    // The engine checks the stage before sending; the workspace checks it too.
    await assert.rejects(
      createTransitionRequest(reviewer, { name, version: '1', stage: 'Prod' }),
      /'Prod' is not a stage: use one of Staging, Production, Archived, None/,
    );
    const raw = await fetch(`${dbx.emulator.url}/api/2.0/mlflow/transition-requests/create`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${dbx.adminToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name, version: '1', stage: 'Prod' }),
    });
    assert.equal(raw.status, 400);
    assert.equal(((await raw.json()) as { error_code: string }).error_code, 'INVALID_PARAMETER_VALUE');
    await assert.rejects(listTransitionRequests(reviewer, { name: 'main.ml.churn', version: '1' }), /Unity Catalog model, which has no stages/);
    // An unknown token is refused before any registry logic.
    const stranger = new MlflowRestClient({ baseUrl: dbx.emulator.url, token: 'dapi-unknown' }, { maxRetries: 0 });
    await assert.rejects(listTransitionRequests(stranger, { name, version: '1' }), isApiError('PERMISSION_DENIED', 403, /Invalid access token/));
  });
});
