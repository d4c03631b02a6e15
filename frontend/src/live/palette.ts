/**
 * The "direct while you walk" palette: Director events to trigger at the current frame, in groups
 * (weather, time of day, light, pace, characters, shots, objects). The choices and the default fields come
 * from the node definitions (`/object_info`: PlotEvent, InsertCharacter, ChangeShot, LoadWorld's weather),
 * turned into edit fields by fields.ts; only the named hours and pace steps are written here.
 */
import type { NodeDef, NodeLibrary } from '../api/objectInfo';
import { newNodeData } from '../graph/document';
import type { DirectorClass } from './fields';
import { editFields } from './fields';
import type { LiveEvent } from './protocol';

export interface PaletteEntry {
  id: string;
  label: string;
  event: LiveEvent;
}

export interface PaletteGroup {
  id: string;
  label: string;
  entries: PaletteEntry[];
}

/** Hours by name, as world/presets.py reads them in prompts. */
export const HOURS: readonly [string, number][] = [
  ['dawn', 6.2], ['morning', 9], ['noon', 12], ['afternoon', 15], ['golden hour', 17.8], ['sunset', 18.6], ['dusk', 19.2], ['night', 23],
];
export const PACES: readonly number[] = [0.5, 1, 1.5, 2, 3];
/** PlotEvent's `value` lists weathers, lighting looks and object kinds in one list; these are the looks. */
const LIGHTING_LOOKS = ['neutral', 'warm', 'cool', 'dim', 'bright', 'eerie'];

const choices = (def: NodeDef | undefined, input: string): string[] => def?.inputs.find((i) => i.name === input)?.choices ?? [];
const words = (name: string) => name.replace(/_/g, ' ');

/** A Director node's default widget values as edit fields. */
function defaults(def: NodeDef, fps: number): Record<string, unknown> {
  return editFields(def.name as DirectorClass, newNodeData(def).values, fps);
}

const pick = (fields: Record<string, unknown>, names: string[]) =>
  Object.fromEntries(names.filter((name) => name in fields).map((name) => [name, fields[name]]));

function plotGroups(def: NodeDef, library: NodeLibrary, fps: number): PaletteGroup[] {
  const base = defaults(def, fps);
  const kinds = new Set(choices(def, 'event'));
  const values = choices(def, 'value').filter(Boolean);
  const weatherNames = new Set(choices(library.get('LoadWorld'), 'weather'));
  const weathers = values.filter((v) => weatherNames.has(v));
  const looks = values.filter((v) => LIGHTING_LOOKS.includes(v));
  const objects = values.filter((v) => !weatherNames.has(v) && !LIGHTING_LOOKS.includes(v));
  const event = (kind: string, extra: Record<string, unknown>, fields: string[]): LiveEvent =>
    ({ type: 'PlotEvent', kind, ...pick(base, fields), ...extra }) as LiveEvent;
  const groups: PaletteGroup[] = [];
  if (kinds.has('weather') && weathers.length) {
    groups.push({ id: 'weather', label: 'Weather', entries: weathers.map((value) => (
      { id: `weather:${value}`, label: words(value), event: event('weather', { value }, ['transition_frames']) })) });
  }
  if (kinds.has('time_of_day')) {
    groups.push({ id: 'time', label: 'Time of day', entries: HOURS.map(([name, hour]) => (
      { id: `time:${name}`, label: name, event: event('time_of_day', { amount: hour }, ['transition_frames']) })) });
  }
  if (kinds.has('lighting') && looks.length) {
    groups.push({ id: 'light', label: 'Light', entries: looks.map((value) => (
      { id: `light:${value}`, label: words(value), event: event('lighting', { value }, ['transition_frames']) })) });
  }
  if (kinds.has('pace')) {
    groups.push({ id: 'pace', label: 'Pace', entries: PACES.map((amount) => (
      { id: `pace:${amount}`, label: `${amount}×`, event: event('pace', { amount }, ['transition_frames']) })) });
  }
  const objectEntries: PaletteEntry[] = [];
  if (kinds.has('add_object')) {
    for (const value of objects) {
      objectEntries.push({ id: `add:${value}`, label: `+ ${words(value)}`, event: event('add_object', { value }, ['a', 'b']) });
    }
  }
  if (kinds.has('remove_object')) {
    objectEntries.push({ id: 'remove', label: '− remove ahead', event: event('remove_object', {}, ['a', 'b', 'radius']) });
  }
  if (objectEntries.length) groups.push({ id: 'object', label: 'Objects', entries: objectEntries });
  return groups;
}

/** Every group the library allows; characters take `behaviour` (one of `behaviours(library)`). */
export function buildPalette(library: NodeLibrary, fps: number, behaviour?: string): PaletteGroup[] {
  const groups: PaletteGroup[] = [];
  const plot = library.get('PlotEvent');
  if (plot) groups.push(...plotGroups(plot, library, fps));
  const character = library.get('InsertCharacter');
  if (character) {
    const base = defaults(character, fps);
    const chosen = behaviour ?? String(base.behaviour ?? '');
    groups.push({
      id: 'character', label: 'Characters', entries: choices(character, 'archetype').map((archetype) => ({
        id: `character:${archetype}`, label: `${words(archetype)} (${words(chosen)})`,
        event: { ...base, type: 'InsertCharacter', archetype, behaviour: chosen, placement: 'relative' } as LiveEvent,
      })),
    });
  }
  const shot = library.get('ChangeShot');
  if (shot) {
    const base = defaults(shot, fps);
    groups.push({
      id: 'shot', label: 'Shot', entries: choices(shot, 'shot').map((kind) => ({
        id: `shot:${kind}`, label: words(kind), event: { ...base, type: 'ChangeShot', kind } as LiveEvent,
      })),
    });
  }
  return groups;
}

export function behaviours(library: NodeLibrary): string[] {
  return choices(library.get('InsertCharacter'), 'behaviour');
}

/** An event to send: a new seed for each character, so two deer are two deer. */
export function toSend(event: LiveEvent, random: () => number = Math.random): LiveEvent {
  return event.type === 'InsertCharacter' ? { ...event, seed: Math.floor(random() * 2 ** 31) } : event;
}
