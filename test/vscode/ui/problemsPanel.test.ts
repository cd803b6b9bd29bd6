import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { copyFixture } from '../../support/repoPaths';
import { Workbench } from '../../support/workbench';

describe('MLflow diagnostics in the Problems panel', () => {
  let workbench: Workbench;
  before(async () => {
    workbench = await Workbench.open({ workspace: copyFixture('broken-project') });
  });
  after(() => workbench?.close());

  it('lists the broken MLproject and conda.yaml findings without opening them', async () => {
    await workbench.runCommand('View: Focus Problems');
    const problems = workbench.page.locator('.part.panel .markers-panel');
    await problems.waitFor({ timeout: 30_000 });
    const undeclared = problems.locator('.monaco-list-row', { hasText: "'epochs' is not a declared parameter" }).first();
    await undeclared.waitFor({ timeout: 30_000 });
    const rows = await problems.locator('.monaco-list-row').allInnerTexts();
    const text = rows.join('\n');
    assert.match(text, /MLproject/);
    assert.match(text, /Unknown parameter type 'flot'/);
    assert.match(text, /conda\.yaml/);
    await workbench.screenshot('problems-panel');
  });

  it('opens the MLproject at the finding and offers the quick fix', async () => {
    await workbench.page.locator('.part.panel .markers-panel .monaco-list-row', { hasText: "Unknown parameter type 'flot'" }).first().dblclick();
    await workbench.page.locator('.editor-instance .monaco-editor .view-lines', { hasText: 'entry_points' }).first().waitFor({ timeout: 30_000 });
    await workbench.page.keyboard.press('Control+.');
    const fix = workbench.page.locator('.action-widget .monaco-list-row, .context-view .action-widget li', { hasText: "Change type to 'float'" }).first();
    await fix.waitFor({ timeout: 30_000 });
    await workbench.screenshot('quick-fix');
    await workbench.page.keyboard.press('Enter');
    await workbench.page.locator('.editor-instance .view-lines', { hasText: 'type: float' }).first().waitFor({ timeout: 30_000 });
  });
});
