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
