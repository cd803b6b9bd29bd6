import * as fs from 'node:fs';

/** Whether something (file, folder, link target) is at `p`; never blocks the extension host's thread. */
export async function pathExists(p: string): Promise<boolean> {
  try {
    await fs.promises.access(p);
    return true;
  } catch {
    return false;
  }
}

/** Whether a folder (or a link to one) is at `p`; never blocks the extension host's thread. */
export async function isDirectory(p: string): Promise<boolean> {
  return (await fs.promises.stat(p).catch(() => undefined))?.isDirectory() ?? false;
}
