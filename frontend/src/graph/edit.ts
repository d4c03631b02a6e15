/** Pure edits of an editor document: each takes a document and returns a new one (or a refusal). */
import type { Connection, XYPosition } from '@xyflow/react';
import type { NodeDef, NodeLibrary } from '../api/objectInfo';
import type { EditorDoc, FlowEdge, FlowNode, GroupNode, WorldNode } from './document';
import { handleName, isGroupId, makeEdge, newNodeData, nextGroupId, nextNodeId } from './document';
import { compatible } from './types';

export function addNode(doc: EditorDoc, def: NodeDef, position: XYPosition): { doc: EditorDoc; id: string } {
  const id = nextNodeId(doc);
  const node: WorldNode = { id, type: 'world', position, data: newNodeData(def), selected: true };
  const nodes = doc.nodes.map((n) => (n.selected ? { ...n, selected: false } : n));
  return { doc: { ...doc, nodes: [...nodes, node] }, id };
}

export function addGroup(doc: EditorDoc, title: string): EditorDoc {
  const chosen = doc.nodes.filter((n) => n.selected && n.type === 'world');
  const margin = 40;
  let bounds = { x: -doc.viewport.x / doc.viewport.zoom + 80, y: -doc.viewport.y / doc.viewport.zoom + 80, w: 480, h: 320 };
  if (chosen.length) {
    const xs = chosen.map((n) => n.position.x);
    const ys = chosen.map((n) => n.position.y);
    const right = chosen.map((n) => n.position.x + (n.measured?.width ?? n.width ?? 280));
    const bottom = chosen.map((n) => n.position.y + (n.measured?.height ?? n.height ?? 160));
    const x = Math.min(...xs) - margin;
    const y = Math.min(...ys) - margin - 24;
    bounds = { x, y, w: Math.max(...right) + margin - x, h: Math.max(...bottom) + margin - y };
  }
  const group: GroupNode = {
    id: nextGroupId(doc), type: 'frame', position: { x: bounds.x, y: bounds.y }, width: bounds.w, height: bounds.h,
    zIndex: -1, data: { title, extra: {} },
  };
  return { ...doc, nodes: [group, ...doc.nodes] };
}

/** Why `connection` cannot be made, or null when it can. */
export function connectionProblem(doc: EditorDoc, connection: Connection, library: NodeLibrary): string | null {
  if (connection.source === connection.target) return 'a node cannot feed itself';
  const source = doc.nodes.find((n) => n.id === connection.source);
  const target = doc.nodes.find((n) => n.id === connection.target);
  if (source?.type !== 'world' || target?.type !== 'world') return 'both ends must be nodes';
  const output = library.get(source.data.cls)?.outputs.find((o) => o.name === handleName(connection.sourceHandle));
  const input = library.get(target.data.cls)?.inputs.find((i) => i.name === handleName(connection.targetHandle));
  if (!output) return `${source.data.cls} has no output ${handleName(connection.sourceHandle)}`;
  if (!input) return `${target.data.cls} has no input ${handleName(connection.targetHandle)}`;
  if (!compatible(output.type, input.type)) return `${output.name} gives ${output.type}; ${input.name} expects ${input.type}`;
  if (createsCycle(doc.edges, connection.source, connection.target)) return 'the link would make a cycle';
  return null;
}

function createsCycle(edges: FlowEdge[], source: string, target: string): boolean {
  const next = new Map<string, string[]>();
  for (const edge of edges) next.set(edge.source, [...(next.get(edge.source) ?? []), edge.target]);
  const stack = [target];
  const seen = new Set<string>();
  while (stack.length) {
    const id = stack.pop()!;
    if (id === source) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(next.get(id) ?? []));
  }
  return false;
}

/** Connect (replacing the input's previous link: one link per input); null when refused. */
export function connect(doc: EditorDoc, connection: Connection, library: NodeLibrary): EditorDoc | null {
  if (connectionProblem(doc, connection, library)) return null;
  const source = doc.nodes.find((n) => n.id === connection.source) as WorldNode;
  const output = handleName(connection.sourceHandle);
  const input = handleName(connection.targetHandle);
  const type = library.get(source.data.cls)!.outputs.find((o) => o.name === output)!.type;
  const edges = doc.edges.filter((e) => !(e.target === connection.target && handleName(e.targetHandle) === input));
  edges.push(makeEdge(connection.source, output, connection.target, input, type));
  return { ...doc, edges };
}

export function disconnectInput(doc: EditorDoc, target: string, input: string): EditorDoc {
  return { ...doc, edges: doc.edges.filter((e) => !(e.target === target && handleName(e.targetHandle) === input)) };
}

export function removeElements(doc: EditorDoc, nodeIds: Set<string>, edgeIds: Set<string>): EditorDoc {
  return {
    ...doc,
    nodes: doc.nodes.filter((n) => !nodeIds.has(n.id)),
    edges: doc.edges.filter((e) => !edgeIds.has(e.id) && !nodeIds.has(e.source) && !nodeIds.has(e.target)),
  };
}

export function removeSelection(doc: EditorDoc): EditorDoc {
  return removeElements(doc, new Set(doc.nodes.filter((n) => n.selected).map((n) => n.id)),
    new Set(doc.edges.filter((e) => e.selected).map((e) => e.id)));
}

function updateWorldNode(doc: EditorDoc, id: string, change: (node: WorldNode) => WorldNode): EditorDoc {
  return { ...doc, nodes: doc.nodes.map((n) => (n.id === id && n.type === 'world' ? change(n) : n)) };
}

export function setValue(doc: EditorDoc, id: string, name: string, value: unknown): EditorDoc {
  return updateWorldNode(doc, id, (n) => ({ ...n, data: { ...n.data, values: { ...n.data.values, [name]: value } } }));
}

export function setTitle(doc: EditorDoc, id: string, title: string): EditorDoc {
  if (isGroupId(id)) {
    return { ...doc, nodes: doc.nodes.map((n) => (n.id === id && n.type === 'frame' ? { ...n, data: { ...n.data, title } } : n)) };
  }
  return updateWorldNode(doc, id, (n) => ({ ...n, data: { ...n.data, title } }));
}

export function setSeedControl(doc: EditorDoc, id: string, name: string, mode: 'fixed' | 'randomize'): EditorDoc {
  return updateWorldNode(doc, id, (n) => ({ ...n, data: { ...n.data, seedControl: { ...n.data.seedControl, [name]: mode } } }));
}

/** Show a widget input as a socket, or back as a widget (dropping its link). */
export function toggleSocket(doc: EditorDoc, id: string, name: string): EditorDoc {
  const node = doc.nodes.find((n) => n.id === id);
  if (node?.type !== 'world') return doc;
  const socket = node.data.sockets.includes(name);
  const sockets = socket ? node.data.sockets.filter((s) => s !== name) : [...node.data.sockets, name];
  const next = updateWorldNode(doc, id, (n) => ({ ...n, data: { ...n.data, sockets } }));
  return socket ? disconnectInput(next, id, name) : next;
}

/** A seed in [0, 2^53): what a JavaScript number holds exactly. */
export function randomSeed(): number {
  return Math.floor(Math.random() * Number.MAX_SAFE_INTEGER);
}

/** After queueing: give every input set to "randomize" a new seed. */
export function randomiseSeeds(doc: EditorDoc): EditorDoc {
  let changed = false;
  const nodes = doc.nodes.map((n) => {
    if (n.type !== 'world') return n;
    const names = Object.entries(n.data.seedControl).filter(([, mode]) => mode === 'randomize').map(([name]) => name);
    if (!names.length) return n;
    changed = true;
    const values = { ...n.data.values };
    for (const name of names) values[name] = randomSeed();
    return { ...n, data: { ...n.data, values } };
  });
  return changed ? { ...doc, nodes } : doc;
}

/** What copy puts on the clipboard: nodes (with their data) and the links among them. */
export interface Clipboard {
  kind: 'worldgraph/clipboard';
  nodes: FlowNode[];
  edges: FlowEdge[];
}

export function copySelection(doc: EditorDoc): Clipboard | null {
  const nodes = doc.nodes.filter((n) => n.selected);
  if (!nodes.length) return null;
  const ids = new Set(nodes.map((n) => n.id));
  const edges = doc.edges.filter((e) => ids.has(e.source) && ids.has(e.target));
  const clean = nodes.map(({ id, type, position, data, width, height, zIndex }) => ({ id, type, position, data, width, height, zIndex }) as FlowNode);
  return { kind: 'worldgraph/clipboard', nodes: clean, edges: edges.map((e) => ({ ...e, selected: false })) };
}

/** Paste with fresh ids, the top-left of the pasted nodes at `at`; pasted nodes become the selection. */
export function paste(doc: EditorDoc, clip: Clipboard, at: XYPosition): EditorDoc {
  const left = Math.min(...clip.nodes.map((n) => n.position.x));
  const top = Math.min(...clip.nodes.map((n) => n.position.y));
  const renamed = new Map<string, string>();
  let work: EditorDoc = { ...doc, nodes: doc.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)) };
  const added: FlowNode[] = [];
  for (const node of clip.nodes) {
    const id = node.type === 'frame' ? nextGroupId(work) : nextNodeId(work, new Set(added.map((n) => n.id)));
    renamed.set(node.id, id);
    const copy = { ...node, id, selected: true, position: { x: at.x + node.position.x - left, y: at.y + node.position.y - top } } as FlowNode;
    added.push(copy);
    work = { ...work, nodes: [...work.nodes, copy] };
  }
  const edges = clip.edges.map((e) => makeEdge(renamed.get(e.source)!, handleName(e.sourceHandle), renamed.get(e.target)!,
    handleName(e.targetHandle), e.data?.type ?? '*', e.data?.extra ?? {}));
  return { ...work, edges: [...work.edges, ...edges] };
}

/** Nodes that have an input accepting `type` (for a wire dropped on empty canvas). */
export function nodesAccepting(library: NodeLibrary, type: string): Set<string> {
  const names = new Set<string>();
  for (const def of library.values()) if (def.inputs.some((i) => compatible(type, i.type))) names.add(def.name);
  return names;
}

export function nodesProducing(library: NodeLibrary, type: string): Set<string> {
  const names = new Set<string>();
  for (const def of library.values()) if (def.outputs.some((o) => compatible(o.type, type))) names.add(def.name);
  return names;
}

/** Copies of the given nodes (and the links among them), offset a little, selected. */
export function duplicate(doc: EditorDoc, ids: Set<string>): EditorDoc {
  const marked = { ...doc, nodes: doc.nodes.map((n) => ({ ...n, selected: ids.has(n.id) })) };
  const clip = copySelection(marked);
  if (!clip) return doc;
  const left = Math.min(...clip.nodes.map((n) => n.position.x));
  const top = Math.min(...clip.nodes.map((n) => n.position.y));
  return paste(marked, clip, { x: left + 40, y: top + 40 });
}
