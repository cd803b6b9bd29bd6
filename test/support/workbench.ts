import * as fs from 'node:fs';
import * as path from 'node:path';
import * as util from 'node:util';
import { chromium, type BrowserContext, type FrameLocator, type Locator, type Page } from 'playwright-core';
import { chromiumPath, startCodeServer, type CodeServerOptions, type RunningCodeServer } from './codeServer';
import { makeTempDir, repoRoot, testResultsDir } from './repoPaths';
import { parseCounts, type HostSuiteCounts } from '../vscode/host/hostSuiteResult';

const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

async function launchChromium(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(makeTempDir('chromium'), {
    executablePath: chromiumPath(),
    headless: true,
    args: chromiumArgs,
    viewport: { width: 1400, height: 900 },
  });
}

/** A real VS Code workbench (code-server + Chromium) with the built extension installed, and helpers to drive it. */
export class Workbench {
  private constructor(
    readonly server: RunningCodeServer,
    readonly browser: BrowserContext,
    readonly page: Page,
  ) {}

  static async open(options: Omit<CodeServerOptions, 'installExtension'>): Promise<Workbench> {
    assertBuilt();
    const server = await startCodeServer({ ...options, installExtension: !options.vsixPath });
    let browser: BrowserContext | undefined;
    try {
      browser = await launchChromium();
      const page = browser.pages()[0] ?? (await browser.newPage());
      await page.goto(`${server.url}/?folder=${encodeURIComponent(options.workspace)}`);
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      await page.locator('.part.activitybar').waitFor({ timeout: 60_000 });
      await waitForColorTheme(page);
      return new Workbench(server, browser, page);
    } catch (err) {
      await browser?.close();
      await server.stop();
      throw err;
    }
  }

  /**
   * Runs a command from the palette by its title, e.g. "MLflow: Refresh". Retries while the
   * workbench is still registering extensions' commands right after start-up.
   */
  async runCommand(title: string): Promise<void> {
    const input = this.page.locator('.quick-input-widget input');
    const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    const deadline = Date.now() + 30_000;
    for (;;) {
      for (let i = 0; i < 10 && !(await input.isVisible()); i++) {
        await this.page.keyboard.press('F1');
        await this.page.waitForTimeout(300);
      }
      await input.fill(`>${title}`);
      try {
        await row.waitFor({ timeout: 3000 });
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await input.fill('');
      }
    }
    await this.page.keyboard.press('Enter');
  }

  /** Opens a view container of the activity bar by its title ("MLflow", "Explorer"). */
  async openViewContainer(title: string): Promise<void> {
    const item = this.page.locator(`.part.activitybar .action-item a[aria-label^="${title}"]`).first();
    await item.waitFor({ timeout: 30_000 });
    const selected = await item.evaluate((el) => el.closest('.action-item')?.classList.contains('checked') ?? false);
    if (!selected) await item.click();
  }

  /** The header of a view in the side bar (e.g. "Runs"). */
  viewHeader(name: string) {
    return this.page.locator('.part.sidebar .pane-header', { hasText: name }).first();
  }

  treeRows() {
    return this.page.locator('.part.sidebar .monaco-list-row');
  }

  /** A row of a side bar view's tree whose text contains `text` (the view found by its header). */
  treeItem(viewName: string, text: string | RegExp) {
    return this.viewPane(viewName).locator('.monaco-list-row', { hasText: text }).first();
  }

  /**
   * Expands a tree row (the focused row when it matches, else the first match from the top),
   * reached by keyboard: a click lands wherever the row happens to be drawn, and in a busy tree a
   * row below the fold, a row redrawn while its siblings load or a hover tooltip takes it instead.
   */
  async expand(viewName: string, text: string | RegExp): Promise<void> {
    const row = await this.focusTreeRow(viewName, text);
    const deadline = Date.now() + 30_000;
    while ((await row.getAttribute('aria-expanded')) === 'false') {
      if (Date.now() > deadline) throw new Error(`The ${viewName} row matching ${String(text)} did not expand.`);
      await this.page.keyboard.press('ArrowRight');
      await this.waitForRowState(row, (r) => r.getAttribute('aria-expanded').then((e) => e !== 'false'), 2000);
    }
  }

  /**
   * Moves the keyboard focus from the focused row (down, or up with `key` = 'ArrowUp') to the next
   * row with `text`: long trees render only the rows in view, so a row below the fold has no element
   * until the focus reaches it.
   */
  async revealBelowFocus(viewName: string, text: string | RegExp, maxSteps = 200, key: 'ArrowDown' | 'ArrowUp' = 'ArrowDown'): Promise<void> {
    await this.focusTreeRow(viewName, text, { fromTop: false, key, maxSteps });
  }

  /** Puts the keyboard focus on a row without changing whether it is expanded. */
  async focusRow(viewName: string, text: string | RegExp): Promise<void> {
    await this.focusTreeRow(viewName, text);
  }

  /**
   * Runs an entry of a tree row's context menu: the row is first focused (and so revealed) by
   * keyboard. Monaco menus act on mouse-up after a hover; hovering the entry and pressing Enter is reliable.
   */
  async contextMenu(viewName: string, text: string | RegExp, action: string): Promise<void> {
    const row = await this.focusTreeRow(viewName, text);
    await row.click({ button: 'right' });
    const item = this.page.locator('.monaco-menu .action-item', { hasText: action }).first();
    await item.waitFor({ timeout: 20_000 });
    await item.hover();
    await this.page.keyboard.press('Enter');
  }

  /** Runs a tree row's command (what a click on it does), with the focus put on it by keyboard. */
  async activateRow(viewName: string, text: string | RegExp): Promise<void> {
    await this.focusTreeRow(viewName, text);
    await this.page.keyboard.press('Enter');
  }

  /**
   * Puts the keyboard focus of a side bar view's tree on the row with `text` and returns that row:
   * the focused row if it matches, else walks the tree with the arrow keys (from the top, or from the
   * focused row when `fromTop` is false) until a focused row matches. The list reveals the focused
   * row, so the row is in view, drawn and not covered. Retries while rows are still loading.
   */
  async focusTreeRow(
    viewName: string,
    text: string | RegExp,
    options: { fromTop?: boolean; key?: 'ArrowDown' | 'ArrowUp'; maxSteps?: number; timeoutMs?: number } = {},
  ): Promise<Locator> {
    const { fromTop = true, key = 'ArrowDown', maxSteps = 400, timeoutMs = 30_000 } = options;
    const pane = this.viewPane(viewName);
    const list = pane.locator('.monaco-list').first();
    const focused = pane.locator('.monaco-list-row.focused');
    const match = focused.filter({ hasText: text });
    await list.waitFor({ timeout: 30_000 });
    // Keep the mouse off the trees: a row's hover tooltip covers the rows beneath it.
    await this.page.mouse.move(1, 1);
    const deadline = Date.now() + timeoutMs;
    for (let round = 0; ; round++) {
      if (!(await this.treeHasFocus(pane))) await list.focus();
      if (await match.count()) return match.first();
      if (fromTop || round > 0) {
        // From the top: Home focuses the first row (a list without a focused row gets one on the first key).
        await this.page.keyboard.press(fromTop ? 'Home' : key === 'ArrowDown' ? 'Home' : 'End');
        await this.waitForRowState(focused, async (r) => (await r.count()) > 0, 2000);
      }
      let previous = await this.focusedRowKey(focused);
      for (let step = 0; step < maxSteps; step++) {
        if (await match.count()) return match.first();
        await this.page.keyboard.press(key);
        // The focus moves on keydown; wait until the focused row is another one (or give up at an end).
        let now = previous;
        for (let i = 0; i < 20 && now === previous; i++) {
          await this.page.waitForTimeout(i === 0 ? 10 : 25);
          now = await this.focusedRowKey(focused);
        }
        if (now === previous) break; // first or last row
        previous = now;
      }
      if (await match.count()) return match.first();
      if (Date.now() > deadline) {
        const rows = await pane.locator('.monaco-list-row').allInnerTexts();
        throw new Error(`No row matching ${String(text)} in the ${viewName} view (rows drawn: ${rows.map((r) => r.replace(/\s+/g, ' ')).join(' | ')}).`);
      }
      await this.page.waitForTimeout(500); // children still loading: walk again
    }
  }

  /** The side bar pane of a view, found by its header. */
  viewPane(viewName: string): Locator {
    return this.page.locator('.part.sidebar .pane').filter({ has: this.page.locator('.pane-header', { hasText: viewName }) });
  }

  private async treeHasFocus(pane: Locator): Promise<boolean> {
    return pane
      .locator('.monaco-list')
      .first()
      .evaluate((el) => el.contains(el.ownerDocument.activeElement));
  }

  private async focusedRowKey(focused: Locator): Promise<string> {
    return focused
      .first()
      .evaluate(
        (el) => `${el.getAttribute('id')}|${el.getAttribute('aria-label')}|${el.getAttribute('aria-level')}|${el.getAttribute('aria-posinset')}`,
        undefined,
        { timeout: 500 },
      )
      .catch(() => '');
  }

  private async waitForRowState(row: Locator, ready: (row: Locator) => Promise<boolean>, timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until && !(await ready(row).catch(() => false))) await this.page.waitForTimeout(50);
  }

  /** Opens a workspace file by name through Go to File (Quick Open) and waits for its editor. */
  async openFile(name: string): Promise<void> {
    await this.runCommand('Go to File...');
    const input = this.page.locator('.quick-input-widget input');
    await input.fill(name);
    await this.page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 30_000 });
    await this.page.keyboard.press('Enter');
    await this.page.locator('.tabs-container .tab.active', { hasText: name }).first().waitFor({ timeout: 30_000 });
  }

  /** A CodeLens of the active editor by its title ("Run locally"). */
  codeLens(title: string) {
    return this.page.locator('.editor-instance .monaco-editor .codelens-decoration a', { hasText: title }).first();
  }

  notification(text: string) {
    return this.page.locator('.notifications-toasts .notification-list-item-message', { hasText: text }).first();
  }

  /** The content frame of the active webview panel. */
  webview(): FrameLocator {
    return this.page.frameLocator('iframe.webview').frameLocator('iframe#active-frame');
  }

  /** The channel shown in the Output panel (its picker's selected entry), once the panel is open. */
  async activeOutputChannel(): Promise<string> {
    const picker = this.page.locator('.part.panel select.monaco-select-box').first();
    await picker.waitFor({ timeout: 30_000 });
    return picker.evaluate((element) => {
      const select = element as unknown as { options: ArrayLike<{ text: string }>; selectedIndex: number };
      return select.options[select.selectedIndex]?.text ?? '';
    });
  }

  async screenshot(name: string): Promise<string> {
    fs.mkdirSync(testResultsDir, { recursive: true });
    const file = path.join(testResultsDir, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    await this.server.stop();
  }
}

/**
 * Runs a suite of extension tests inside the real extension host (the extensionTestsPath route):
 * `suiteFile` is a compiled mocha file under out/test/vscode/host. Resolves with mocha's counts and
 * the host's log once every test mocha found in the suite passed; rejects with the log otherwise (a
 * failure, a pending test, no test at all, or no counts: the host did not finish).
 */
export async function runHostSuite(
  suiteFile: string,
  options: { workspace: string; settings?: Record<string, unknown>; env?: Record<string, string> },
): Promise<HostSuiteCounts & { log: string }> {
  assertBuilt();
  const hostDir = path.resolve(__dirname, '..', 'vscode', 'host');
  const hostIndex = path.join(hostDir, 'index.js');
  const suitePath = path.join(hostDir, suiteFile);
  if (!fs.existsSync(suitePath)) throw new Error(`No compiled host suite at ${suitePath}: run tsc first.`);
  const server = await startCodeServer({
    workspace: options.workspace,
    settings: options.settings,
    env: { ...options.env, MLFLOW_WB_HOST_SUITE: suitePath },
  });
  const browser = await launchChromium();
  const lines: string[] = [];
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    const exitCode = new Promise<number>((resolve) => {
      void page.exposeFunction('codeAutomationLog', (_type: string, args: unknown[]) => {
        lines.push(util.format(...args));
      });
      void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code));
    });
    const authority = `127.0.0.1:${server.port}`;
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', `vscode-remote://${authority}${repoRoot}`],
      ['extensionTestsPath', `vscode-remote://${authority}${hostIndex}`],
      ['skipWelcome', 'true'],
    ]);
    await page.goto(`${server.url}/?folder=${encodeURIComponent(options.workspace)}&payload=${encodeURIComponent(payload)}`);
    const timeout = new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`host suite ${suiteFile} did not finish in 180 s`)), 180_000).unref());
    const code = await Promise.race([exitCode, timeout]);
    const log = lines.join('\n');
    const counts = parseCounts(lines);
    let problem: string | undefined;
    if (code !== 0) problem = `failed (exit ${code})`;
    else if (!counts) problem = 'logged no counts';
    else if (counts.total === 0) problem = 'found no tests';
    else if (counts.passed !== counts.total) problem = `passed ${counts.passed} of ${counts.total} tests (${counts.failed} failed, ${counts.pending} pending)`;
    if (problem || !counts) throw new Error(`host suite ${suiteFile} ${problem}:\n${log}\n--- code-server log ---\n${server.log().slice(-4000)}`);
    return { ...counts, log };
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
  }
}

/**
 * Waits until the workbench paints the configured colour theme. Until the theme's extension is
 * loaded VS Code web shows a placeholder theme, light (`vs`) whatever the setting, for ~3-5 s after
 * the activity bar appears (measured on these machines); a theme loaded from an extension adds its
 * `vscode-theme-<extension>-<file>` class to .monaco-workbench.
 */
async function waitForColorTheme(page: Page): Promise<void> {
  await page.locator('.monaco-workbench[class*="vscode-theme-"]').waitFor({ timeout: 60_000 });
}

/** Relative luminance (0 black … 1 white, WCAG formula) of an element's computed background colour; throws when it is transparent. */
export async function backgroundLuminance(element: Locator): Promise<number> {
  const color = await element.evaluate(
    (el) => (el.ownerDocument.defaultView as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el).backgroundColor,
  );
  const match = /^rgba?\((\d+), (\d+), (\d+)(?:, ([\d.]+))?\)$/.exec(color);
  if (!match || match[4] === '0') throw new Error(`no opaque background colour: ${color}`);
  const [r, g, b] = match.slice(1, 4).map((c) => {
    const v = Number(c) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function assertBuilt(): void {
  if (!fs.existsSync(path.join(repoRoot, 'dist', 'extension.js'))) {
    throw new Error('dist/extension.js is missing: run `npm run build` first.');
  }
}
