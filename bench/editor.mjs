#!/usr/bin/env node
/**
 * How fast the editor opens a 500-node workflow in headless chromium, against a real server.
 *
 *   node bench/editor.mjs [--json] [--nodes 500] [--runs 3]
 *
 * load_interactive_s: from navigation to a restored 500-node tab whose node answers a click (selected).
 * import_interactive_s: from choosing the file in Import to the new tab drawn with all nodes in the minimap.
 * Needs `make editor` (frontend/dist) and chromium (`make chromium`).
 */
import { join } from 'node:path';

import { FRONTEND, launchChromium, option, startServer } from './browserbench.mjs';

const { chainWorkflow } = await import(join(FRONTEND, 'e2e', 'largeWorkflow.mjs'));

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const round = (value) => Math.round(value * 1000) / 1000;

async function loadRestored(browser, url, workflow, count) {
  const context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
  const session = { activeId: 'bench', tabs: [{ id: 'bench', name: 'bench', path: null, dirty: true, workflow }] };
  await context.addInitScript((text) => localStorage.setItem('worldgraph.tabs.v1', text), JSON.stringify(session));
  const page = await context.newPage();
  const started = performance.now();
  await page.goto(url);
  await page.locator('.react-flow__node[data-id="1"]').waitFor();
  await page.locator('.react-flow__node[data-id="1"] .wg-node-header').click();
  await page.locator('.react-flow__node[data-id="1"].selected').waitFor();
  const seconds = (performance.now() - started) / 1000;
  const drawn = await page.locator('.react-flow__minimap-node').count();
  await context.close();
  if (drawn !== count) throw new Error(`expected ${count} nodes in the minimap, found ${drawn}`);
  return seconds;
}

async function loadImported(browser, url, workflow, count) {
  const context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
  const page = await context.newPage();
  await page.goto(url);
  await page.locator('.react-flow__node').first().waitFor();
  const started = performance.now();
  await page.locator('input[aria-label="import file"]').setInputFiles({
    name: 'bench.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(workflow)),
  });
  await page.waitForFunction((n) => document.querySelectorAll('.react-flow__minimap-node').length === n, count);
  const seconds = (performance.now() - started) / 1000;
  await context.close();
  return seconds;
}

const count = option('--nodes', 500);
const runs = option('--runs', 3);
const workflow = chainWorkflow(count);
const server = await startServer();
const browser = await launchChromium();
try {
  const load = [];
  const imported = [];
  for (let run = 0; run < runs; run++) {
    load.push(await loadRestored(browser, server.url, workflow, count));
    imported.push(await loadImported(browser, server.url, workflow, count));
  }
  const result = {
    nodes: count,
    load_interactive_s: round(median(load)),
    import_interactive_s: round(median(imported)),
    load_runs_s: load.map(round),
    import_runs_s: imported.map(round),
    target_s: 2.0,
  };
  console.log(process.argv.includes('--json') ? JSON.stringify(result) : result);
} finally {
  await browser.close();
  await server.stop();
}
