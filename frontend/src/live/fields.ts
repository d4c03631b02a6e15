/**
 * Director nodes' inputs and the edits they make (world/edits.py), both ways. The nodes (nodes/world.py)
 * name a few inputs for the artist (`ahead`, `transition_seconds`) where the edit has its own field
 * (`a`, `transition_frames`); everything else has the same name.
 */
import type { RecordedEdit } from './protocol';

export const DIRECTOR_CLASSES = ['PlotEvent', 'InsertCharacter', 'ChangeShot'] as const;
export type DirectorClass = (typeof DIRECTOR_CLASSES)[number];

/** Node input -> edit field, where the names differ. */
const RENAMED: Record<DirectorClass, Record<string, string>> = {
  PlotEvent: { event: 'kind', ahead: 'a', right: 'b' },
  InsertCharacter: { ahead: 'a', right: 'b', target_ahead: 'target_a', target_right: 'target_b' },
  ChangeShot: { shot: 'kind' },
};

export const isDirectorClass = (name: string): name is DirectorClass => (DIRECTOR_CLASSES as readonly string[]).includes(name);

const round = (value: number, places: number) => Math.round(value * 10 ** places) / 10 ** places;

/** A Director node's widget values as its edit's fields (no `time`: a live event happens now). */
export function editFields(cls: DirectorClass, inputs: Record<string, unknown>, fps: number): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(inputs)) {
    if (name === 'time' || name === 'latent') continue;
    if (name === 'transition_seconds') {
      const smooth = cls !== 'ChangeShot' || inputs.transition === 'smooth';
      fields.transition_frames = smooth ? Math.round(Number(value) * fps) : 0;
      continue;
    }
    fields[RENAMED[cls][name] ?? name] = value;
  }
  return fields;
}

/** An edit the server recorded, as its Director node's widget values: `time` from its frame. */
export function nodeInputs(edit: RecordedEdit, fps: number): Record<string, unknown> {
  const cls = edit.type as DirectorClass;
  const back = Object.fromEntries(Object.entries(RENAMED[cls] ?? {}).map(([input, field]) => [field, input]));
  const inputs: Record<string, unknown> = { time: round(edit.frame / fps, 4) };
  for (const [field, value] of Object.entries(edit)) {
    if (field === 'type' || field === 'frame') continue;
    if (field === 'transition_frames') {
      inputs.transition_seconds = round(Number(value) / fps, 4);
      continue;
    }
    inputs[back[field] ?? field] = value;
  }
  return inputs;
}
