import { existsSync } from 'node:fs';
import { DataError } from '../core/errors.js';
import { MAX_CONFIG_FILE_BYTES, readInputText } from '../core/files.js';

/** What a stored synthetic path's `.json` sidecar says about it. */
export interface SyntheticSidecar {
  readonly synthetic: true;
  readonly warning?: string;
  readonly crash?: string;
  readonly generator?: string;
  readonly seed?: number;
  /** The generator's parameters (a stored catalog path: the catalog's, when it was generated from them). */
  readonly params?: unknown;
  readonly sha256?: string;
}

/**
 * Looks for `<name>.json` beside `<name>.csv`. A generated path always
 * travels with one (data/synthetic/), so every report can label it; a file
 * without a sidecar is taken as real data.
 */
export function readSyntheticSidecar(csvPath: string): SyntheticSidecar | null {
  const sidecar = csvPath.replace(/\.csv$/i, '.json');
  if (sidecar === csvPath || !existsSync(sidecar)) return null;
  const text = readInputText(sidecar, { label: 'sidecar', maxBytes: MAX_CONFIG_FILE_BYTES });
  let meta: unknown;
  try {
    meta = JSON.parse(text);
  } catch (err) {
    throw new DataError(`sidecar is not valid JSON: ${(err as Error).message}`, { file: sidecar });
  }
  if (meta === null || typeof meta !== 'object' || (meta as { synthetic?: unknown }).synthetic !== true) return null;
  return meta as SyntheticSidecar;
}
