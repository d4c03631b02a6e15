/**
 * A real Worldgraph server (python server.py) over a fresh folder on a free port, for the browser
 * tests and bench/editor.mjs.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PYTHON = process.env.WORLDGRAPH_PYTHON ?? join(REPO, '.venv', 'bin', 'python');

function freePort() {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });
}

async function waitForServer(url, log) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/api/system_stats`)).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((wait) => setTimeout(wait, 200));
  }
  throw new Error(`the server did not start at ${url}:\n${log()}`);
}

/**
 * @param {Record<string, string>} [files] files to write under the server's root first (e.g. custom node packs)
 * @returns {Promise<{url: string, root: string, stop(): Promise<void>}>}
 */
export async function startServer(files = {}) {
  const root = mkdtempSync(join(tmpdir(), 'worldgraph-editor-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  const port = await freePort();
  let output = '';
  const server = spawn(PYTHON, [join(REPO, 'server.py'), '--port', String(port), '--root', root], {
    cwd: root,
    env: { ...process.env, WORLDGRAPH_CACHE_DIR: join(root, 'cache') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout.on('data', (chunk) => (output += chunk));
  server.stderr.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  await waitForServer(url, () => output);
  return {
    url,
    root,
    async stop() {
      server.kill('SIGTERM');
      await new Promise((done) => server.once('exit', done));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
