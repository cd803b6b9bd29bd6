import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { COMMANDS } from '../../../src/extension/commandIds';
import { repoRoot } from '../../support/repoPaths';

interface Contributes {
  commands: { command: string; title?: string }[];
  menus?: Record<string, { command?: string; alt?: string; submenu?: string }[]>;
  keybindings?: { command: string }[];
  viewsWelcome?: { view: string; contents: string }[];
}

const contributes = (JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { contributes: Contributes }).contributes;
const ids: string[] = Object.values(COMMANDS);
const contributed = contributes.commands.map((c) => c.command);

/** Every .ts file below src/, with its text. */
function sources(): { file: string; text: string }[] {
  const found: { file: string; text: string }[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) found.push({ file: path.relative(repoRoot, full), text: fs.readFileSync(full, 'utf8') });
    }
  };
  walk(path.join(repoRoot, 'src'));
  return found;
}

describe('command ids (src/extension/commandIds.ts) against package.json', () => {
  it('names each constant after its id', () => {
    const misnamed = Object.entries(COMMANDS).filter(([key, id]) => id !== `mlflow.${key}`);
    assert.deepEqual(misnamed, []);
  });

  it('contributes every command id, with a title, and no command without an id', () => {
    assert.deepEqual(
      ids.filter((id) => !contributed.includes(id)),
      [],
      'ids missing from contributes.commands',
    );
    assert.deepEqual(
      contributed.filter((id) => !ids.includes(id)),
      [],
      'contributed commands missing from COMMANDS',
    );
    assert.deepEqual(
      contributes.commands.filter((c) => !c.title?.trim()).map((c) => c.command),
      [],
      'commands without a title',
    );
    assert.equal(new Set(contributed).size, contributed.length, 'a command is contributed twice');
  });

  it('refers only to real commands from menus, keybindings and welcome views', () => {
    const referred: { where: string; command: string }[] = [];
    for (const [menu, items] of Object.entries(contributes.menus ?? {})) {
      for (const item of items) {
        if (item.command) referred.push({ where: `menus.${menu}`, command: item.command });
        if (item.alt) referred.push({ where: `menus.${menu} (alt)`, command: item.alt });
      }
    }
    for (const k of contributes.keybindings ?? []) referred.push({ where: 'keybindings', command: k.command });
    for (const w of contributes.viewsWelcome ?? []) {
      for (const link of w.contents.matchAll(/\(command:([\w.]+)/g)) referred.push({ where: `viewsWelcome ${w.view}`, command: link[1] });
    }
    assert.ok(referred.length > 0);
    assert.deepEqual(
      referred.filter((r) => !contributed.includes(r.command)),
      [],
      'menu, keybinding or welcome link to a command that is not contributed',
    );
  });
});

describe('command registration (one style: registerGuardedCommand with a COMMANDS id)', () => {
  const files = sources();

  it('registers every command id exactly once, through registerGuardedCommand', () => {
    const registered = files.flatMap(({ text }) => [...text.matchAll(/registerGuardedCommand\(\s*COMMANDS\.(\w+)/g)].map((m) => `mlflow.${m[1]}`));
    assert.deepEqual(
      ids.filter((id) => !registered.includes(id)),
      [],
      'command ids never registered',
    );
    assert.deepEqual(
      registered.filter((id, i) => registered.indexOf(id) !== i),
      [],
      'command ids registered twice',
    );
  });

  it('calls vscode.commands.registerCommand only in guardedCommand.ts, and writes no command id as a string elsewhere', () => {
    const raw = files
      .filter(({ file, text }) => !file.endsWith(path.join('extension', 'guardedCommand.ts')) && /\bregisterCommand\(/.test(text))
      .map((f) => f.file);
    assert.deepEqual(raw, []);
    // Quoted ids only: comments name commands in backquotes.
    const literal = new RegExp(`['"](${ids.map((id) => id.replace('.', '\\.')).join('|')})['"]`);
    const spelled = files
      .filter(({ file, text }) => !file.endsWith('commandIds.ts') && literal.test(text))
      .map((f) => `${f.file}: ${literal.exec(f.text)![1]}`);
    assert.deepEqual(spelled, [], 'use COMMANDS.<name> instead of the id string');
  });
});
