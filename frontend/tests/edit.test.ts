// @vitest-environment node
/** Pure edits of an editor document. */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { parseObjectInfo } from '../src/api/objectInfo';
import type { EditorDoc } from '../src/graph/document';
import { edgeId, handleName } from '../src/graph/document';
import {
  addGroup, addNode, connect, connectionProblem, copySelection, disconnectInput, duplicate, nodesAccepting, nodesProducing, paste,
  randomiseSeeds, randomSeed, removeElements, removeSelection, setSeedControl, setTitle, setValue, toggleSocket,
} from '../src/graph/edit';
import { connection, docWith, edge, entry, findNode, groupNode, library, worldNode, worldNodes } from './helpers';

afterEach(() => {
  vi.restoreAllMocks();
});

/** 1 PrimitiveInt -> 2 MathInt.a; 3 EmptyImage -> 4 SaveImage.images; 5 Switch. */
function sample(): EditorDoc {
  const doc = docWith([
    worldNode('1', 'PrimitiveInt', { x: 0, y: 0 }),
    worldNode('2', 'MathInt', { x: 300, y: 0 }),
    worldNode('3', 'EmptyImage', { x: 0, y: 300 }),
    worldNode('4', 'SaveImage', { x: 300, y: 300 }),
    worldNode('5', 'Switch', { x: 600, y: 0 }),
  ]);
  doc.edges = [edge('1', 'value', '2', 'a', doc), edge('3', 'image', '4', 'images', doc)];
  return doc;
}

const links = (doc: EditorDoc) => doc.edges.map((e) => `${e.source}.${handleName(e.sourceHandle)}->${e.target}.${handleName(e.targetHandle)}`);
const select = (doc: EditorDoc, ids: string[]): EditorDoc =>
  ({ ...doc, nodes: doc.nodes.map((n) => ({ ...n, selected: ids.includes(n.id) })) });

describe('addNode', () => {
  test('takes the next id, starts with defaults and becomes the only selection', () => {
    const first = addNode(docWith([]), library.get('Seed')!, { x: 5, y: 6 });
    expect(first.id).toBe('1');
    const second = addNode(first.doc, library.get('MathInt')!, { x: 50, y: 60 });
    expect(second.id).toBe('2');
    expect(second.doc.nodes.map((n) => [n.id, Boolean(n.selected)])).toEqual([['1', false], ['2', true]]);
    expect(findNode(second.doc, '2')).toMatchObject({ type: 'world', position: { x: 50, y: 60 } });
    expect(findNode(second.doc, '2').data.values).toEqual({ a: 0, b: 1, op: 'add' });
    expect(addNode(sample(), library.get('Seed')!, { x: 0, y: 0 }).id).toBe('6');
  });
});

describe('connect', () => {
  test('a compatible link is added, typed by the output', () => {
    const doc = connect(sample(), connection('2', 'result', '5', 'on_true'), library)!;
    expect(links(doc)).toContain('2.result->5.on_true');
    expect(doc.edges.find((e) => e.id === edgeId('2', 'result', '5', 'on_true'))!.data).toEqual({ type: 'INT', extra: {} });
    expect(connect(sample(), connection('5', 'value', '4', 'images'), library)).not.toBeNull();
  });

  test('an incompatible link is refused with a reason', () => {
    const doc = sample();
    const wrong = connection('3', 'image', '2', 'b');
    expect(connect(doc, wrong, library)).toBeNull();
    expect(connectionProblem(doc, wrong, library)).toBe('image gives IMAGE; b expects INT');
    expect(connectionProblem(doc, connection('1', 'nope', '2', 'b'), library)).toBe('PrimitiveInt has no output nope');
    expect(connectionProblem(doc, connection('1', 'value', '2', 'nope'), library)).toBe('MathInt has no input nope');
    const framed = { ...doc, nodes: [...doc.nodes, groupNode('group 1', [0, 0, 10, 10])] };
    expect(connectionProblem(framed, connection('group 1', 'x', '2', 'b'), library)).toBe('both ends must be nodes');
    expect(connectionProblem(doc, connection('1', 'value', '99', 'b'), library)).toBe('both ends must be nodes');
  });

  test('an input takes one link: a new one replaces the old; an output may feed many inputs', () => {
    let doc = connect(sample(), connection('1', 'value', '2', 'b'), library)!;
    expect(links(doc)).toEqual(['1.value->2.a', '3.image->4.images', '1.value->2.b']);
    doc = addNode(doc, library.get('PrimitiveInt')!, { x: 0, y: 600 }).doc;
    doc = connect(doc, connection('6', 'value', '2', 'a'), library)!;
    expect(links(doc)).toEqual(['3.image->4.images', '1.value->2.b', '6.value->2.a']);
    expect(doc.edges.filter((e) => e.target === '2' && handleName(e.targetHandle) === 'a')).toHaveLength(1);
  });

  test('a link that closes a cycle, or feeds a node itself, is refused', () => {
    let doc = sample();
    doc = connect(doc, connection('2', 'result', '5', 'on_true'), library)!;
    expect(connectionProblem(doc, connection('5', 'value', '2', 'b'), library)).toBe('the link would make a cycle');
    expect(connectionProblem(doc, connection('5', 'value', '1', 'value'), library)).toBe('the link would make a cycle');
    expect(connectionProblem(doc, connection('2', 'result', '2', 'b'), library)).toBe('a node cannot feed itself');
    expect(connect(doc, connection('2', 'result', '2', 'b'), library)).toBeNull();
    expect(connectionProblem(doc, connection('5', 'value', '4', 'images'), library)).toBeNull();
  });

  test('linking a widget input does not turn it into a socket for good', () => {
    const doc = connect(sample(), connection('1', 'value', '2', 'b'), library)!;
    expect(findNode(doc, '2').data.sockets).toEqual([]);
  });
});

describe('disconnect, sockets and removal', () => {
  test('disconnectInput removes only that input\'s link', () => {
    const doc = connect(sample(), connection('1', 'value', '2', 'b'), library)!;
    expect(links(disconnectInput(doc, '2', 'a'))).toEqual(['3.image->4.images', '1.value->2.b']);
    expect(links(disconnectInput(doc, '2', 'op'))).toEqual(links(doc));
  });

  test('toggleSocket shows a widget as a socket, and back as a widget dropping its link', () => {
    let doc = toggleSocket(sample(), '2', 'a');
    expect(findNode(doc, '2').data.sockets).toEqual(['a']);
    expect(links(doc)).toContain('1.value->2.a');
    doc = toggleSocket(doc, '2', 'b');
    doc = toggleSocket(doc, '2', 'a');
    expect(findNode(doc, '2').data.sockets).toEqual(['b']);
    expect(links(doc)).toEqual(['3.image->4.images']);
    const framed = docWith([groupNode('group 1', [0, 0, 1, 1])]);
    expect(toggleSocket(framed, 'group 1', 'a')).toBe(framed);
  });

  test('removeSelection removes the selected nodes with their links, and selected links', () => {
    const doc = select(sample(), ['1']);
    doc.edges = doc.edges.map((e) => (e.target === '4' ? { ...e, selected: true } : e));
    const left = removeSelection(doc);
    expect(left.nodes.map((n) => n.id)).toEqual(['2', '3', '4', '5']);
    expect(left.edges).toEqual([]);
    const kept = removeElements(sample(), new Set(['5']), new Set());
    expect(links(kept)).toEqual(['1.value->2.a', '3.image->4.images']);
  });

  test('setValue, setTitle and setSeedControl change one node and leave the input document alone', () => {
    const doc = docWith([worldNode('1', 'Seed'), groupNode('group 1', [0, 0, 1, 1])]);
    const next = setSeedControl(setTitle(setTitle(setValue(doc, '1', 'seed', 42), '1', 'My seed'), 'group 1', 'Frame'), '1', 'seed', 'randomize');
    expect(findNode(next, '1').data).toMatchObject({ title: 'My seed', values: { seed: 42 }, seedControl: { seed: 'randomize' } });
    expect(next.nodes[1].data.title).toBe('Frame');
    expect(findNode(doc, '1').data).toMatchObject({ title: '', values: { seed: 0 }, seedControl: { seed: 'fixed' } });
    expect(doc.nodes[1].data.title).toBe('Group');
  });
});

describe('randomiseSeeds', () => {
  test('gives a new seed only to inputs set to randomize', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.25);
    let doc = docWith([worldNode('1', 'Seed'), worldNode('2', 'Seed'), worldNode('3', 'LoadWorld'), groupNode('group 1', [0, 0, 1, 1])]);
    doc = setValue(setValue(doc, '1', 'seed', 11), '2', 'seed', 22);
    expect(randomiseSeeds(doc)).toBe(doc);
    doc = setSeedControl(doc, '2', 'seed', 'randomize');
    const next = randomiseSeeds(doc);
    expect(findNode(next, '1').data.values.seed).toBe(11);
    expect(findNode(next, '2').data.values.seed).toBe(Math.floor(0.25 * Number.MAX_SAFE_INTEGER));
    expect(findNode(next, '3')).toBe(findNode(doc, '3'));
  });

  test('random seeds are safe integers', () => {
    for (let i = 0; i < 100; i++) {
      const seed = randomSeed();
      expect(Number.isSafeInteger(seed) && seed >= 0).toBe(true);
    }
  });
});

describe('copy and paste', () => {
  test('copy takes the selected nodes and the links among them only', () => {
    expect(copySelection(sample())).toBeNull();
    const clip = copySelection(select(sample(), ['1', '2', '3']))!;
    expect(clip.kind).toBe('worldgraph/clipboard');
    expect(clip.nodes.map((n) => n.id)).toEqual(['1', '2', '3']);
    expect(clip.nodes.every((n) => n.selected === undefined)).toBe(true);
    expect(links({ ...docWith([]), edges: clip.edges })).toEqual(['1.value->2.a']);
    expect(clip.edges[0].selected).toBe(false);
  });

  test('paste gives fresh ids, keeps internal links, drops external ones, and places the copy at the point', () => {
    const source = setValue(select(sample(), ['1', '2', '4']), '2', 'b', 7);
    const clip = copySelection(source)!;
    const pasted = paste(source, clip, { x: 1000, y: 500 });
    const added = worldNodes(pasted).slice(5);
    expect(added.map((n) => [n.id, n.data.cls, n.selected])).toEqual([['6', 'PrimitiveInt', true], ['7', 'MathInt', true], ['8', 'SaveImage', true]]);
    expect(added.map((n) => n.position)).toEqual([{ x: 1000, y: 500 }, { x: 1300, y: 500 }, { x: 1300, y: 800 }]);
    expect(pasted.nodes.slice(0, 5).every((n) => !n.selected)).toBe(true);
    expect(findNode(pasted, '7').data.values.b).toBe(7);
    expect(links(pasted)).toEqual(['1.value->2.a', '3.image->4.images', '6.value->7.a']);
    expect(pasted.edges[2].data?.type).toBe('INT');
    const again = paste(pasted, clip, { x: 0, y: 0 });
    expect(worldNodes(again).slice(8).map((n) => n.id)).toEqual(['9', '10', '11']);
    expect(links(again).at(-1)).toBe('9.value->10.a');
  });

  test('pasted groups take free group ids', () => {
    const doc = select(docWith([groupNode('group 1', [10, 20, 100, 100]), worldNode('1', 'Seed', { x: 30, y: 40 })]), ['group 1', '1']);
    const pasted = paste(doc, copySelection(doc)!, { x: 0, y: 0 });
    expect(pasted.nodes.map((n) => [n.id, n.position.x, n.position.y])).toEqual([
      ['group 1', 10, 20], ['1', 30, 40], ['group 2', 0, 0], ['2', 20, 20],
    ]);
  });
});

describe('duplicate', () => {
  test('copies the given nodes and their internal links beside them, whatever was selected', () => {
    const source = select(sample(), ['4']);
    const doubled = duplicate(source, new Set(['1', '2']));
    const added = worldNodes(doubled).slice(5);
    expect(added.map((n) => [n.id, n.data.cls, n.selected])).toEqual([['6', 'PrimitiveInt', true], ['7', 'MathInt', true]]);
    const original = findNode(source, '1').position;
    expect(added[0].position).toEqual({ x: original.x + 40, y: original.y + 40 });
    expect(links(doubled)).toEqual([...links(source), '6.value->7.a']);
    expect(duplicate(source, new Set())).toBe(source);
  });
});

describe('addGroup', () => {
  test('frames the selected nodes with a margin and a title band', () => {
    const doc = docWith([
      worldNode('1', 'Seed', { x: 100, y: 100, selected: true }),
      worldNode('2', 'Seed', { x: 500, y: 300, width: 300, height: 200, selected: true }),
      worldNode('3', 'Seed', { x: 2000, y: 2000 }),
      groupNode('group 1', [-1000, -1000, 10, 10]),
    ]);
    doc.nodes[3].selected = true;
    const next = addGroup(doc, 'Seeds');
    expect(next.nodes[0]).toMatchObject({
      id: 'group 2', type: 'frame', position: { x: 60, y: 36 }, width: 780, height: 504, zIndex: -1, data: { title: 'Seeds', extra: {} },
    });
    const measured = { ...doc, nodes: [{ ...doc.nodes[0], measured: { width: 100, height: 50 } }] };
    expect(addGroup(measured, 'One').nodes[0]).toMatchObject({ position: { x: 60, y: 36 }, width: 180, height: 154 });
  });

  test('without a selection, a default frame near the top-left of the view', () => {
    const doc = { ...docWith([]), viewport: { x: -200, y: -100, zoom: 2 } };
    expect(addGroup(doc, 'Empty').nodes[0]).toMatchObject({ id: 'group 1', position: { x: 180, y: 130 }, width: 480, height: 320 });
  });
});

describe('nodes for a dropped wire', () => {
  test('nodesAccepting: classes with an input the type may feed, * included', () => {
    const accepting = nodesAccepting(library, 'IMAGE');
    for (const name of ['SaveImage', 'PreviewImage', 'PreviewValue', 'Switch', 'EncodeImage']) expect(accepting).toContain(name);
    for (const name of ['MathInt', 'LoadWorld', 'EmptyImage']) expect(accepting).not.toContain(name);
    expect(nodesAccepting(library, 'INT')).toContain('MathInt');
  });

  test('nodesProducing: classes with an output that may feed the type', () => {
    const producing = nodesProducing(library, 'WORLD');
    expect(producing).toContain('LoadWorld');
    expect(producing).toContain('Switch');
    expect(producing).not.toContain('EmptyImage');
    expect(nodesProducing(library, 'IMAGE')).toEqual(new Set(['EmptyImage', 'LoadImage', 'Switch']));
  });

  test('exact sets on a small library with unions', () => {
    const small = parseObjectInfo({
      Frames: { ...entry('Frames', {}), output: ['IMAGE,VIDEO'] },
      Sound: { ...entry('Sound', {}), output: ['AUDIO'] },
      Player: entry('Player', { media: ['VIDEO, AUDIO'] }),
      Viewer: entry('Viewer', { image: ['IMAGE'], count: ['INT'] }),
    });
    expect(nodesAccepting(small, 'VIDEO')).toEqual(new Set(['Player']));
    expect(nodesAccepting(small, 'IMAGE,VIDEO')).toEqual(new Set(['Player', 'Viewer']));
    expect(nodesAccepting(small, '*')).toEqual(new Set(['Player', 'Viewer']));
    expect(nodesProducing(small, 'AUDIO')).toEqual(new Set(['Sound']));
    expect(nodesProducing(small, 'VIDEO,AUDIO')).toEqual(new Set(['Frames', 'Sound']));
  });
});
