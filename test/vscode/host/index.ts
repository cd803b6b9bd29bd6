// Loaded by VS Code as extensionTestsPath inside the real extension host. Runs the one mocha suite
// file named by MLFLOW_WB_HOST_SUITE (set by test/support/workbench.ts runHostSuite).
import Mocha from 'mocha';

export function run(): Promise<void> {
  const suite = process.env.MLFLOW_WB_HOST_SUITE;
  if (!suite) return Promise.reject(new Error('MLFLOW_WB_HOST_SUITE is not set'));
  const mocha = new Mocha({ ui: 'tdd', timeout: 60_000, color: false, reporter: 'spec' });
  mocha.addFile(suite);
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} host test(s) failed`)) : resolve()));
  });
}
