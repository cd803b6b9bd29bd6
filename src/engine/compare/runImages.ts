// The images of a run for the compare panel's image grid and `mlflow-wb runs images`: images logged
// with `mlflow.log_image(image, key=..., step=...)` and image files among the run's artifacts.
// No vscode, no DOM, no Node: the webview program imports it too (imageAtStep).
import type { CallOptions, MlflowFileInfo } from '../mlflow/mlflowTypes';

/** What listing a run's images needs of a client (MlflowRestClient's listArtifacts). */
export interface ArtifactLister {
  listArtifacts(runId: string, path?: string, o?: CallOptions): Promise<{ files: MlflowFileInfo[] }>;
}

/**
 * The folder MLflow 3 writes logged images to: `images/<key>+step+<step>+timestamp+<ms>+<uuid>.png`
 * and a smaller `…+compressed.webp` beside it (the key's `/` written as `~`; older versions used `%`
 * as the separator and `#` for `/`). See mlflow/tracking/client.py `log_image`.
 */
export const LOGGED_IMAGES_FOLDER = 'images';

/** Image types shown (no SVG: a document, not a picture). */
/** The image types the compare panel shows. */
export type ImageMime = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp' | 'image/bmp';
const MIME_BY_EXTENSION: Readonly<Record<string, ImageMime>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
};

/** The MIME type of an image file by its extension, or undefined when it is not a shown image type. */
export function imageMime(path: string): ImageMime | undefined {
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  return ext === undefined ? undefined : MIME_BY_EXTENSION[ext];
}

/** One image logged with a key and step: the full image and, when MLflow wrote it, the compressed one. */
export interface LoggedImage {
  key: string;
  step: number;
  timestamp: number;
  /** The full-resolution file (artifact path relative to the run's root). */
  path: string;
  size?: number;
  /** The smaller `.webp` MLflow writes beside it, for grids. */
  compressedPath?: string;
  compressedSize?: number;
}

export interface ImageArtifact {
  path: string;
  size?: number;
}

export interface RunImages {
  runId: string;
  /** By key, then step, then timestamp. */
  logged: LoggedImage[];
  /** Image files elsewhere in the artifacts, by path. */
  artifacts: ImageArtifact[];
  /** Listing stopped early: more folders than `maxFolders`. */
  truncated: boolean;
}

const LOGGED_NAME = /^(.+?)([+%])step\2(-?\d+)\2timestamp\2(\d+)\2(.+?)(\2compressed)?\.([a-z0-9]+)$/i;

/** The key, step, timestamp and id of a logged image's file name (`loss~curve+step+3+timestamp+…+<uuid>.png`), or undefined. */
export function parseLoggedImageName(fileName: string): { key: string; step: number; timestamp: number; id: string; compressed: boolean } | undefined {
  const m = LOGGED_NAME.exec(fileName);
  if (!m || !imageMime(fileName)) return undefined;
  const step = Number(m[3]);
  const timestamp = Number(m[4]);
  if (!Number.isSafeInteger(step) || !Number.isSafeInteger(timestamp)) return undefined;
  return { key: m[1].replace(/[~#]/g, '/'), step, timestamp, id: m[5], compressed: m[6] !== undefined };
}

/** Pairs the full and compressed files of each logged image (a file whose partner is missing stands alone). */
export function loggedImagesOf(files: readonly MlflowFileInfo[]): LoggedImage[] {
  const byId = new Map<string, LoggedImage>();
  for (const f of files) {
    if (f.is_dir) continue;
    const parsed = parseLoggedImageName(f.path.slice(f.path.lastIndexOf('/') + 1));
    if (!parsed) continue;
    const id = `${parsed.key}\0${parsed.step}\0${parsed.timestamp}\0${parsed.id}`;
    const image = byId.get(id) ?? { key: parsed.key, step: parsed.step, timestamp: parsed.timestamp, path: '' };
    if (parsed.compressed) {
      image.compressedPath = f.path;
      image.compressedSize = f.file_size;
    } else {
      image.path = f.path;
      image.size = f.file_size;
    }
    byId.set(id, image);
  }
  return [...byId.values()]
    .map((i) => (i.path ? i : { ...i, path: i.compressedPath!, size: i.compressedSize, compressedPath: undefined, compressedSize: undefined }))
    .sort((a, b) => a.key.localeCompare(b.key) || a.step - b.step || a.timestamp - b.timestamp);
}

export interface ListRunImagesOptions extends CallOptions {
  /** Artifact folders listed at most (the root and `images/` included). Default 25. */
  maxFolders?: number;
  /** Folder depth searched for image artifacts below the root. Default 2. */
  maxDepth?: number;
}

/**
 * The logged images (`images/`) and image artifacts of a run: the root, `images/` and the other
 * folders breadth first, up to `maxDepth` below the root and `maxFolders` listings in all.
 */
export async function listRunImages(client: ArtifactLister, runId: string, o: ListRunImagesOptions = {}): Promise<RunImages> {
  const maxFolders = o.maxFolders ?? 25;
  const maxDepth = o.maxDepth ?? 2;
  const call = { signal: o.signal };
  const artifacts: ImageArtifact[] = [];
  let logged: LoggedImage[] = [];
  let listed = 0;
  let truncated = false;
  const queue: { path: string; depth: number }[] = [{ path: '', depth: 0 }];
  while (queue.length > 0) {
    const folder = queue.shift()!;
    if (listed >= maxFolders) {
      truncated = true;
      break;
    }
    listed++;
    const { files } = await client.listArtifacts(runId, folder.path || undefined, call);
    if (folder.path === LOGGED_IMAGES_FOLDER) {
      logged = loggedImagesOf(files);
      continue;
    }
    for (const f of files) {
      if (f.is_dir) {
        // The logged images' folder first: it is what the grid is for.
        if (f.path === LOGGED_IMAGES_FOLDER) queue.unshift({ path: f.path, depth: 1 });
        else if (folder.depth < maxDepth) queue.push({ path: f.path, depth: folder.depth + 1 });
      } else if (imageMime(f.path)) {
        artifacts.push({ path: f.path, size: f.file_size });
      }
    }
  }
  artifacts.sort((a, b) => a.path.localeCompare(b.path));
  return { runId, logged, artifacts, truncated };
}

/** The image of `key` shown at `step`: the one logged at that step, else the last one before it, else none. */
export function imageAtStep(images: readonly LoggedImage[], key: string, step: number): LoggedImage | undefined {
  let found: LoggedImage | undefined;
  for (const i of images) {
    if (i.key !== key || i.step > step) continue;
    if (!found || i.step > found.step || (i.step === found.step && i.timestamp >= found.timestamp)) found = i;
  }
  return found;
}
