// The API VS Code gives a webview page. `acquireVsCodeApi` may be called once per page: each panel's
// main.ts calls `vsCodeApi` once, typed with the messages that panel sends.

export interface VsCodeApi<ToExtension> {
  postMessage(message: ToExtension): void;
  /** What the page saved with setState (undefined the first time): written by an older page, maybe. */
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi<unknown>;

/** The page's VS Code API; call it once, in the panel's main.ts. */
export function vsCodeApi<ToExtension>(): VsCodeApi<ToExtension> {
  return acquireVsCodeApi();
}
