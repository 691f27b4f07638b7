/**
 * Regenerates data/synthetic/btc-2020-03-12.synthetic.{csv,json} from the
 * catalog parameters and the fixed seed (no real data is read).
 *
 *   npx tsx scripts/generate-default-path.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PATH_CSV, DEFAULT_PATH_SIDECAR, defaultPathArtifacts } from '../src/data/synthetic/defaultPath.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { csv, sidecar } = defaultPathArtifacts();
mkdirSync(resolve(root, dirname(DEFAULT_PATH_CSV)), { recursive: true });
writeFileSync(resolve(root, DEFAULT_PATH_CSV), csv);
writeFileSync(resolve(root, DEFAULT_PATH_SIDECAR), sidecar);
console.log(`wrote ${DEFAULT_PATH_CSV} (${csv.length} bytes) and ${DEFAULT_PATH_SIDECAR}`);
