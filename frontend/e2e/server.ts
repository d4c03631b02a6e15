/** Global set-up of the browser tests: one real server for all of them (`inject('baseUrl')`). */
import type { TestProject } from 'vitest/node';
import { startServer } from './serverProcess.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    serverRoot: string;
  }
}

/** Packs in the server's custom_nodes/: one with a node and an editor extension, one that fails. */
const PACKS = {
  'custom_nodes/web_pack/__init__.py': [
    'class Greeting:',
    '    @classmethod',
    '    def INPUT_TYPES(cls):',
    '        return {"required": {"name": ("STRING", {"default": "world"})}}',
    '    RETURN_TYPES = ("STRING",)',
    '    FUNCTION = "greet"',
    '    CATEGORY = "e2e"',
    '    def greet(self, name):',
    '        return (f"hello {name}",)',
    'NODE_CLASS_MAPPINGS = {"E2EGreeting": Greeting}',
    'NODE_DISPLAY_NAME_MAPPINGS = {"E2EGreeting": "Greeting (e2e)"}',
    'WEB_DIRECTORY = "web"',
  ].join('\n'),
  'custom_nodes/web_pack/web/hello.js':
    "export default { name: 'web_pack.hello', setup(app) { app.notify('info', `web_pack extension sees ${app.nodeClasses().length} node classes`); } };\n",
  'custom_nodes/broken_pack/__init__.py': 'import a_module_that_does_not_exist\n',
};

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startServer(PACKS);
  project.provide('baseUrl', server.url);
  project.provide('serverRoot', server.root);
  return () => server.stop();
}
