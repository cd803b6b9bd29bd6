// The Images tab: the images each run logged (`mlflow.log_image(..., key=, step=)`) side by side
// across the runs, one row per key with a step slider, then the runs' image artifacts by path.
// Listings and bytes come from the extension (each run from its own server); the bytes become data:
// URLs (the CSP allows data: images, nothing remote).
import { imageAtStep, type LoggedImage } from '../../src/engine/compare/runImages';
import type { Comparison, FromWebviewMessage, ToWebviewMessage } from '../contract';
import { h, slider, stateView } from '../shared/components';

type ImagesMessage = Extract<ToWebviewMessage, { type: 'images' }>;
type ImageMessage = Extract<ToWebviewMessage, { type: 'image' }>;

function imageId(runId: string, path: string): string {
  return `${runId}\n${path}`;
}

export class ImageGrid {
  private listing: ImagesMessage | undefined;
  private requested = false;
  /** imageId → data: URL of the bytes received. */
  private readonly urls = new Map<string, string>();
  private readonly failures = new Map<string, string>();
  private readonly pending = new Set<string>();
  /** Image key → the step its slider is on. */
  private readonly steps = new Map<string, number>();
  private root: HTMLElement | undefined;

  constructor(
    private readonly post: (message: FromWebviewMessage) => void,
    private readonly comparison: () => Comparison | undefined,
  ) {}

  /** Other runs: nothing listed counts any more. */
  reset(): void {
    this.listing = undefined;
    this.requested = false;
    this.urls.clear();
    this.failures.clear();
    this.pending.clear();
    this.root = undefined;
  }

  /** The tab's content: asks for the listing the first time. */
  render(): HTMLElement {
    this.root = h('div', { className: 'images-view' });
    if (!this.listing) {
      if (!this.requested) {
        this.requested = true;
        this.post({ type: 'loadImages' });
      }
      this.root.append(stateView('loading', 'Listing the runs\u2019 images\u2026'));
      return this.root;
    }
    this.fill(this.root, this.listing);
    return this.root;
  }

  receiveImages(message: ImagesMessage): void {
    this.listing = message;
    if (this.root?.isConnected) this.fill(this.root, message);
  }

  receiveImage(message: ImageMessage): void {
    const id = imageId(message.runId, message.path);
    this.pending.delete(id);
    if (message.error || !message.bytes || !message.mime) {
      this.failures.set(id, message.error ?? 'no image data');
      this.paint(id);
      return;
    }
    const reader = new FileReader();
    reader.onload = () => {
      if (typeof reader.result === 'string') this.urls.set(id, reader.result);
      this.paint(id);
    };
    reader.onerror = () => {
      this.failures.set(id, 'the image could not be read');
      this.paint(id);
    };
    // A copy on its own ArrayBuffer (what Blob takes).
    reader.readAsDataURL(new Blob([new Uint8Array(message.bytes)], { type: message.mime }));
  }

  private fill(root: HTMLElement, listing: ImagesMessage): void {
    const comparison = this.comparison();
    if (!comparison) return;
    const byRun = new Map(listing.runs.map((r) => [r.runId, r]));
    const runs = comparison.runs;
    const keys = [...new Set(listing.runs.flatMap((r) => r.logged.map((i) => i.key)))].sort((a, b) => a.localeCompare(b));
    const artifactPaths = [...new Set(listing.runs.flatMap((r) => r.artifacts.map((a) => a.path)))].sort((a, b) => a.localeCompare(b));
    const parts: HTMLElement[] = [];
    if (listing.errors.length > 0) {
      parts.push(
        h(
          'p',
          { className: 'warning', role: 'alert' },
          `Images not listed for ${listing.errors.length} run(s): ${listing.errors.map((e) => `${e.runId}: ${e.message}`).join('; ')}`,
        ),
      );
    }
    const truncated = listing.runs.filter((r) => r.truncated);
    if (truncated.length > 0)
      parts.push(h('p', { className: 'hint' }, `Only the first folders of ${truncated.length} run(s) were searched for image artifacts.`));
    if (keys.length === 0 && artifactPaths.length === 0) {
      parts.push(stateView('empty', 'These runs logged no images (mlflow.log_image) and have no image artifacts.'));
      root.replaceChildren(...parts);
      return;
    }
    for (const key of keys) {
      const steps = [...new Set(listing.runs.flatMap((r) => r.logged.filter((i) => i.key === key).map((i) => i.step)))].sort((a, b) => a - b);
      const chosen = this.steps.get(key) ?? steps[steps.length - 1];
      const row = h('div', { className: 'image-row' });
      const paintRow = (step: number) => {
        row.replaceChildren(
          ...runs.map((run) => {
            const image = imageAtStep(byRun.get(run.runId)?.logged ?? [], key, step);
            return this.cell(
              run.runId,
              run.name,
              image ? (image.compressedPath ?? image.path) : undefined,
              image ? `step ${image.step}` : `no image up to step ${step}`,
              `${key} of ${run.name}${image ? ` at step ${image.step}` : ''}`,
              image,
            );
          }),
        );
        row.style.gridTemplateColumns = `repeat(${runs.length}, minmax(140px, 1fr))`;
      };
      paintRow(chosen);
      const index = Math.max(0, steps.indexOf(chosen));
      const control =
        steps.length > 1
          ? slider(
              'Step',
              0,
              steps.length - 1,
              1,
              index,
              (i) => {
                this.steps.set(key, steps[i]);
                section.dataset.step = String(steps[i]);
                paintRow(steps[i]);
              },
              (i) => String(steps[i]),
            )
          : h('span', { className: 'hint' }, `step ${steps[0]}`);
      const section = h('section', { className: 'image-key', dataset: { key, step: String(chosen) } }, h('h3', {}, key, ' ', control), row);
      parts.push(section);
    }
    if (artifactPaths.length > 0) {
      parts.push(h('h3', { className: 'image-artifacts-head' }, 'Image artifacts'));
      for (const path of artifactPaths) {
        const row = h('div', { className: 'image-row' });
        row.style.gridTemplateColumns = `repeat(${runs.length}, minmax(140px, 1fr))`;
        row.append(
          ...runs.map((run) => {
            const has = byRun.get(run.runId)?.artifacts.some((a) => a.path === path) ?? false;
            return this.cell(run.runId, run.name, has ? path : undefined, has ? path : 'not in this run', `${path} of ${run.name}`);
          }),
        );
        parts.push(h('section', { className: 'image-artifact', dataset: { path } }, h('h4', {}, path), row));
      }
    }
    root.replaceChildren(...parts);
  }

  /** One run's image (asked for when first shown) or why there is none. */
  private cell(runId: string, runName: string, path: string | undefined, caption: string, alt: string, image?: LoggedImage): HTMLElement {
    const figure = h('figure', { className: 'image-cell', dataset: { run: runId, ...(image ? { step: String(image.step) } : {}) } });
    const captionEl = h('figcaption', {}, h('span', { className: 'run' }, runName), h('span', { className: 'hint' }, ` ${caption}`));
    if (!path) {
      figure.append(h('div', { className: 'image-missing' }, '\u2014'), captionEl);
      return figure;
    }
    const id = imageId(runId, path);
    const img = h('img', { alt, dataset: { imageId: id } }) as HTMLImageElement;
    figure.dataset.imageId = id;
    figure.append(img, captionEl);
    this.show(figure, img, id);
    if (!this.urls.has(id) && !this.failures.has(id) && !this.pending.has(id)) {
      this.pending.add(id);
      this.post({ type: 'loadImage', runId, path });
    }
    return figure;
  }

  private show(figure: HTMLElement, img: HTMLImageElement, id: string): void {
    const url = this.urls.get(id);
    const failure = this.failures.get(id);
    figure.dataset.state = url ? 'loaded' : failure ? 'error' : 'loading';
    if (url) img.src = url;
    if (failure) {
      img.replaceWith(h('div', { className: 'image-missing warning', role: 'alert', dataset: { imageId: id } }, failure));
    }
  }

  /** Shows a received image wherever it is on screen. */
  private paint(id: string): void {
    if (!this.root) return;
    for (const figure of this.root.querySelectorAll<HTMLElement>('figure.image-cell')) {
      if (figure.dataset.imageId !== id) continue;
      const img = figure.querySelector('img');
      if (img) this.show(figure, img, id);
    }
  }
}
