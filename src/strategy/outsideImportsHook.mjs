// Module resolve hook for strategy modules kept outside the project (docs/strategies.md, "A strategy in your own folder"),
// registered by src/strategy/outsideImports.ts. A plain .mjs: hooks run on the loader's own thread, before tsx could load TypeScript.
//
// - A bare import (zod, cascade-lab/strategy, technicalindicators) that does not resolve from the importing file's folder is
//   resolved from the project's root, so a strategy needs no node_modules of its own and shares the project's zod.
// - A .ts file outside the project is loaded as an ES module. tsx would load it as CommonJS when no package.json above it says
//   "type": "module", and a CommonJS require() never reaches this hook.
// Inside the project nothing changes: its own files resolve and load as they always do.

let projectURL = '';

export function initialize(data) {
  projectURL = data.projectURL;
}

export async function resolve(specifier, context, nextResolve) {
  const outside = context.parentURL !== undefined && !context.parentURL.startsWith(projectURL);
  let resolved;
  try {
    resolved = await nextResolve(specifier, context);
  } catch (err) {
    if (!outside || err?.code !== 'ERR_MODULE_NOT_FOUND' || !isBare(specifier)) throw err;
    return nextResolve(specifier, { ...context, parentURL: new URL('package.json', projectURL).href });
  }
  if (resolved.url.startsWith('file:') && !resolved.url.startsWith(projectURL) && resolved.url.endsWith('.ts')) return { ...resolved, format: 'module' };
  return resolved;
}

function isBare(specifier) {
  return !specifier.startsWith('.') && !specifier.startsWith('/') && !/^[a-z][a-z0-9+.-]*:/i.test(specifier);
}
