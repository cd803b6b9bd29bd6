import * as path from 'node:path';
import { isDirectory } from './workspace/pathExists';

/** A folder that ships with the extension (templates, python) is not where it should be: the install is broken. */
export class ShippedFolderMissingError extends Error {
  override name = 'ShippedFolderMissingError';
}

/**
 * A folder shipped next to dist/ (templates, python). The code runs bundled from dist/ (extension.js,
 * cli.js: the folder is dist/'s sibling) or compiled from out/src/engine (tests: the repository root).
 */
export async function resolveShippedDir(name: string): Promise<string> {
  const candidates = [path.join(__dirname, '..', name), path.join(__dirname, '..', '..', '..', name)];
  for (const c of candidates) {
    if (await isDirectory(c)) return c;
  }
  throw new ShippedFolderMissingError(`The extension's ${name} folder is missing (looked in ${candidates.join(', ')}). Reinstall the extension.`);
}
