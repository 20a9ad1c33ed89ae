/**
 * The shipped-file manifest (size, sha256, source, license of every file in `models/`), embedded
 * at build time so a served file can be verified before it is used.
 */
import manifestJson from '../../models/manifest.json';

/** One shipped file. */
export interface ManifestEntry {
  /** Path inside `models/`. */
  readonly file: string;
  /** Size in bytes. */
  readonly size: number;
  /** Lower-case hex sha256 of the bytes. */
  readonly sha256: string;
  /** `npm-package@version/path` the file is copied from. */
  readonly source: string;
  /** License of the file. */
  readonly license: string;
}

/** Every file shipped in the package's `models/` folder. */
export const MODEL_MANIFEST: readonly ManifestEntry[] = Object.freeze(manifestJson.files.map((f) => Object.freeze({ ...f })));

/** Look up a manifest entry by its path inside `models/`. */
export function manifestEntry(file: string): ManifestEntry | undefined {
  return MODEL_MANIFEST.find((e) => e.file === file);
}
