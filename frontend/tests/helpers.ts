/** Shared fixtures for the editor's unit tests: the server's node library, workflows, small documents. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connection } from '@xyflow/react';
import type { InputDef, InputSpec, NodeLibrary, ObjectInfo, ObjectInfoEntry } from '../src/api/objectInfo';
import { parseObjectInfo } from '../src/api/objectInfo';
import type { EditorDoc, FlowEdge, FlowNode, GroupNode, WorldNode } from '../src/graph/document';
import { emptyDoc, inputHandle, makeEdge, newNodeData, outputHandle } from '../src/graph/document';
import type { WorkflowJson } from '../src/graph/workflow';
import { useEditor } from '../src/store/editor';
import { useRun } from '../src/store/run';
import { useUi } from '../src/store/ui';

const here = dirname(fileURLToPath(import.meta.url));

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** A real server's `GET /object_info` (regenerate with tests/fixtures/make_fixtures.py). */
export const objectInfo = readJson<ObjectInfo>(join(here, 'fixtures', 'object_info.json'));
export const library: NodeLibrary = parseObjectInfo(objectInfo);

/** graph/types.py's answers for socket-type cases (tests/fixtures/make_fixtures.py). */
export const typeRules = readJson<{ widget_types: string[]; names: string[]; split: string[][]; compatible: boolean[][] }>(
  join(here, 'fixtures', 'type_rules.json'));

const workflowsDir = join(here, '..', '..', 'workflows');

/** The workflows shipped in the repository's workflows/ folder, by file name. */
export function workflowFiles(): string[] {
  return readdirSync(workflowsDir).filter((name) => name.endsWith('.json')).sort();
}

export function readWorkflow(name: string): WorkflowJson {
  return readJson<WorkflowJson>(join(workflowsDir, name));
}

/** An `/object_info` entry with the given required (and optional) inputs. */
export function entry(name: string, required: Record<string, InputSpec>, more: Partial<ObjectInfoEntry> = {}): ObjectInfoEntry {
  return { name, output: [], ...more, input: { required, ...more.input } };
}

/** An input definition for widget tests. */
export function inputDef(type: string, options: InputDef['options'] = {}, choices: string[] | null = null): InputDef {
  return { name: type.toLowerCase(), type, choices, options, optional: false, widget: true };
}

export function worldNode(id: string, cls: string, options: { x?: number; y?: number; selected?: boolean; width?: number; height?: number } = {}): WorldNode {
  const def = library.get(cls);
  if (!def) throw new Error(`no node class ${cls} in the fixture`);
  const node: WorldNode = { id, type: 'world', position: { x: options.x ?? 0, y: options.y ?? 0 }, data: newNodeData(def) };
  if (options.selected) node.selected = true;
  if (options.width !== undefined) node.width = options.width;
  if (options.height !== undefined) node.height = options.height;
  return node;
}

export function groupNode(id: string, bounds: [number, number, number, number], title = 'Group'): GroupNode {
  const [x, y, width, height] = bounds;
  return { id, type: 'frame', position: { x, y }, width, height, zIndex: -1, data: { title, extra: {} } };
}

export function docWith(nodes: FlowNode[], edges: FlowEdge[] = []): EditorDoc {
  return { ...emptyDoc(), nodes, edges };
}

/** An edge typed by the library, as the editor makes it. */
export function edge(source: string, output: string, target: string, input: string, doc?: EditorDoc): FlowEdge {
  const cls = doc?.nodes.find((n) => n.id === source)?.data.cls as string | undefined;
  const type = library.get(cls ?? '')?.outputs.find((o) => o.name === output)?.type ?? '*';
  return makeEdge(source, output, target, input, type);
}

export function connection(source: string, output: string, target: string, input: string): Connection {
  return { source, sourceHandle: outputHandle(output), target, targetHandle: inputHandle(input) };
}

export function worldNodes(doc: EditorDoc): WorldNode[] {
  return doc.nodes.filter((n): n is WorldNode => n.type === 'world');
}

export function findNode(doc: EditorDoc, id: string): WorldNode {
  const node = doc.nodes.find((n) => n.id === id);
  if (node?.type !== 'world') throw new Error(`no node ${id}`);
  return node;
}

/** Back to fresh editor, run and UI stores (zustand stores are module singletons). */
export function resetStores(): void {
  useEditor.setState(useEditor.getInitialState(), true);
  useRun.setState(useRun.getInitialState(), true);
  useUi.setState(useUi.getInitialState(), true);
}

/** An in-memory Storage. */
export function memoryStorage(initial: Record<string, string> = {}): Storage {
  const items = new Map(Object.entries(initial));
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, String(value)),
  };
}

/** A seeded generator (mulberry32), so random tests repeat exactly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
