/**
 * Global set-up of the browser tests: a real Worldgraph server (python server.py) over a fresh
 * folder, on a free port. Tests read its address with `inject('baseUrl')`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    serverRoot: string;
  }
}

const REPO = resolve(__dirname, '..', '..');
const PYTHON = process.env.WORLDGRAPH_PYTHON ?? join(REPO, '.venv', 'bin', 'python');

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });
}

async function waitForServer(url: string, log: () => string): Promise<void> {
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

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = mkdtempSync(join(tmpdir(), 'worldgraph-e2e-'));
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
  project.provide('baseUrl', url);
  project.provide('serverRoot', root);
  return async () => {
    server.kill('SIGTERM');
    await new Promise((done) => server.once('exit', done));
    rmSync(root, { recursive: true, force: true });
  };
}
