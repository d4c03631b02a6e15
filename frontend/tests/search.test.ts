// @vitest-environment node
/** Searching the node library. */
import { describe, expect, test } from 'vitest';
import type { NodeDef } from '../src/api/objectInfo';
import { parseNodeDef } from '../src/api/objectInfo';
import { searchNodes } from '../src/graph/search';
import { entry, library } from './helpers';

const def = (name: string, displayName: string, category: string, description = ''): NodeDef =>
  parseNodeDef({ ...entry(name, {}), display_name: displayName, category, description });

const defs = [
  def('SaveImage', 'Save image', 'image', 'writes PNG files'),
  def('ImageBlend', 'Image blend', 'image/mix'),
  def('LoadImage', 'Load image', 'image'),
  def('RenderVideo', 'Render video', 'world', 'frames from the latent timeline'),
  def('PreviewValue', 'Preview value', 'logic'),
];
const names = (found: NodeDef[]) => found.map((d) => d.name);

describe('searchNodes', () => {
  test('every word must match the display name, class name, category or description', () => {
    expect(names(searchNodes(defs, 'save png'))).toEqual(['SaveImage']);
    expect(names(searchNodes(defs, 'load png'))).toEqual([]);
    expect(names(searchNodes(defs, 'timeline'))).toEqual(['RenderVideo']);
    expect(names(searchNodes(defs, 'LOGIC'))).toEqual(['PreviewValue']);
    expect(names(searchNodes(defs, 'imageblend'))).toEqual(['ImageBlend']);
    expect(names(searchNodes(defs, 'image  blend'))).toEqual(['ImageBlend']);
  });

  test('a display-name prefix ranks first, then a match in a name, then one elsewhere', () => {
    expect(names(searchNodes(defs, 'image'))).toEqual(['ImageBlend', 'LoadImage', 'SaveImage']);
    const filters = [
      def('Sharpen', 'Sharpen', 'filter', 'the opposite of blur'),
      def('MotionBlur', 'Motion blur', 'filter'),
      def('BlurryThing', 'Zeta', 'a'),
      def('Blur', 'Blur', 'filter'),
    ];
    expect(names(searchNodes(filters, 'blur'))).toEqual(['Blur', 'BlurryThing', 'MotionBlur', 'Sharpen']);
    expect(names(searchNodes(filters, 'motion blur'))).toEqual(['MotionBlur']);
  });

  test('an empty query lists everything by category, then display name', () => {
    expect(names(searchNodes(defs, '  '))).toEqual(['LoadImage', 'SaveImage', 'ImageBlend', 'PreviewValue', 'RenderVideo']);
  });

  test('the allowed filter keeps only the classes named', () => {
    expect(names(searchNodes(defs, 'image', new Set(['SaveImage', 'RenderVideo'])))).toEqual(['SaveImage']);
    expect(names(searchNodes(defs, '', new Set(['PreviewValue'])))).toEqual(['PreviewValue']);
  });

  test('on the real library, "save" puts the Save nodes first', () => {
    const found = searchNodes(library.values(), 'save');
    expect(names(found.slice(0, 4)).sort()).toEqual(['SaveAudio', 'SaveFrames', 'SaveImage', 'SaveVideo']);
    expect(found.slice(4).every((d) => !d.displayName.toLowerCase().startsWith('save'))).toBe(true);
  });

  test('a typo is forgiven: letters left out, one wrong, extra or swapped; exact matches still rank first', () => {
    const world = [def('WanderRollout', 'Wander rollout', 'world'), def('RenderVideo', 'Render video', 'world'),
      def('Wind', 'Wind', 'audio')];
    expect(names(searchNodes(world, 'wandr'))).toEqual(['WanderRollout']);
    expect(names(searchNodes(world, 'rendr vidoe'))).toEqual(['RenderVideo']);
    expect(names(searchNodes(world, 'wnader'))).toEqual(['WanderRollout']);
    expect(names(searchNodes(world, 'wi'))).toEqual(['Wind']);  // two letters: no guessing
    expect(names(searchNodes(world, 'xyzzy'))).toEqual([]);
  });

  test('with a dropped wire, nodes taking exactly its type rank before those taking anything', () => {
    const wander = parseNodeDef({ ...entry('WanderRollout', { world: ['WORLD'] }), display_name: 'Wander rollout', category: 'world' });
    const preview = parseNodeDef({ ...entry('PreviewValue', { value: ['*'] }), display_name: 'Preview value', category: 'a' });
    expect(names(searchNodes([preview, wander], '', undefined, { type: 'WORLD', into: true }))).toEqual(['WanderRollout', 'PreviewValue']);
    expect(names(searchNodes([preview, wander], ''))).toEqual(['PreviewValue', 'WanderRollout']);
  });
});
