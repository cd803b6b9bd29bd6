// The message contracts between the extension and its webviews, one file per panel
// (webview/<panel>/<panel>Contract.ts) written with the checks of webview/shared/contractChecks.ts.
// Both ends validate every message they receive (a webview is a separate, less trusted context, and a
// stale webview restored after an update may speak an older dialect). Each message type is derived
// from its check, so a field cannot be added to one and not the other. This module gathers them.
export type { Validation } from './shared/contractChecks';
export * from './compare/compareContract';
export * from './runDetails/runDetailsContract';
export * from './runsTable/runsTableContract';
