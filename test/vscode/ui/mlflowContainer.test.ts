import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { copyFixture } from '../../support/repoPaths';
import { Workbench } from '../../support/workbench';

describe('MLflow view container in the real workbench', () => {
  let workbench: Workbench;
  before(async () => {
    workbench = await Workbench.open({ workspace: copyFixture('example-project'), settings: { 'mlflow.embeddedServer.autoStart': false } });
  });
  after(() => workbench?.close());

  it('opens from the activity bar and shows the Runs and Model Registry views with next steps', async () => {
    await workbench.openViewContainer('MLflow');
    await workbench.viewHeader('Runs').waitFor({ timeout: 30_000 });
    await workbench.viewHeader('Model Registry').waitFor({ timeout: 30_000 });
    const welcome = workbench.page.locator('.part.sidebar .welcome-view-content', { hasText: 'No MLflow tracking server is connected' });
    await welcome.first().waitFor({ timeout: 30_000 });
    assert.ok(await welcome.first().isVisible());
    await workbench.screenshot('mlflow-container');
  });

  it('runs an MLflow command from the command palette', async () => {
    await workbench.runCommand('MLflow: Show Output');
    assert.equal(await workbench.activeOutputChannel(), 'MLflow');
    await workbench.screenshot('mlflow-output');
  });
});
