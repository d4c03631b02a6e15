/** Global set-up of the browser tests: one real server for all of them (`inject('baseUrl')`). */
import type { TestProject } from 'vitest/node';
import { startServer } from './serverProcess.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    serverRoot: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startServer();
  project.provide('baseUrl', server.url);
  project.provide('serverRoot', server.root);
  return () => server.stop();
}
