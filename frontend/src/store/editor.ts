/**
 * The editor's state: the node library, open tabs (each a document with its undo history) and the
 * clipboard shared by all tabs. Edits go through `change`, which records undo steps.
 */
import type { EdgeChange, NodeChange, Viewport } from '@xyflow/react';
import { applyEdgeChanges, applyNodeChanges } from '@xyflow/react';
import { create } from 'zustand';
import type { NodeLibrary, SocketTypeInfo } from '../api/objectInfo';
import type { EditorDoc, FlowEdge, FlowNode } from '../graph/document';
import { emptyDoc } from '../graph/document';
import type { Clipboard } from '../graph/edit';

interface Snapshot {
  nodes: FlowNode[];
  edges: FlowEdge[];
  revision: number;
}

export interface Tab {
  id: string;
  name: string;
  /** File name in the workflow store, or null when never saved there. */
  path: string | null;
  doc: EditorDoc;
  past: Snapshot[];
  future: Snapshot[];
  revision: number;
  savedRevision: number;
  /** Frame the whole graph when the canvas first shows this tab (freshly opened files). */
  fitOnShow: boolean;
}

export const isDirty = (tab: Tab) => tab.revision !== tab.savedRevision;

const HISTORY_LIMIT = 200;
const COALESCE_MS = 1000;
let revisions = 0;
let tabCounter = 0;

export function newTabId(): string {
  tabCounter += 1;
  return `tab-${Date.now().toString(36)}-${tabCounter}`;
}

interface DragState {
  group: string | null;
  members: string[];
}

export interface EditorState {
  library: NodeLibrary;
  socketTypes: Record<string, SocketTypeInfo>;
  tabs: Tab[];
  activeId: string | null;
  clipboard: Clipboard | null;
  lastChange: { key: string; at: number } | null;
  drag: DragState | null;

  setLibrary(library: NodeLibrary, socketTypes: Record<string, SocketTypeInfo>): void;
  openTab(doc: EditorDoc, name: string, path: string | null,
    options?: { dirty?: boolean; id?: string; activate?: boolean; fit?: boolean }): string;
  newTab(): string;
  closeTab(id: string): void;
  activate(id: string): void;
  /** The canvas has shown this tab (and framed it if asked to). */
  shown(id: string): void;
  /** Apply an edit to the active tab; `key` merges quick successive edits (typing) into one undo step. */
  change(edit: (doc: EditorDoc) => EditorDoc | null, options?: { undoable?: boolean; key?: string }): boolean;
  onNodesChange(changes: NodeChange<FlowNode>[]): void;
  onEdgesChange(changes: EdgeChange<FlowEdge>[]): void;
  setViewport(viewport: Viewport): void;
  undo(): void;
  redo(): void;
  markSaved(id: string, name: string, path: string): void;
  setClipboard(clip: Clipboard | null): void;
}

function snapshot(tab: Tab): Snapshot {
  return { nodes: tab.doc.nodes, edges: tab.doc.edges, revision: tab.revision };
}

/** Undo (from 'past') or redo (from 'future'): restore that stack's last snapshot, keeping the present on the other. */
function travel(state: EditorState, from: 'past' | 'future'): Partial<EditorState> {
  const to = from === 'past' ? 'future' : 'past';
  const target = activeTab(state)?.[from].at(-1);
  if (!target) return {};
  return {
    lastChange: null,
    ...mapActive(state, (t) => ({
      ...t, [from]: t[from].slice(0, -1), [to]: [...t[to], snapshot(t)],
      doc: { ...t.doc, nodes: target.nodes, edges: target.edges }, revision: target.revision,
    })),
  };
}

function mapActive(state: EditorState, update: (tab: Tab) => Tab): Partial<EditorState> {
  return { tabs: state.tabs.map((tab) => (tab.id === state.activeId ? update(tab) : tab)) };
}

/** Selection and measurement changes are not edits: they neither dirty a tab nor make undo steps. */
const isEdit = (change: NodeChange | EdgeChange) =>
  change.type !== 'select' && change.type !== 'dimensions';

export const useEditor = create<EditorState>()((set, get) => ({
  library: new Map(),
  socketTypes: {},
  tabs: [],
  activeId: null,
  clipboard: null,
  lastChange: null,
  drag: null,

  setLibrary: (library, socketTypes) => set({ library, socketTypes }),

  openTab: (doc, name, path, options = {}) => {
    const id = options.id ?? newTabId();
    const revision = ++revisions;
    const tab: Tab = {
      id, name, path, doc, past: [], future: [], revision, savedRevision: options.dirty ? -1 : revision,
      fitOnShow: options.fit ?? false,
    };
    set((state) => ({ tabs: [...state.tabs, tab], activeId: options.activate === false ? state.activeId : id }));
    return id;
  },

  newTab: () => {
    const taken = new Set(get().tabs.map((t) => t.name));
    let index = 1;
    while (taken.has(`Untitled ${index}`)) index++;
    return get().openTab(emptyDoc(), `Untitled ${index}`, null);
  },

  closeTab: (id) =>
    set((state) => {
      const index = state.tabs.findIndex((t) => t.id === id);
      const tabs = state.tabs.filter((t) => t.id !== id);
      const activeId = state.activeId === id ? (tabs[Math.min(index, tabs.length - 1)]?.id ?? null) : state.activeId;
      return { tabs, activeId };
    }),

  activate: (id) => set({ activeId: id, lastChange: null }),

  shown: (id) => set((state) => ({ tabs: state.tabs.map((t) => (t.id === id && t.fitOnShow ? { ...t, fitOnShow: false } : t)) })),

  change: (edit, options = {}) => {
    const state = get();
    const tab = activeTab(state);
    if (!tab) return false;
    const next = edit(tab.doc);
    if (!next || next === tab.doc) return false;
    const undoable = options.undoable ?? true;
    const now = Date.now();
    const merge = undoable && options.key !== undefined && state.lastChange?.key === options.key &&
      now - state.lastChange.at < COALESCE_MS;
    set(mapActive(state, (t) => ({
      ...t,
      doc: next,
      past: undoable && !merge ? [...t.past.slice(-HISTORY_LIMIT + 1), snapshot(t)] : t.past,
      future: undoable ? [] : t.future,
      revision: ++revisions,
    })));
    set({ lastChange: undoable ? { key: options.key ?? `edit-${now}`, at: now } : state.lastChange });
    return true;
  },

  onNodesChange: (changes) => {
    const state = get();
    const tab = activeTab(state);
    if (!tab) return;
    const moving = changes.filter((c) => c.type === 'position' && c.dragging);
    let drag = state.drag;
    let past = tab.past;
    if (moving.length && !drag) {
      past = [...past.slice(-HISTORY_LIMIT + 1), snapshot(tab)];
      drag = startDrag(tab.doc.nodes, changes);
    }
    const ended = changes.some((c) => c.type === 'position' && c.dragging === false);
    let nodes = applyNodeChanges(withGroupMembers(changes, tab.doc.nodes, drag), tab.doc.nodes);
    if (ended) {
      drag = null;
      nodes = nodes.map((n) => (n.dragging ? { ...n, dragging: false } : n));
    }
    const edited = changes.some(isEdit);
    set({
      drag,
      ...mapActive(state, (t) => ({
        ...t, past, future: moving.length ? [] : t.future,
        doc: { ...t.doc, nodes }, revision: edited ? ++revisions : t.revision,
      })),
    });
  },

  onEdgesChange: (changes) => {
    const state = get();
    set(mapActive(state, (t) => ({
      ...t,
      doc: { ...t.doc, edges: applyEdgeChanges(changes, t.doc.edges) },
      revision: changes.some(isEdit) ? ++revisions : t.revision,
    })));
  },

  setViewport: (viewport) => set((state) => mapActive(state, (t) => ({ ...t, doc: { ...t.doc, viewport } }))),

  undo: () => set((state) => travel(state, 'past')),

  redo: () => set((state) => travel(state, 'future')),

  markSaved: (id, name, path) =>
    set((state) => ({ tabs: state.tabs.map((t) => (t.id === id ? { ...t, name, path, savedRevision: t.revision } : t)) })),

  setClipboard: (clipboard) => set({ clipboard }),
}));

export function activeTab(state: EditorState): Tab | undefined {
  return state.tabs.find((t) => t.id === state.activeId);
}

function box(node: FlowNode) {
  const width = node.measured?.width ?? node.width ?? 0;
  const height = node.measured?.height ?? node.height ?? 0;
  return { left: node.position.x, top: node.position.y, right: node.position.x + width, bottom: node.position.y + height };
}

/** Dragging a group carries the nodes lying inside it. */
function startDrag(nodes: FlowNode[], changes: NodeChange<FlowNode>[]): DragState {
  const moved = changes.find((c) => c.type === 'position' && c.dragging);
  const group = nodes.find((n) => moved && 'id' in moved && n.id === moved.id && n.type === 'frame');
  if (!group) return { group: null, members: [] };
  const outer = box(group);
  const members = nodes.filter((n) => {
    if (n.id === group.id || n.selected) return false;
    const inner = box(n);
    return inner.left >= outer.left && inner.top >= outer.top && inner.right <= outer.right && inner.bottom <= outer.bottom;
  });
  return { group: group.id, members: members.map((n) => n.id) };
}

function withGroupMembers(changes: NodeChange<FlowNode>[], nodes: FlowNode[], drag: DragState | null): NodeChange<FlowNode>[] {
  if (!drag?.group) return changes;
  const move = changes.find((c) => c.type === 'position' && c.id === drag.group && c.position);
  const group = nodes.find((n) => n.id === drag.group);
  if (!move || move.type !== 'position' || !move.position || !group) return changes;
  const dx = move.position.x - group.position.x;
  const dy = move.position.y - group.position.y;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const extra: NodeChange<FlowNode>[] = drag.members.flatMap((id) => {
    const member = byId.get(id);
    return member ? [{ type: 'position', id, position: { x: member.position.x + dx, y: member.position.y + dy } } as NodeChange<FlowNode>] : [];
  });
  return [...changes, ...extra];
}
