/**
 * What the browser benches share: the editor's test harness (Debian's chromium through playwright-core, a real
 * server over a fresh folder) and reading their command-line options.
 * Needs `make editor` (frontend/dist) and chromium (`make chromium`).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FRONTEND = join(dirname(fileURLToPath(import.meta.url)), '..', 'frontend');
const require = createRequire(join(FRONTEND, 'package.json'));
require.resolve('playwright-core'); // fail early, with a clear message, when `make editor` has not run
export const { launchChromium } = await import(join(FRONTEND, 'e2e', 'chromium.mjs'));
export const { startServer } = await import(join(FRONTEND, 'e2e', 'serverProcess.mjs'));

/** The value after `name` on the command line, or `fallback`. */
export function text(name, fallback) {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : fallback;
}

/** The number after `name` on the command line, or `fallback`. */
export const option = (name, fallback) => Number(text(name, fallback));
