import { register } from 'node:module';
import { sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from '../config/resolveTarget.js';

let registered = false;

/** Whether `file` (an absolute path) lies outside the project's folder. */
export function isOutsideProject(file: string): boolean {
  return !file.startsWith(PROJECT_ROOT + sep);
}

/**
 * Lets a strategy module outside the project import what the project has
 * (`cascade-lab/strategy`, zod, technicalindicators) without a
 * node_modules of its own, and loads it as an ES module
 * (outsideImportsHook.mjs says how). Once per process: a sweep's child
 * processes each call it when they load the strategy.
 */
export function allowOutsideImports(): void {
  if (registered) return;
  registered = true;
  register('./outsideImportsHook.mjs', import.meta.url, { data: { projectURL: pathToFileURL(PROJECT_ROOT + sep).href } });
}
