// Loaded by VS Code as extensionTestsPath inside the real extension host. Runs the one mocha suite
// file named by MLFLOW_WB_HOST_SUITE (set by test/support/workbench.ts runHostSuite) and logs mocha's
// counts for runHostSuite to return.
import Mocha from 'mocha';
import { formatCounts } from './hostSuiteResult';

export function run(): Promise<void> {
  const suite = process.env.MLFLOW_WB_HOST_SUITE;
  if (!suite) return Promise.reject(new Error('MLFLOW_WB_HOST_SUITE is not set'));
  const mocha = new Mocha({ ui: 'tdd', timeout: 60_000, color: false, reporter: 'spec' });
  mocha.addFile(suite);
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const stats = runner.stats;
      console.log(formatCounts({ passed: stats?.passes ?? 0, failed: stats?.failures ?? failures, pending: stats?.pending ?? 0, total: runner.total }));
      if (failures > 0) reject(new Error(`${failures} host test(s) failed`));
      else resolve();
    });
  });
}
