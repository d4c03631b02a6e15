// @vitest-environment node
/** A Keep made in the editor from a recording that has only actions and edits. */
import { describe, expect, test } from 'vitest';
import { fromWorkflow } from '../../src/graph/document';
import type { ServerNote } from '../../src/live/protocol';
import { keepFromRecording, keepOf, walkNodeOf } from '../../src/live/recordingKeep';
import { library, readWorkflow } from '../helpers';

type Recording = Extract<ServerNote, { type: 'recording' }>;
const doc = fromWorkflow(readWorkflow('default.json'), library);
const actions = [{ move: [1, 0, 0], look: [0, 0] }, { move: [1, 0, 0], look: [0, 0], sprint: true }, { move: [0, 0, 0], look: [3, 0] }];
const recording: Recording = {
  type: 'recording',
  actions,
  edits: [
    { type: 'ChangeShot', frame: 1, kind: 'third_person', fov: 70, distance: 5.5, height: 1.3, speed: 0.25, transition: 'cut', transition_frames: 0 },
    { type: 'PlotEvent', frame: 31, kind: 'weather', value: 'snow', amount: 0, transition_frames: 60, a: 10, b: 0, radius: 6 },
    { type: 'InsertCharacter', frame: 45, archetype: 'deer', behaviour: 'flee', placement: 'relative', a: 8, b: 0, target_a: 25, target_b: 0,
      speed: 1, name: '', seed: 7 },
  ],
};

describe('walkNodeOf', () => {
  test('finds the WanderRollout up the LATENT links, or the played node itself', () => {
    expect(walkNodeOf(doc, '4', library)).toBe('2');
    expect(walkNodeOf(doc, '2', library)).toBe('2');
    expect(walkNodeOf(doc, '1', library)).toBeNull();
    expect(walkNodeOf(doc, '99', library)).toBeNull();
  });
});

describe('keepFromRecording', () => {
  test('the track and duration for the walk node; the edits made live (after the start) as Director nodes', () => {
    const kept = keepFromRecording(doc, recording, { node: '4', fps: 30, startFrame: 30 }, library);
    expect(kept).toEqual({
      walk: { node: '2', inputs: { mode: 'track', duration: 0.1, track: JSON.stringify(actions) } },
      after: '4',
      events: [
        { class_type: 'PlotEvent', inputs: { time: 1.0333, event: 'weather', value: 'snow', amount: 0, transition_seconds: 2, ahead: 10, right: 0, radius: 6 } },
        { class_type: 'InsertCharacter', inputs: { time: 1.5, archetype: 'deer', behaviour: 'flee', placement: 'relative', ahead: 8, right: 0,
          target_ahead: 25, target_right: 0, speed: 1, name: '', seed: 7 } },
      ],
    });
  });

  test('refuses a node that does not come from a walk, and an empty recording', () => {
    expect(keepFromRecording(doc, recording, { node: '1', fps: 30, startFrame: 0 }, library)).toEqual({ refused: 'node 1 does not come from a walk that can replay a track' });
    expect(keepFromRecording(doc, { type: 'recording', actions: [] }, { node: '4', fps: 30, startFrame: 0 }, library))
      .toEqual({ refused: 'the recording has no actions' });
  });
});

describe('keepOf', () => {
  test('the server’s keep when it sends one; its refusal when it says null', () => {
    const keep = { walk: { node: '2', inputs: {} }, after: '2', events: [] };
    expect(keepOf(doc, { type: 'recording', keep }, { node: '4', fps: 30, startFrame: 0 }, library)).toBe(keep);
    expect(keepOf(doc, { type: 'recording', keep: null, keep_refused: 'a learned walk has no track' }, { node: '4', fps: 30, startFrame: 0 }, library))
      .toEqual({ refused: 'a learned walk has no track' });
    expect(keepOf(doc, recording, { node: '4', fps: 30, startFrame: 30 }, library)).toMatchObject({ after: '4' });
  });
});
