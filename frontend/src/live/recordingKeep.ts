/**
 * A `Keep` made in the editor from a recording that carries none (a server that answers only `actions` and
 * `edits`): the walk node is the WanderRollout the played node's LATENT comes from, its track the recorded
 * actions, and the events the edits added live (those after the start frame). Once the server sends `keep`
 * itself, that is used instead (see `keepOf`).
 */
import type { NodeLibrary } from '../api/objectInfo';
import type { EditorDoc } from '../graph/document';
import { handleName } from '../graph/document';
import { compatible } from '../graph/types';
import { isDirectorClass, nodeInputs } from './fields';
import { LATENT } from './keep';
import type { Keep, RecordedEdit, ServerNote } from './protocol';

type Recording = Extract<ServerNote, { type: 'recording' }>;

export interface Played {
  node: string;
  fps: number;
  /** The frame the session started at (`ready.frame`): edits up to it were already in the graph. */
  startFrame: number;
}

/** Does this node class replay an action track (a WanderRollout)? */
function replaysTracks(library: NodeLibrary, cls: string): boolean {
  const inputs = library.get(cls)?.inputs ?? [];
  return inputs.some((i) => i.name === 'mode' && i.choices?.includes('track')) && inputs.some((i) => i.name === 'track');
}

/** The walk node: the played node or the first node up its LATENT inputs that replays tracks. */
export function walkNodeOf(doc: EditorDoc, node: string, library: NodeLibrary): string | null {
  const seen = new Set<string>();
  let current: string | undefined = node;
  while (current && !seen.has(current)) {
    seen.add(current);
    const found = doc.nodes.find((n) => n.id === current);
    if (found?.type !== 'world') return null;
    if (replaysTracks(library, found.data.cls)) return current;
    const def = library.get(found.data.cls);
    const latentInputs = new Set(def?.inputs.filter((i) => compatible(LATENT, i.type) && i.type !== '*').map((i) => i.name));
    current = doc.edges.find((e) => e.target === current && latentInputs.has(handleName(e.targetHandle)))?.source;
  }
  return null;
}

const round = (value: number) => Math.round(value * 10_000) / 10_000;

export function keepFromRecording(doc: EditorDoc, recording: Recording, played: Played, library: NodeLibrary): Keep | { refused: string } {
  const walk = walkNodeOf(doc, played.node, library);
  if (!walk) return { refused: `node ${played.node} does not come from a walk that can replay a track` };
  const actions = recording.actions ?? [];
  if (!actions.length) return { refused: 'the recording has no actions' };
  const live = (recording.edits ?? []).filter((edit: RecordedEdit) => edit.frame > played.startFrame && isDirectorClass(edit.type));
  return {
    walk: { node: walk, inputs: { mode: 'track', duration: round(actions.length / played.fps), track: JSON.stringify(actions) } },
    after: played.node,
    events: live.map((edit) => ({ class_type: edit.type, inputs: nodeInputs(edit, played.fps) })),
  };
}

/** What to keep from a recording note: the server's `keep`, or one made from its actions and edits. */
export function keepOf(doc: EditorDoc, recording: Recording, played: Played, library: NodeLibrary): Keep | { refused: string } {
  if (recording.keep) return recording.keep;
  if (recording.keep === null) return { refused: recording.keep_refused ?? 'the server cannot keep this walk' };
  return keepFromRecording(doc, recording, played, library);
}
