// @vitest-environment node
/** Director node inputs as edit fields. */
import { describe, expect, test } from 'vitest';
import { newNodeData } from '../../src/graph/document';
import { editFields } from '../../src/live/fields';
import { library } from '../helpers';

const defaults = (cls: string) => newNodeData(library.get(cls)!).values;

describe('editFields', () => {
  test('renamed inputs take the edit’s names; seconds become frames; time and the socket go', () => {
    expect(editFields('PlotEvent', { ...defaults('PlotEvent'), time: 4 }, 30)).toEqual({
      kind: 'weather', value: 'rain', amount: 1, transition_frames: 60, a: 10, b: 0, radius: 6,
    });
    expect(editFields('InsertCharacter', defaults('InsertCharacter'), 30)).toEqual({
      archetype: 'hiker', behaviour: 'wander', placement: 'relative', a: 8, b: 0, target_a: 25, target_b: 0, speed: 1, name: '', seed: 0,
    });
  });

  test('a shot’s transition takes frames only when smooth (as the ChangeShot node does)', () => {
    expect(editFields('ChangeShot', { ...defaults('ChangeShot'), transition_seconds: 1 }, 30)).toMatchObject({ kind: 'third_person', transition_frames: 0 });
    expect(editFields('ChangeShot', { ...defaults('ChangeShot'), transition: 'smooth', transition_seconds: 1.5 }, 30)).toMatchObject({ transition_frames: 45 });
  });
});
