// How a host suite's counts travel from the extension host (index.ts) to runHostSuite
// (test/support/workbench.ts): one log line, prefixed, with mocha's stats as JSON.

/** Mocha's counts for one host suite; `total`: the tests mocha found in the suite. */
export interface HostSuiteCounts {
  passed: number;
  failed: number;
  pending: number;
  total: number;
}

const PREFIX = 'MLFLOW_WB_HOST_SUITE_RESULT ';

export function formatCounts(counts: HostSuiteCounts): string {
  return PREFIX + JSON.stringify(counts);
}

/** The counts the host logged, or undefined when no line carries them (the host never finished). */
export function parseCounts(lines: readonly string[]): HostSuiteCounts | undefined {
  const line = [...lines].reverse().find((l) => l.startsWith(PREFIX));
  return line ? (JSON.parse(line.slice(PREFIX.length)) as HostSuiteCounts) : undefined;
}
