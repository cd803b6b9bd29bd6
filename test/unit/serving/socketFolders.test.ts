import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { removeStaleSocketFolders, socketFolderPrefix } from '../../../src/engine/serving/socketFolders';
import { makeTempDir } from '../../support/repoPaths';
import { abandonedSocket, deadPid, liveSocket, socketFolder } from '../../support/socketFolders';

describe('socket folders of model servers whose owner was killed', { skip: process.platform === 'win32' }, () => {
  it('removes only our empty or abandoned folders of owners that are gone', async () => {
    const tmp = makeTempDir('socket-folders');
    const gone = deadPid();
    const empty = socketFolder(tmp, gone, 'aaaaaa');
    const abandoned = socketFolder(tmp, gone, 'bbbbbb');
    await abandonedSocket(abandoned);
    assert.ok(fs.lstatSync(path.join(abandoned, 'uvicorn.sock')).isSocket());
    // Kept: a model server still answers; the owner lives (this process, another); something else
    // is inside; not 0700; a link; not exactly our name.
    const answering = socketFolder(tmp, gone, 'cccccc');
    const server = await liveSocket(answering);
    try {
      const ownerAlive = socketFolder(tmp, process.ppid, 'dddddd');
      const mine = socketFolder(tmp, process.pid, 'eeeeee');
      const withFile = socketFolder(tmp, gone, 'ffffff');
      fs.writeFileSync(path.join(withFile, 'notes.txt'), 'not ours');
      const open = socketFolder(tmp, gone, 'gggggg', 0o755);
      const target = makeTempDir('socket-link-target');
      const link = path.join(tmp, `mlflow-wb-serve-${gone}-hhhhhh`);
      fs.symlinkSync(target, link);
      const oldName = path.join(tmp, 'mlflow-wb-serve-iiiiii');
      fs.mkdirSync(oldName, { mode: 0o700 });
      const longer = socketFolder(tmp, gone, 'jjjjjjj');

      const removed = await removeStaleSocketFolders(tmp);
      assert.deepEqual(removed.sort(), [empty, abandoned].sort());
      for (const dir of [empty, abandoned]) assert.equal(fs.existsSync(dir), false, dir);
      for (const dir of [answering, ownerAlive, mine, withFile, open, link, target, oldName, longer]) assert.ok(fs.existsSync(dir), dir);
      assert.ok(fs.lstatSync(link).isSymbolicLink());
      assert.ok(fs.existsSync(path.join(answering, 'uvicorn.sock')));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    assert.deepEqual(await removeStaleSocketFolders(path.join(tmp, 'no-such-folder')), []);
  });

  it("names this process's folders after it", () => {
    assert.equal(path.basename(socketFolderPrefix('/t')), `mlflow-wb-serve-${process.pid}-`);
  });
});
