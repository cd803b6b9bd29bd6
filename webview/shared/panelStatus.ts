// What every panel shows besides its content: a spinner saying what is loading while there is no
// content yet, the fatal error (with Retry where the extension offers one) in place of the content,
// and the status line at the foot of the panel where short notices show for a few seconds (read out
// by screen readers).
import { h, stateView } from './components';

export class PanelStatus {
  /** The status line: the last element of the panel, content or not. */
  readonly line = h('div', { className: 'notice', role: 'status', 'aria-live': 'polite' });
  private fatal: { message: string; retry: boolean } | undefined;

  /**
   * @param loadingText what the spinner says until the extension says what it is loading
   * @param noticeMs how long a notice stays in the status line
   * @param retry what Retry does (the panel asks the extension again)
   */
  constructor(
    private loadingText: string,
    private readonly noticeMs: number,
    private readonly retry: () => void,
  ) {}

  /** The extension is loading `what`: the spinner says so (while there is no content) and an earlier error is over. */
  loading(what: string): void {
    this.loadingText = what;
    this.fatal = undefined;
  }

  /** The content arrived: an earlier error is over. */
  loaded(): void {
    this.fatal = undefined;
  }

  /** The panel cannot show its content: `message` in its place, with Retry if `retry`. */
  failed(message: string, retry: boolean): void {
    this.fatal = { message, retry };
  }

  /** Shows `text` in the status line for a while (unless another notice replaced it meanwhile). */
  notice(text: string): void {
    this.line.textContent = text;
    setTimeout(() => {
      if (this.line.textContent === text) this.line.textContent = '';
    }, this.noticeMs);
  }

  /**
   * Fills `app` with the error, or the spinner when there is no content yet, and returns true; returns
   * false (and leaves `app` alone) when the panel is to draw its content.
   */
  showsInstead(app: HTMLElement, hasContent: boolean): boolean {
    if (this.fatal) app.replaceChildren(stateView('error', this.fatal.message, this.fatal.retry ? this.retry : undefined), this.line);
    else if (!hasContent) app.replaceChildren(stateView('loading', this.loadingText), this.line);
    else return false;
    return true;
  }
}
