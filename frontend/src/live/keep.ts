/**
 * A kept walk, applied to the graph as one edit (one undo step): the walk node takes the recorded track,
 * and each event becomes a Director node chained after the played node, `after -> e1 -> e2 ...`; whatever
 * took the played node's LATENT output takes the last new node's instead. The new nodes go in a row to
 * the right of the played node, and the nodes downstream of it move right to make room.
 */
import type { NodeLibrary } from '../api/objectInfo';
import type { EditorDoc, FlowEdge, WorldNode } from '../graph/document';
import { handleName, makeEdge, newNodeData, nextNodeId, outputHandle } from '../graph/document';
import { compatible } from '../graph/types';
import type { Keep } from './protocol';

export const LATENT = 'LATENT';
const GAP = 60;
const NODE_WIDTH = 280;

export type KeepResult = { doc: EditorDoc; added: string[] } | { refused: string };

const worldNode = (doc: EditorDoc, id: string): WorldNode | undefined => {
  const node = doc.nodes.find((n) => n.id === id);
  return node?.type === 'world' ? node : undefined;
};

/** Every node reachable from `start` along links (not `start` itself). */
function downstream(edges: FlowEdge[], start: string): Set<string> {
  const next = new Map<string, string[]>();
  for (const edge of edges) next.set(edge.source, [...(next.get(edge.source) ?? []), edge.target]);
  const seen = new Set<string>();
  const stack = [...(next.get(start) ?? [])];
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id) || id === start) continue;
    seen.add(id);
    stack.push(...(next.get(id) ?? []));
  }
  return seen;
}

export function applyKeep(doc: EditorDoc, keep: Keep, library: NodeLibrary): KeepResult {
  const walk = worldNode(doc, keep.walk.node);
  if (!walk) return { refused: `the graph has no node ${keep.walk.node} to keep the walk in` };
  const after = worldNode(doc, keep.after);
  if (!after) return { refused: `the graph has no node ${keep.after} to add the events after` };
  const afterOutput = library.get(after.data.cls)?.outputs.find((o) => compatible(o.type, LATENT) && o.type !== '*');
  if (keep.events.length && !afterOutput) return { refused: `node ${after.id} (${after.data.cls}) has no LATENT output` };

  let nodes = doc.nodes.map((n) => (n.id === walk.id && n.type === 'world'
    ? { ...n, data: { ...n.data, values: { ...n.data.values, ...keep.walk.inputs } } } : n));
  let edges = doc.edges;
  const added: WorldNode[] = [];
  const chain: { id: string; input: string; output: string }[] = [];
  const column = (after.measured?.width ?? after.width ?? NODE_WIDTH) + GAP;
  for (const [index, event] of keep.events.entries()) {
    const def = library.get(event.class_type);
    if (!def) return { refused: `this editor has no node class ${event.class_type}` };
    const input = def.inputs.find((i) => compatible(LATENT, i.type) && i.type !== '*');
    const output = def.outputs.find((o) => compatible(o.type, LATENT) && o.type !== '*');
    if (!input || !output) return { refused: `${event.class_type} does not take and give a LATENT` };
    const id = nextNodeId({ ...doc, nodes: [...nodes, ...added] });
    const data = newNodeData(def);
    added.push({
      id, type: 'world', selected: true,
      position: { x: after.position.x + (index + 1) * column, y: after.position.y },
      data: { ...data, values: { ...data.values, ...event.inputs } },
    });
    chain.push({ id, input: input.name, output: output.name });
  }
  if (chain.length && afterOutput) {
    const from = outputHandle(afterOutput.name);
    const consumers = edges.filter((e) => e.source === after.id && e.sourceHandle === from);
    const shifted = downstream(edges, after.id);
    const room = chain.length * column;
    nodes = nodes.map((n) => (shifted.has(n.id) && n.position.x > after.position.x
      ? { ...n, position: { x: n.position.x + room, y: n.position.y } } : n));
    const last = chain[chain.length - 1];
    const links = chain.map((link, i) => (i === 0
      ? makeEdge(after.id, afterOutput.name, link.id, link.input, afterOutput.type)
      : makeEdge(chain[i - 1].id, chain[i - 1].output, link.id, link.input, LATENT)));
    const rewired = consumers.map((e) => makeEdge(last.id, last.output, e.target, handleName(e.targetHandle), LATENT, e.data?.extra ?? {}));
    edges = [...edges.filter((e) => !consumers.includes(e)), ...links, ...rewired];
    nodes = nodes.map((n) => (n.selected ? { ...n, selected: false } : n));
  }
  return { doc: { ...doc, nodes: [...nodes, ...added], edges }, added: added.map((n) => n.id) };
}
