/**
 * Director nodes' inputs as the edits they make (world/edits.py), for events sent live. The nodes
 * (nodes/world.py) name a few inputs for the artist (`ahead`, `transition_seconds`) where the edit has its
 * own field (`a`, `transition_frames`); everything else has the same name. The way back, a kept event as
 * its node's inputs, is the server's (`world.edits.director_inputs`, in the recording's `keep`).
 */

export const DIRECTOR_CLASSES = ['PlotEvent', 'InsertCharacter', 'ChangeShot'] as const;
export type DirectorClass = (typeof DIRECTOR_CLASSES)[number];

/** Node input -> edit field, where the names differ. */
const RENAMED: Record<DirectorClass, Record<string, string>> = {
  PlotEvent: { event: 'kind', ahead: 'a', right: 'b' },
  InsertCharacter: { ahead: 'a', right: 'b', target_ahead: 'target_a', target_right: 'target_b' },
  ChangeShot: { shot: 'kind' },
};

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
