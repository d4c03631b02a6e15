/**
 * Web extensions of custom-node packs (`WEB_DIRECTORY`): the server lists their scripts at
 * `/extensions`; each is imported as a module. A module may `export default {name, setup(app)}` or call
 * `window.worldgraph.registerExtension({name, setup(app)})`. `app` is the small API below.
 */
import type { PackReport } from './api/client';
import { api } from './api/client';
import { useEditor } from './store/editor';
import { notify } from './store/ui';

export interface Extension {
  name: string;
  setup?(app: ExtensionApp): void | Promise<void>;
}

export interface ExtensionApp {
  /** Show a message in the editor's notices. */
  notify(kind: 'info' | 'error', text: string): void;
  /** The node classes the server knows. */
  nodeClasses(): string[];
  /** Subscribe to the server's WebSocket events. */
  onEvent(listener: (event: unknown) => void): () => void;
}

declare global {
  interface Window {
    worldgraph?: { registerExtension(extension: Extension): void; extensions: string[] };
  }
}

const eventListeners = new Set<(event: unknown) => void>();

export function dispatchToExtensions(event: unknown): void {
  for (const listener of eventListeners) listener(event);
}

const app: ExtensionApp = {
  notify,
  nodeClasses: () => [...useEditor.getState().library.keys()],
  onEvent: (listener) => {
    eventListeners.add(listener);
    return () => eventListeners.delete(listener);
  },
};

async function register(extension: Extension): Promise<void> {
  try {
    await extension.setup?.(app);
    window.worldgraph!.extensions.push(extension.name);
  } catch (error) {
    notify('error', `extension ${extension.name} failed: ${(error as Error).message}`);
  }
}

export async function loadExtensions(): Promise<void> {
  window.worldgraph = { registerExtension: (extension) => void register(extension), extensions: [] };
  let urls: string[];
  try {
    urls = await api.extensions();
  } catch {
    return; // a server without extension support
  }
  for (const url of urls) {
    try {
      const module = (await import(/* @vite-ignore */ url)) as { default?: Extension };
      if (module.default?.name) await register(module.default);
    } catch (error) {
      notify('error', `extension ${url} failed to load: ${(error as Error).message}`);
    }
  }
}

/** What went wrong while the server loaded custom node packs, as notices (the rest loaded fine). */
export function packProblems(packs: PackReport[]): string[] {
  const problems: string[] = [];
  for (const pack of packs) {
    if (pack.status === 'failed') problems.push(`custom node pack ${pack.name} failed to load: ${pack.error}`);
    else if (pack.missing.length) {
      problems.push(`custom node pack ${pack.name} lacks ${pack.missing.join(', ')}: run 'worldgraph packs install ${pack.name}'`);
    }
    for (const error of pack.node_errors) problems.push(`custom node pack ${pack.name}: node ${error.node} refused: ${error.error}`);
    for (const warning of pack.warnings) problems.push(`custom node pack ${pack.name}: ${warning}`);
  }
  return problems;
}

export async function reportPacks(): Promise<void> {
  try {
    const { packs } = await api.customNodes();
    for (const problem of packProblems(packs)) notify('error', problem);
  } catch {
    /* a server without custom node support */
  }
}
