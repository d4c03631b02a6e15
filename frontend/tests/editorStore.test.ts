// @vitest-environment node
/** The editor store: tabs, edits with undo and redo, unsaved state. */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { EditorDoc } from '../src/graph/document';
import { emptyDoc } from '../src/graph/document';
import { setValue } from '../src/graph/edit';
import type { Tab } from '../src/store/editor';
import { activeTab, isDirty, useEditor } from '../src/store/editor';
import { docWith, findNode, groupNode, resetStores, worldNode } from './helpers';

beforeEach(() => {
  resetStores();
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

const editor = () => useEditor.getState();
const tab = (): Tab => activeTab(editor())!;
const seedDoc = (): EditorDoc => docWith([worldNode('1', 'Seed'), worldNode('2', 'PrimitiveInt', { x: 400 })]);
const seed = () => findNode(tab().doc, '1').data.values.seed;
const setSeed = (value: number, key?: string) => editor().change((doc) => setValue(doc, '1', 'seed', value), key ? { key } : {});

describe('tabs', () => {
  test('openTab activates a clean tab unless told otherwise', () => {
    const first = editor().openTab(seedDoc(), 'one', 'one.json');
    expect(editor().activeId).toBe(first);
    expect(tab()).toMatchObject({ name: 'one', path: 'one.json', past: [], future: [], fitOnShow: false });
    expect(isDirty(tab())).toBe(false);
    const second = editor().openTab(emptyDoc(), 'two', null, { dirty: true, activate: false, id: 'given', fit: true });
    expect(second).toBe('given');
    expect(editor().activeId).toBe(first);
    const given = editor().tabs.find((t) => t.id === 'given')!;
    expect(isDirty(given)).toBe(true);
    expect(given.fitOnShow).toBe(true);
    editor().shown('given');
    expect(editor().tabs.find((t) => t.id === 'given')!.fitOnShow).toBe(false);
  });

  test('newTab names the tab Untitled N with the first free N', () => {
    const one = editor().newTab();
    editor().newTab();
    expect(editor().tabs.map((t) => t.name)).toEqual(['Untitled 1', 'Untitled 2']);
    editor().closeTab(one);
    editor().newTab();
    expect(editor().tabs.map((t) => t.name)).toEqual(['Untitled 2', 'Untitled 1']);
    expect(tab().name).toBe('Untitled 1');
    expect(tab().path).toBeNull();
  });

  test('closing the active tab activates its right neighbour, or the new last tab', () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => editor().openTab(emptyDoc(), name, null));
    editor().activate(b);
    editor().closeTab(b);
    expect(editor().activeId).toBe(c);
    editor().closeTab(d);
    expect(editor().activeId).toBe(c);
    editor().closeTab(c);
    expect(editor().activeId).toBe(a);
    const e = editor().openTab(emptyDoc(), 'e', null, { activate: false });
    editor().closeTab(e);
    expect(editor().activeId).toBe(a);
    editor().closeTab(a);
    expect(editor().activeId).toBeNull();
    expect(editor().tabs).toEqual([]);
  });
});

describe('change, undo and redo', () => {
  test('an edit dirties the tab and can be undone and redone', () => {
    editor().openTab(seedDoc(), 'w', null);
    expect(setSeed(5)).toBe(true);
    expect(seed()).toBe(5);
    expect(isDirty(tab())).toBe(true);
    editor().undo();
    expect(seed()).toBe(0);
    expect(isDirty(tab())).toBe(false);
    editor().redo();
    expect(seed()).toBe(5);
    expect(isDirty(tab())).toBe(true);
    editor().redo();
    expect(seed()).toBe(5);
  });

  test('a refused or empty edit changes nothing; with no tab nothing happens', () => {
    expect(editor().change((doc) => doc)).toBe(false);
    editor().openTab(seedDoc(), 'w', null);
    const before = tab();
    expect(editor().change(() => null)).toBe(false);
    expect(editor().change((doc) => doc)).toBe(false);
    expect(tab()).toBe(before);
    editor().undo();
    expect(tab()).toBe(before);
  });

  test('a new edit clears the redo history', () => {
    editor().openTab(seedDoc(), 'w', null);
    setSeed(1);
    setSeed(2);
    editor().undo();
    expect(tab().future).toHaveLength(1);
    setSeed(3);
    expect(tab().future).toEqual([]);
    editor().undo();
    expect(seed()).toBe(1);
  });

  test('quick edits with the same key make one undo step; a pause, another key or an undo ends it', () => {
    editor().openTab(seedDoc(), 'w', null);
    setSeed(1, 'typing');
    vi.advanceTimersByTime(500);
    setSeed(12, 'typing');
    vi.advanceTimersByTime(500);
    setSeed(123, 'typing');
    expect(tab().past).toHaveLength(1);
    vi.advanceTimersByTime(1500);
    setSeed(1234, 'typing');
    expect(tab().past).toHaveLength(2);
    setSeed(7, 'other');
    expect(tab().past).toHaveLength(3);
    editor().undo();
    expect(seed()).toBe(1234);
    setSeed(8, 'other');
    expect(tab().past).toHaveLength(3);
    editor().undo();
    editor().undo();
    expect(seed()).toBe(123);
    editor().undo();
    expect(seed()).toBe(0);
  });

  test('an edit that is not undoable changes the document without an undo step', () => {
    editor().openTab(seedDoc(), 'w', null);
    setSeed(1);
    editor().change((doc) => setValue(doc, '1', 'seed', 99), { undoable: false });
    expect(tab().past).toHaveLength(1);
    expect(seed()).toBe(99);
    expect(isDirty(tab())).toBe(true);
  });

  test('undo back to the saved state is clean; markSaved names the tab', () => {
    const id = editor().openTab(seedDoc(), 'draft', null, { dirty: true });
    setSeed(1);
    setSeed(2);
    editor().markSaved(id, 'final', 'final.json');
    expect(tab()).toMatchObject({ name: 'final', path: 'final.json' });
    expect(isDirty(tab())).toBe(false);
    editor().undo();
    expect(isDirty(tab())).toBe(true);
    editor().redo();
    expect(isDirty(tab())).toBe(false);
    setSeed(3, 'typing');
    setSeed(4, 'typing');
    expect(isDirty(tab())).toBe(true);
    editor().undo();
    expect(seed()).toBe(2);
    expect(isDirty(tab())).toBe(false);
  });

  test('each tab has its own history; the viewport is not an edit', () => {
    const a = editor().openTab(seedDoc(), 'a', null);
    setSeed(1);
    const b = editor().openTab(seedDoc(), 'b', null);
    editor().setViewport({ x: 10, y: 20, zoom: 2 });
    expect(tab().doc.viewport).toEqual({ x: 10, y: 20, zoom: 2 });
    expect(isDirty(tab())).toBe(false);
    editor().undo();
    expect(seed()).toBe(0);
    editor().activate(a);
    editor().undo();
    expect(seed()).toBe(0);
    expect(editor().tabs.find((t) => t.id === b)!.past).toEqual([]);
  });

  test('history keeps the last 200 steps', () => {
    editor().openTab(seedDoc(), 'w', null);
    for (let i = 1; i <= 250; i++) setSeed(i);
    expect(tab().past).toHaveLength(200);
    for (let i = 0; i < 300; i++) editor().undo();
    expect(seed()).toBe(50);
  });
});

describe('React Flow changes', () => {
  test('selection and measurement neither dirty a tab nor make undo steps', () => {
    editor().openTab(seedDoc(), 'w', null);
    editor().onNodesChange([{ type: 'select', id: '1', selected: true }, { type: 'dimensions', id: '1', dimensions: { width: 280, height: 90 } }]);
    expect(tab().doc.nodes[0].selected).toBe(true);
    expect(isDirty(tab())).toBe(false);
    expect(tab().past).toEqual([]);
    editor().onEdgesChange([]);
    expect(isDirty(tab())).toBe(false);
  });

  test('a drag is one undo step', () => {
    editor().openTab(seedDoc(), 'w', null);
    for (const x of [10, 20, 30]) editor().onNodesChange([{ type: 'position', id: '1', position: { x, y: 5 }, dragging: true }]);
    editor().onNodesChange([{ type: 'position', id: '1', dragging: false }]);
    expect(findNode(tab().doc, '1').position).toEqual({ x: 30, y: 5 });
    expect(findNode(tab().doc, '1').dragging).toBe(false);
    expect(tab().past).toHaveLength(1);
    expect(isDirty(tab())).toBe(true);
    expect(editor().drag).toBeNull();
    editor().undo();
    expect(findNode(tab().doc, '1').position).toEqual({ x: 0, y: 0 });
    expect(isDirty(tab())).toBe(false);
  });

  test('dragging a group carries the nodes inside it', () => {
    editor().openTab(docWith([
      groupNode('group 1', [0, 0, 500, 500]),
      worldNode('1', 'Seed', { x: 10, y: 10, width: 100, height: 100 }),
      worldNode('2', 'Seed', { x: 450, y: 450, width: 100, height: 100 }),
    ]), 'w', null);
    editor().onNodesChange([{ type: 'position', id: 'group 1', position: { x: 50, y: 20 }, dragging: true }]);
    expect(editor().drag).toEqual({ group: 'group 1', members: ['1'] });
    editor().onNodesChange([{ type: 'position', id: 'group 1', position: { x: 60, y: 30 }, dragging: true }]);
    editor().onNodesChange([{ type: 'position', id: 'group 1', dragging: false }]);
    expect(tab().doc.nodes.map((n) => n.position)).toEqual([{ x: 60, y: 30 }, { x: 70, y: 40 }, { x: 450, y: 450 }]);
    expect(editor().drag).toBeNull();
  });

  test('removing an edge is an edit', () => {
    const doc = seedDoc();
    doc.edges = [{ id: 'e', source: '1', target: '2', sourceHandle: 'o:seed', targetHandle: 'i:value' }];
    editor().openTab(doc, 'w', null);
    editor().onEdgesChange([{ type: 'remove', id: 'e' }]);
    expect(tab().doc.edges).toEqual([]);
    expect(isDirty(tab())).toBe(true);
  });

  test('the clipboard is shared by all tabs', () => {
    editor().setClipboard({ kind: 'worldgraph/clipboard', nodes: [], edges: [] });
    editor().newTab();
    expect(editor().clipboard).toEqual({ kind: 'worldgraph/clipboard', nodes: [], edges: [] });
  });
});
