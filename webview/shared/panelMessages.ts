import type { Validation } from './contractChecks';

/**
 * Feeds the extension's messages to `receive` once they pass the contract's validator; anything else
 * (a stale or foreign message) is logged in the webview's console and dropped.
 */
export function receiveValidated<T>(panel: string, validate: (value: unknown) => Validation<T>, receive: (message: T) => void): void {
  window.addEventListener('message', (event: MessageEvent) => {
    const result = validate(event.data);
    if (!result.ok) {
      console.warn(`${panel}: ignored a malformed message: ${result.error}`);
      return;
    }
    receive(result.value);
  });
}
