/**
 * The editor's document: React Flow nodes and edges, converted to and from the workflow format.
 * Widget values are kept by input name; fields the editor does not know are carried through untouched.
 */
import type { Edge, Node, Viewport } from '@xyflow/react';
import type { InputDef, NodeDef, NodeLibrary } from '../api/objectInfo';
import { defaultValue } from '../api/objectInfo';
import type { GroupJson, NodeLayoutJson, WorkflowJson, WorkflowLinkJson, WorkflowNodeJson } from './workflow';
import { FORMAT } from './workflow';

export type SeedControl = 'fixed' | 'randomize';

export interface WorldNodeData extends Record<string, unknown> {
  cls: string;
  title: string;
  values: Record<string, unknown>;
  /** Widget inputs the artist turned into sockets. */
  sockets: string[];
  seedControl: Record<string, SeedControl>;
  /** Fields of the workflow node and of its layout entry this editor does not know. */
  extra: Record<string, unknown>;
  layoutExtra: Record<string, unknown>;
}

export interface GroupData extends Record<string, unknown> {
  title: string;
  color?: string;
  extra: Record<string, unknown>;
}

export type WorldNode = Node<WorldNodeData, 'world'>;
export type GroupNode = Node<GroupData, 'frame'>;
export type FlowNode = WorldNode | GroupNode;
export type FlowEdge = Edge<{ type: string; extra: Record<string, unknown> }>;

export interface EditorDoc {
  nodes: FlowNode[];
  edges: FlowEdge[];
  viewport: Viewport;
  /** Top-level fields besides nodes, links and layout (meta, ...). */
  extra: Record<string, unknown>;
  layoutExtra: Record<string, unknown>;
}

const NODE_WIDTH = 280;
const COLUMN = NODE_WIDTH + 60;
const ROW = 220;

export const inputHandle = (name: string) => `i:${name}`;
export const outputHandle = (name: string) => `o:${name}`;
export const handleName = (handle: string | null | undefined) => (handle ?? '').slice(2);
export const isGroupId = (id: string) => id.startsWith('group ');

export function edgeId(source: string, output: string, target: string, input: string): string {
  return `${source}:${output}->${target}:${input}`;
}

export function makeEdge(source: string, output: string, target: string, input: string, type: string,
  extra: Record<string, unknown> = {}): FlowEdge {
  return {
    id: edgeId(source, output, target, input),
    source,
    sourceHandle: outputHandle(output),
    target,
    targetHandle: inputHandle(input),
    data: { type, extra },
  };
}

export function emptyDoc(): EditorDoc {
  return { nodes: [], edges: [], viewport: { x: 0, y: 0, zoom: 1 }, extra: {}, layoutExtra: {} };
}

function omit<T extends Record<string, unknown>>(value: T, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !keys.includes(key)));
}

/** An input shows a socket (not a widget) when it cannot hold a constant, was turned into one, or is linked. */
export function showsSocket(input: InputDef, sockets: string[], linked: boolean): boolean {
  return !input.widget || linked || sockets.includes(input.name);
}

export function newNodeData(def: NodeDef): WorldNodeData {
  const values: Record<string, unknown> = {};
  const seedControl: Record<string, SeedControl> = {};
  const sockets: string[] = [];
  for (const input of def.inputs) {
    if (!input.widget) continue;
    values[input.name] = defaultValue(input);
    if (input.options.control_after_generate) seedControl[input.name] = 'fixed';
    if (input.options.forceInput) sockets.push(input.name);
  }
  return { cls: def.name, title: '', values, sockets, seedControl, extra: {}, layoutExtra: {} };
}

/** Columns by longest path from the sources, for documents that carry no positions. */
function autoPositions(ids: string[], links: WorkflowLinkJson[]): Map<string, { x: number; y: number }> {
  const depth = new Map(ids.map((id) => [id, 0]));
  for (let pass = 0; pass < ids.length; pass++) {
    let changed = false;
    for (const link of links) {
      const next = (depth.get(link.from[0]) ?? 0) + 1;
      if (depth.has(link.to[0]) && next > depth.get(link.to[0])! && next < ids.length) {
        depth.set(link.to[0], next);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const rows = new Map<number, number>();
  const positions = new Map<string, { x: number; y: number }>();
  for (const id of ids) {
    const column = depth.get(id)!;
    const row = rows.get(column) ?? 0;
    rows.set(column, row + 1);
    positions.set(id, { x: column * COLUMN, y: row * ROW });
  }
  return positions;
}

export function fromWorkflow(workflow: WorkflowJson, library: NodeLibrary): EditorDoc {
  const layout = workflow.layout ?? {};
  const placed = layout.nodes ?? {};
  const links = workflow.links ?? [];
  const ids = Object.keys(workflow.nodes);
  const missing = ids.some((id) => !placed[id]?.pos);
  const fallback = missing ? autoPositions(ids, links) : new Map();
  const nodes: FlowNode[] = [];
  (layout.groups ?? []).forEach((group, index) => nodes.push(groupFromJson(group, index)));
  for (const id of ids) nodes.push(nodeFromJson(id, workflow.nodes[id], placed[id] ?? {}, fallback.get(id), library));
  const edges = links.map((link) => {
    const source = workflow.nodes[link.from[0]];
    const def = source ? library.get(source.class) : undefined;
    const type = def?.outputs.find((o) => o.name === link.from[1])?.type ?? '*';
    return makeEdge(link.from[0], link.from[1], link.to[0], link.to[1], type, omit(link, ['from', 'to']));
  });
  return {
    nodes,
    edges,
    viewport: layout.viewport ?? { x: 0, y: 0, zoom: 1 },
    extra: omit(workflow, ['format', 'version', 'nodes', 'links', 'layout']),
    layoutExtra: omit(layout, ['nodes', 'groups', 'viewport']),
  };
}

function groupFromJson(group: GroupJson, index: number): GroupNode {
  const [x, y, width, height] = group.bounds;
  return {
    id: `group ${index + 1}`,
    type: 'frame',
    position: { x, y },
    width,
    height,
    zIndex: -1,
    data: { title: group.title, color: group.color, extra: omit(group, ['title', 'bounds', 'color']) },
  };
}

function nodeFromJson(id: string, json: WorkflowNodeJson, layout: NodeLayoutJson,
  fallback: { x: number; y: number } | undefined, library: NodeLibrary): WorldNode {
  const def = library.get(json.class);
  const base = def ? newNodeData(def) : null;
  const saved = json.inputs ?? {};
  const sockets = Array.isArray(layout.sockets) ? layout.sockets.map(String) : base?.sockets ?? [];
  const seedControl = { ...(base?.seedControl ?? {}), ...(layout.seed_control as Record<string, 'fixed' | 'randomize'> ?? {}) };
  const node: WorldNode = {
    id,
    type: 'world',
    position: layout.pos ? { x: layout.pos[0], y: layout.pos[1] } : fallback ?? { x: 0, y: 0 },
    data: {
      cls: json.class,
      title: json.title ?? '',
      values: { ...(base?.values ?? {}), ...saved },
      sockets,
      seedControl,
      extra: omit(json, ['class', 'title', 'inputs']),
      layoutExtra: omit(layout, ['pos', 'size', 'sockets', 'seed_control']),
    },
  };
  if (layout.size) {
    node.width = layout.size[0];
    node.height = layout.size[1];
  }
  return node;
}

const round = (value: number) => Math.round(value * 100) / 100;

/** The workflow document for a saved file, a queued prompt or an export. */
export function toWorkflow(doc: EditorDoc): WorkflowJson {
  const nodes: Record<string, WorkflowNodeJson> = {};
  const layoutNodes: Record<string, NodeLayoutJson> = {};
  const groups: GroupJson[] = [];
  for (const node of doc.nodes) {
    if (node.type === 'frame') {
      const width = node.width ?? node.measured?.width ?? 400;
      const height = node.height ?? node.measured?.height ?? 300;
      const group: GroupJson = {
        ...node.data.extra, title: node.data.title,
        bounds: [round(node.position.x), round(node.position.y), round(width), round(height)],
      };
      if (node.data.color) group.color = node.data.color;
      groups.push(group);
      continue;
    }
    const data = node.data;
    const json: WorkflowNodeJson = { class: data.cls, ...data.extra };
    if (data.title) json.title = data.title;
    json.inputs = { ...data.values };
    nodes[node.id] = json;
    const layout: NodeLayoutJson = { ...data.layoutExtra, pos: [round(node.position.x), round(node.position.y)] };
    if (node.width !== undefined && node.height !== undefined) layout.size = [round(node.width), round(node.height)];
    if (data.sockets.length) layout.sockets = [...data.sockets];
    const randomised = Object.entries(data.seedControl).filter(([, mode]) => mode === 'randomize');
    if (randomised.length) layout.seed_control = Object.fromEntries(randomised);
    layoutNodes[node.id] = layout;
  }
  const links: WorkflowLinkJson[] = doc.edges.map((edge) => ({
    ...(edge.data?.extra ?? {}),
    from: [edge.source, handleName(edge.sourceHandle)],
    to: [edge.target, handleName(edge.targetHandle)],
  }));
  return {
    format: FORMAT,
    version: 2,
    ...doc.extra,
    nodes,
    links,
    layout: { ...doc.layoutExtra, nodes: layoutNodes, groups, viewport: { ...doc.viewport } },
  };
}

/** Node ids are numbers in text; a new node takes the next one. */
export function nextNodeId(doc: EditorDoc, taken: Set<string> = new Set()): string {
  let highest = 0;
  for (const node of doc.nodes) {
    const number = Number(node.id);
    if (Number.isInteger(number) && number > highest) highest = number;
  }
  let candidate = highest + 1;
  while (taken.has(String(candidate))) candidate++;
  return String(candidate);
}

export function nextGroupId(doc: EditorDoc): string {
  let index = 1;
  const ids = new Set(doc.nodes.map((n) => n.id));
  while (ids.has(`group ${index}`)) index++;
  return `group ${index}`;
}
