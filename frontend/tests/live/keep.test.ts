// @vitest-environment node
/** A kept walk applied to the graph: the walk node's values, Director nodes chained after the played node, links rewired. */
import { beforeEach, describe, expect, test } from 'vitest';
import type { EditorDoc } from '../../src/graph/document';
import { fromWorkflow, handleName, toWorkflow } from '../../src/graph/document';
import { applyKeep } from '../../src/live/keep';
import type { Keep } from '../../src/live/protocol';
import { activeTab, useEditor } from '../../src/store/editor';
import { findNode, library, readWorkflow, resetStores } from '../helpers';

/** The default workflow: 1 world -> 2 wander -> 3 hiker -> 4 third person -> 5 render, 6 audio -> 7 mux -> 8 save. */
const defaultDoc = (): EditorDoc => fromWorkflow(readWorkflow('default.json'), library);
const links = (doc: EditorDoc) => doc.edges.map((e) => `${e.source}.${handleName(e.sourceHandle)}->${e.target}.${handleName(e.targetHandle)}`).sort();

const track = JSON.stringify([{ move: [1, 0, 0], look: [0, 0] }, { move: [1, 0, 0], look: [2, 0] }]);
const keep: Keep = {
  walk: { node: '2', inputs: { mode: 'track', duration: 12.3, track, waypoints: '[]' } },
  after: '4',
  events: [
    { class_type: 'PlotEvent', inputs: { time: 3.2, event: 'weather', value: 'snow', transition_seconds: 2 } },
    { class_type: 'InsertCharacter', inputs: { time: 5, archetype: 'deer', behaviour: 'flee', ahead: 8, right: 0 } },
  ],
};

const applied = (doc: EditorDoc, kept: Keep = keep) => {
  const result = applyKeep(doc, kept, library);
  if ('refused' in result) throw new Error(result.refused);
  return result;
};

describe('applyKeep', () => {
  test('the walk node takes the track; nothing else of it changes', () => {
    const before = defaultDoc();
    const { doc } = applied(before);
    expect(findNode(doc, '2').data.values).toEqual({ ...findNode(before, '2').data.values, mode: 'track', duration: 12.3, track, waypoints: '[]' });
    expect(findNode(doc, '3').data.values).toEqual(findNode(before, '3').data.values);
  });

  test('one node per event, chained after the played node, with its values over the defaults', () => {
    const { doc, added } = applied(defaultDoc());
    expect(added).toEqual(['9', '10']);
    expect(findNode(doc, '9').data.cls).toBe('PlotEvent');
    expect(findNode(doc, '9').data.values).toMatchObject({ time: 3.2, event: 'weather', value: 'snow', transition_seconds: 2, radius: 6 });
    expect(findNode(doc, '10').data.values).toMatchObject({ time: 5, archetype: 'deer', behaviour: 'flee', placement: 'relative' });
  });

  test('whatever took the played node’s LATENT takes the last new node’s; the chain runs after -> e1 -> e2', () => {
    const before = defaultDoc();
    const { doc } = applied(before);
    expect(links(doc)).toEqual([
      '1.world->2.world', '10.latent->5.latent', '10.latent->6.latent', '2.latent->3.latent', '3.latent->4.latent',
      '4.latent->9.latent', '5.video->7.video', '6.audio->7.audio', '7.video->8.video', '9.latent->10.latent',
    ]);
    expect(doc.edges.filter((e) => e.source === '10').every((e) => e.data?.type === 'LATENT')).toBe(true);
    const workflow = toWorkflow(doc);
    expect(workflow.links).toHaveLength(before.edges.length + 2);
  });

  test('new nodes go in a row right of the played node; what is downstream of it moves right to make room', () => {
    const before = defaultDoc();
    const { doc } = applied(before);
    const at = (d: EditorDoc, id: string) => findNode(d, id).position;
    const played = at(before, '4');
    expect(at(doc, '9')).toEqual({ x: played.x + 340, y: played.y });
    expect(at(doc, '10')).toEqual({ x: played.x + 680, y: played.y });
    for (const id of ['5', '6', '7', '8']) expect(at(doc, id)).toEqual({ x: at(before, id).x + 680, y: at(before, id).y });
    for (const id of ['1', '2', '3', '4']) expect(at(doc, id)).toEqual(at(before, id));
    expect(doc.nodes.filter((n) => n.selected).map((n) => n.id)).toEqual(['9', '10']);
  });

  test('a walk kept without events only sets the walk node', () => {
    const before = defaultDoc();
    const { doc, added } = applied(before, { ...keep, events: [] });
    expect(added).toEqual([]);
    expect(doc.edges).toBe(before.edges);
    expect(doc.nodes.map((n) => n.position)).toEqual(before.nodes.map((n) => n.position));
  });

  test('playing the walk node itself chains the events between it and its consumers', () => {
    const { doc } = applied(defaultDoc(), { ...keep, after: '2' });
    expect(links(doc)).toContain('2.latent->9.latent');
    expect(links(doc)).toContain('10.latent->3.latent');
    expect(links(doc)).not.toContain('2.latent->3.latent');
  });

  test('refusals name what is missing, and change nothing', () => {
    const doc = defaultDoc();
    expect(applyKeep(doc, { ...keep, walk: { ...keep.walk, node: '99' } }, library)).toEqual({ refused: 'the graph has no node 99 to keep the walk in' });
    expect(applyKeep(doc, { ...keep, after: '99' }, library)).toEqual({ refused: 'the graph has no node 99 to add the events after' });
    expect(applyKeep(doc, { ...keep, after: '5' }, library)).toEqual({ refused: 'node 5 (RenderVideo) has no LATENT output' });
    expect(applyKeep(doc, { ...keep, events: [{ class_type: 'Nope', inputs: {} }] }, library)).toEqual({ refused: 'this editor has no node class Nope' });
    expect(applyKeep(doc, { ...keep, events: [{ class_type: 'RenderVideo', inputs: {} }] }, library))
      .toEqual({ refused: 'RenderVideo does not take and give a LATENT' });
  });
});

describe('keeping through the editor', () => {
  beforeEach(resetStores);

  test('is one undo step: undo restores the graph, redo keeps it again', () => {
    const editor = useEditor.getState();
    editor.setLibrary(library, {});
    editor.openTab(defaultDoc(), 'default', null);
    const before = activeTab(useEditor.getState())!.doc;
    useEditor.getState().change((doc) => applied(doc).doc);
    const kept = activeTab(useEditor.getState())!.doc;
    expect(kept.nodes).toHaveLength(before.nodes.length + 2);
    useEditor.getState().undo();
    expect(activeTab(useEditor.getState())!.doc.nodes).toEqual(before.nodes);
    expect(activeTab(useEditor.getState())!.doc.edges).toEqual(before.edges);
    useEditor.getState().redo();
    expect(activeTab(useEditor.getState())!.doc.nodes).toEqual(kept.nodes);
  });
});
