// @vitest-environment node
/** Workflow documents to editor documents and back: nothing is lost, values stay with their input names. */
import { describe, expect, test } from 'vitest';
import type { NodeLibrary } from '../src/api/objectInfo';
import { parseNodeDef } from '../src/api/objectInfo';
import type { EditorDoc, SeedControl } from '../src/graph/document';
import {
  edgeId, emptyDoc, fromWorkflow, handleName, inputHandle, isGroupId, newNodeData, nextGroupId, nextNodeId, outputHandle,
  showsSocket, toWorkflow,
} from '../src/graph/document';
import { addGroup, addNode, connect, setSeedControl, setTitle, setValue, toggleSocket } from '../src/graph/edit';
import type { WorkflowJson } from '../src/graph/workflow';
import {
  connection, docWith, entry, findNode, groupNode, library, objectInfo, readWorkflow, seededRandom, workflowFiles, worldNode,
  worldNodes,
} from './helpers';

/** Open and save again, as the editor does. */
const roundTrip = (workflow: WorkflowJson, lib: NodeLibrary = library) => toWorkflow(fromWorkflow(workflow, lib));

describe('the shipped workflows', () => {
  test('the folder holds default.json and the other examples', () => {
    expect(workflowFiles()).toContain('default.json');
    expect(workflowFiles().length).toBeGreaterThan(1);
  });

  test.each(workflowFiles())('%s keeps its nodes, values, links, layout and meta', (name) => {
    const file = readWorkflow(name);
    const saved = roundTrip(file);
    expect(saved.format).toBe('worldgraph/workflow');
    expect(saved.version).toBe(2);
    for (const key of Object.keys(file).filter((k) => !['nodes', 'links', 'layout'].includes(k))) expect(saved[key], key).toEqual(file[key]);
    expect(Object.keys(saved.nodes)).toEqual(Object.keys(file.nodes));
    for (const [id, node] of Object.entries(file.nodes)) {
      expect(saved.nodes[id].class).toBe(node.class);
      expect(saved.nodes[id].title).toBe(node.title);
      expect(saved.nodes[id].inputs, `node ${id}`).toMatchObject(node.inputs ?? {});
      const def = library.get(node.class);
      if (def) {
        const widgets = def.inputs.filter((i) => i.widget).map((i) => i.name);
        expect(Object.keys(saved.nodes[id].inputs!).sort()).toEqual([...new Set([...widgets, ...Object.keys(node.inputs ?? {})])].sort());
      }
      const placed = file.layout?.nodes?.[id];
      if (placed?.pos) expect(saved.layout!.nodes![id].pos).toEqual(placed.pos);
      expect(saved.layout!.nodes![id].size).toEqual(placed?.size);
    }
    expect(saved.links).toEqual(file.links ?? []);
    expect(saved.layout!.groups).toEqual(file.layout?.groups ?? []);
    expect(saved.layout!.viewport).toEqual(file.layout?.viewport ?? { x: 0, y: 0, zoom: 1 });
    expect(roundTrip(saved)).toEqual(saved);
  });

  test('default.json: typed edges, titles, linked widget inputs shown as sockets', () => {
    const doc = fromWorkflow(readWorkflow('default.json'), library);
    expect(worldNodes(doc).map((n) => [n.id, n.data.cls, n.data.title])).toEqual([
      ['1', 'LoadWorld', 'World'], ['2', 'WanderRollout', 'Wander'], ['3', 'InsertCharacter', 'Hiker'],
      ['4', 'ChangeShot', 'Third person'], ['5', 'RenderVideo', ''], ['6', 'GenerateAudio', ''], ['7', 'MuxAudio', ''],
      ['8', 'SaveVideo', ''],
    ]);
    const edge = doc.edges.find((e) => e.id === edgeId('1', 'world', '2', 'world'))!;
    expect(edge).toMatchObject({ source: '1', target: '2', sourceHandle: outputHandle('world'), targetHandle: inputHandle('world') });
    expect(edge.data?.type).toBe('WORLD');
    expect(doc.edges.find((e) => e.source === '6')!.data?.type).toBe('AUDIO');
    expect(doc.viewport).toEqual({ x: 0, y: 0, zoom: 0.7 });
    expect(findNode(doc, '5').position).toEqual({ x: 1280, y: -100 });
    expect(findNode(doc, '1').data.values).toMatchObject({ source: 'preset', preset: 'alpine_meadow', seed: 4, biome: 'meadow' });
    expect(findNode(doc, '1').data.seedControl).toEqual({ seed: 'fixed' });
  });

  test('hello.json: inputs fed by links show as sockets while linked and keep their values; the group is a frame', () => {
    const doc = fromWorkflow(readWorkflow('hello.json'), library);
    const image = findNode(doc, '6');
    const linked = new Set(doc.edges.filter((e) => e.target === '6').map((e) => handleName(e.targetHandle)));
    const shown = (names: Set<string>) => library.get('EmptyImage')!.inputs
      .filter((i) => showsSocket(i, image.data.sockets, names.has(i.name))).map((i) => i.name);
    expect(shown(linked)).toEqual(['width', 'height', 'red']);
    expect(image.data.sockets).toEqual([]);
    expect(image.data.values).toMatchObject({ width: 512, height: 512, red: 0, green: 96, blue: 160, batch: 1 });
    linked.delete('red');
    expect(shown(linked)).toEqual(['width', 'height']);
    const group = doc.nodes[0];
    expect(group).toMatchObject({ id: 'group 1', type: 'frame', position: { x: -20, y: -40 }, width: 760, height: 200, zIndex: -1 });
    expect(group.data.title).toBe('Frame size');
    expect(toWorkflow(doc).layout!.nodes!['6']).toEqual({ pos: [780, 80] });
  });
});

describe('unknown fields', () => {
  const workflow: WorkflowJson = {
    format: 'worldgraph/workflow',
    version: 2,
    meta: { name: 'extras', tags: ['a'] },
    future_top: { deep: [1, 2, { x: null }] },
    nodes: {
      '1': { class: 'PrimitiveInt', inputs: { value: 3 }, node_note: 'keep me', colour_hint: 2 },
      '2': { class: 'PreviewValue', title: 'Show', inputs: {}, mode: 'bypass' },
    },
    links: [{ from: ['1', 'value'], to: ['2', 'value'], label: 'count', hidden: true }],
    layout: {
      nodes: {
        '1': { pos: [10, 20], size: [300, 120], collapsed: true, color: '#123456', pinned: true },
        '2': { pos: [400.5, 20.25], badge: { text: 'x' } },
      },
      groups: [{ title: 'G', bounds: [0, 0, 800, 300], color: '#abcdef', locked: true, font_size: 24 }],
      viewport: { x: -5, y: 7, zoom: 1.5 },
      grid: 20,
      theme: 'dark',
    },
  };

  test('are kept at the top level, in nodes, links, layout, layout nodes and groups', () => {
    expect(roundTrip(workflow)).toEqual(workflow);
    const saved = roundTrip(workflow);
    expect(saved.future_top).toEqual({ deep: [1, 2, { x: null }] });
    expect(saved.nodes['1']).toEqual({ class: 'PrimitiveInt', inputs: { value: 3 }, node_note: 'keep me', colour_hint: 2 });
    expect(saved.nodes['2'].mode).toBe('bypass');
    expect(saved.links).toEqual(workflow.links);
    expect(saved.layout!.grid).toBe(20);
    expect(saved.layout!.theme).toBe('dark');
    expect(saved.layout!.nodes!['1']).toEqual({ pos: [10, 20], size: [300, 120], collapsed: true, color: '#123456', pinned: true });
    expect(saved.layout!.nodes!['2']).toEqual({ pos: [400.5, 20.25], badge: { text: 'x' } });
    expect(saved.layout!.groups).toEqual(workflow.layout!.groups);
  });

  test('survive JSON, a second open and an edit elsewhere', () => {
    const doc = fromWorkflow(JSON.parse(JSON.stringify(workflow)) as WorkflowJson, library);
    const saved = toWorkflow(setValue(doc, '1', 'value', 9));
    expect(saved.nodes['1']).toEqual({ class: 'PrimitiveInt', inputs: { value: 9 }, node_note: 'keep me', colour_hint: 2 });
    expect(saved.links![0]).toMatchObject({ label: 'count', hidden: true });
    expect(saved.layout!.groups![0]).toMatchObject({ locked: true, font_size: 24 });
  });
});

describe('values by input name', () => {
  const file: WorkflowJson = {
    version: 2,
    nodes: { '1': { class: 'EmptyImage', inputs: { width: 640, height: 360, blue: 200 } } },
    layout: { nodes: { '1': { pos: [0, 0] } } },
  };

  test('never shift when the library orders inputs differently or adds one', () => {
    const original = objectInfo.EmptyImage;
    const reordered = parseNodeDef({
      ...original,
      input: { required: { alpha: ['INT', { default: 255 }], ...original.input.required } },
      input_order: { required: ['alpha', ...[...original.input_order!.required!].reverse()], optional: [] },
    });
    expect(reordered.inputs.map((i) => i.name)).toEqual(['alpha', 'blue', 'green', 'red', 'batch', 'height', 'width']);
    const lib: NodeLibrary = new Map([['EmptyImage', reordered]]);
    const node = findNode(fromWorkflow(file, lib), '1');
    expect(node.data.values).toEqual({ alpha: 255, blue: 200, green: 0, red: 0, batch: 1, height: 360, width: 640 });
    expect(roundTrip(file, lib).nodes['1'].inputs).toEqual({ alpha: 255, width: 640, height: 360, batch: 1, red: 0, green: 0, blue: 200 });
  });

  test('values of inputs the library no longer has are kept', () => {
    const old = { ...file, nodes: { '1': { class: 'EmptyImage', inputs: { width: 64, retired: 'x' } } } };
    expect(roundTrip(old).nodes['1'].inputs).toMatchObject({ width: 64, retired: 'x' });
  });
});

describe('unknown node classes', () => {
  const file: WorkflowJson = {
    version: 2,
    nodes: {
      '1': { class: 'PrimitiveInt', inputs: { value: 5 } },
      '2': { class: 'SomePack.Blur', title: 'Blur', inputs: { radius: 2.5, mode: 'gauss', extra: { a: 1 } } },
    },
    links: [{ from: ['1', 'value'], to: ['2', 'radius'] }, { from: ['2', 'image'], to: ['3', 'images'] }],
    layout: { nodes: { '1': { pos: [0, 0] }, '2': { pos: [300, 0], sockets: ['radius'], seed_control: { radius: 'randomize' } } } },
  };

  test('are kept with their values, sockets, seed controls and links', () => {
    const doc = fromWorkflow(file, library);
    const blur = findNode(doc, '2');
    expect(blur.data).toMatchObject({ cls: 'SomePack.Blur', title: 'Blur', sockets: ['radius'], seedControl: { radius: 'randomize' } });
    expect(blur.data.values).toEqual({ radius: 2.5, mode: 'gauss', extra: { a: 1 } });
    expect(doc.edges.find((e) => e.source === '2')!.data?.type).toBe('*');
    expect(doc.edges.find((e) => e.source === '1')!.data?.type).toBe('INT');
    const saved = roundTrip(file);
    expect(saved.nodes['2']).toEqual(file.nodes['2']);
    expect(saved.links).toEqual(file.links);
    expect(saved.layout!.nodes!['2']).toEqual(file.layout!.nodes!['2']);
  });
});

describe('layout', () => {
  test('nodes without positions are laid out in columns by longest path; placed nodes stay', () => {
    const file: WorkflowJson = {
      version: 2,
      nodes: {
        a: { class: 'PrimitiveInt' }, b: { class: 'MathInt' }, c: { class: 'MathInt' }, d: { class: 'PreviewValue' }, e: { class: 'Seed' },
      },
      links: [
        { from: ['a', 'value'], to: ['b', 'a'] }, { from: ['b', 'result'], to: ['c', 'a'] }, { from: ['a', 'value'], to: ['c', 'b'] },
        { from: ['c', 'result'], to: ['d', 'value'] },
      ],
    };
    const doc = fromWorkflow(file, library);
    const at = (id: string) => findNode(doc, id).position;
    expect([at('a').x, at('b').x, at('c').x, at('d').x, at('e').x]).toEqual([0, 340, 680, 1020, 0]);
    expect(at('a').y).toBe(0);
    expect(at('e').y).toBe(220);
    expect(doc.viewport).toEqual({ x: 0, y: 0, zoom: 1 });
    expect(toWorkflow(doc).layout!.nodes!.d.pos).toEqual([1020, 0]);

    const partly = fromWorkflow({ ...file, layout: { nodes: { c: { pos: [5, 6] } } } }, library);
    expect(findNode(partly, 'c').position).toEqual({ x: 5, y: 6 });
    expect(findNode(partly, 'd').position).toEqual({ x: 1020, y: 0 });
  });

  test('a cycle in a broken file does not hang the layout', () => {
    const doc = fromWorkflow({
      version: 2,
      nodes: { '1': { class: 'MathInt' }, '2': { class: 'MathInt' } },
      links: [{ from: ['1', 'result'], to: ['2', 'a'] }, { from: ['2', 'result'], to: ['1', 'a'] }],
    }, library);
    expect(worldNodes(doc)).toHaveLength(2);
  });

  test('sizes, rounding and default group size', () => {
    const doc = docWith([
      groupNode('group 1', [0.123, 1.005, 100.456, 50]),
      { ...worldNode('1', 'Seed', { x: 1.23456, y: -7.891 }), width: 300.333, height: 99.999 },
    ]);
    const frame = { ...groupNode('group 2', [1, 2, 0, 0]), width: undefined, height: undefined };
    doc.nodes.push(frame);
    const saved = toWorkflow(doc);
    expect(saved.layout!.nodes!['1']).toEqual({ pos: [1.23, -7.89], size: [300.33, 100] });
    expect(saved.layout!.groups).toEqual([
      { title: 'Group', bounds: [0.12, 1, 100.46, 50] },
      { title: 'Group', bounds: [1, 2, 400, 300] },
    ]);
    const reopened = fromWorkflow(saved, library);
    expect(findNode(reopened, '1')).toMatchObject({ width: 300.33, height: 100 });
  });

  test('seed controls: fixed unless saved as randomize; only randomize is written', () => {
    const file: WorkflowJson = {
      version: 2,
      nodes: { '1': { class: 'Seed', inputs: { seed: 1 } }, '2': { class: 'Seed', inputs: { seed: 2 } } },
      layout: { nodes: { '1': { pos: [0, 0] }, '2': { pos: [0, 200], seed_control: { seed: 'randomize' } } } },
    };
    const doc = fromWorkflow(file, library);
    expect(findNode(doc, '1').data.seedControl).toEqual({ seed: 'fixed' });
    expect(findNode(doc, '2').data.seedControl).toEqual({ seed: 'randomize' });
    const saved = toWorkflow(setSeedControl(doc, '2', 'seed', 'fixed'));
    expect(saved.layout!.nodes!['1']).toEqual({ pos: [0, 0] });
    expect(saved.layout!.nodes!['2']).toEqual({ pos: [0, 200] });
  });
});

describe('document helpers', () => {
  test('newNodeData: defaults, seed controls and forced sockets', () => {
    const def = parseNodeDef(entry('Forced', {
      seed: ['INT', { control_after_generate: true, default: 4 }], image: ['IMAGE'], text: ['STRING', { forceInput: true }],
    }));
    expect(newNodeData(def)).toEqual({
      cls: 'Forced', title: '', values: { seed: 4, text: '' }, sockets: ['text'], seedControl: { seed: 'fixed' as SeedControl },
      extra: {}, layoutExtra: {},
    });
    const [seed, image, text] = def.inputs;
    expect(showsSocket(seed, [], false)).toBe(false);
    expect(showsSocket(seed, [], true)).toBe(true);
    expect(showsSocket(seed, ['seed'], false)).toBe(true);
    expect(showsSocket(image, [], false)).toBe(true);
    expect(showsSocket(text, ['text'], false)).toBe(true);
  });

  test('ids: the next number after the highest; groups take the first free number', () => {
    expect(nextNodeId(emptyDoc())).toBe('1');
    const doc = docWith([worldNode('2', 'Seed'), worldNode('10', 'Seed'), worldNode('x', 'Seed'), groupNode('group 1', [0, 0, 1, 1]),
      groupNode('group 3', [0, 0, 1, 1])]);
    expect(nextNodeId(doc)).toBe('11');
    expect(nextNodeId(doc, new Set(['11', '12']))).toBe('13');
    expect(nextGroupId(doc)).toBe('group 2');
    expect(isGroupId('group 2')).toBe(true);
    expect(isGroupId('2')).toBe(false);
    expect(handleName(inputHandle('a:b'))).toBe('a:b');
    expect(handleName(null)).toBe('');
  });
});

describe('random graphs', () => {
  const classes = [...library.keys()];

  /** A document made through the editor's own edits, from a seeded generator. */
  function randomDoc(seed: number): EditorDoc {
    const random = seededRandom(seed);
    const pick = <T,>(items: T[]): T => items[Math.floor(random() * items.length)];
    const hundredths = (range: number) => Math.round((random() - 0.5) * range * 100) / 100;
    let doc: EditorDoc = { ...emptyDoc(), viewport: { x: hundredths(500), y: hundredths(500), zoom: 0.5 + Math.floor(random() * 10) / 10 } };
    if (random() < 0.5) doc = { ...doc, extra: { meta: { name: `graph ${seed}` } }, layoutExtra: { grid: 16 } };
    const count = 1 + Math.floor(random() * 8);
    for (let i = 0; i < count; i++) {
      const added = addNode(doc, library.get(pick(classes))!, { x: hundredths(2000), y: hundredths(2000) });
      doc = added.doc;
      const node = findNode(doc, added.id);
      if (random() < 0.3) doc = setTitle(doc, added.id, `node ${i}`);
      if (random() < 0.2) doc = { ...doc, nodes: doc.nodes.map((n) => (n.id === added.id ? { ...n, width: 200 + Math.floor(random() * 200), height: 100 } : n)) };
      for (const input of library.get(node.data.cls)!.inputs.filter((i) => i.widget)) {
        if (random() < 0.4) {
          const value = input.type === 'COMBO' ? pick(input.choices!) : input.type === 'BOOLEAN' ? random() < 0.5
            : input.type === 'STRING' ? `text ${Math.floor(random() * 100)}` : input.type === 'INT' ? Math.floor(random() * 1000) : hundredths(10);
          doc = setValue(doc, added.id, input.name, value);
        }
        if (random() < 0.1) doc = toggleSocket(doc, added.id, input.name);
      }
      for (const name of Object.keys(node.data.seedControl)) if (random() < 0.5) doc = setSeedControl(doc, added.id, name, 'randomize');
    }
    const nodes = worldNodes(doc);
    for (let i = 0; i < count * 3; i++) {
      const source = pick(nodes);
      const target = pick(nodes);
      const outputs = library.get(source.data.cls)!.outputs;
      const inputs = library.get(target.data.cls)!.inputs;
      if (!outputs.length || !inputs.length) continue;
      doc = connect(doc, connection(source.id, pick(outputs).name, target.id, pick(inputs).name), library) ?? doc;
    }
    if (random() < 0.5) doc = addGroup(doc, 'frame');
    return doc;
  }

  test('random documents survive save, JSON and reopen unchanged', () => {
    let links = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const doc = randomDoc(seed);
      const saved = toWorkflow(doc);
      const reopened = fromWorkflow(JSON.parse(JSON.stringify(saved)) as WorkflowJson, library);
      expect(toWorkflow(reopened), `seed ${seed}`).toEqual(saved);
      expect(worldNodes(reopened).map((n) => n.data), `seed ${seed}`).toEqual(worldNodes(doc).map((n) => n.data));
      expect(reopened.edges.map((e) => [e.id, e.data?.type]), `seed ${seed}`).toEqual(doc.edges.map((e) => [e.id, e.data?.type]));
      links += doc.edges.length;
    }
    expect(links).toBeGreaterThan(100);
  });
});
