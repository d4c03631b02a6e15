/** A node on the canvas: typed, coloured slots, widgets, run state, errors and previews. */
import type { NodeProps } from '@xyflow/react';
import { Handle, NodeResizer, Position, useStore } from '@xyflow/react';
import { memo, useContext, useState } from 'react';
import type { InputDef, NodeDef } from '../api/objectInfo';
import type { WorldNode } from '../graph/document';
import { inputHandle, outputHandle, showsSocket } from '../graph/document';
import { setSeedControl, setTitle, setValue, toggleSocket } from '../graph/edit';
import { play } from '../commands';
import { canPlay } from '../live/store';
import { fallbackColour } from '../graph/types';
import { useEditor } from '../store/editor';
import { useRun } from '../store/run';
import { SeedWidget, Widget } from '../widgets/Widgets';
import { LinkedInputs } from './context';
import { Preview } from './Preview';

const zoomedOut = (state: { transform: [number, number, number] }) => state.transform[2] < 0.4;

export function useTypeColour(): (type: string) => string {
  const types = useEditor((s) => s.socketTypes);
  return (type: string) => types[type.split(',')[0].trim()]?.color ?? fallbackColour(type);
}

function InputRow({ node, input, linked, problem }: { node: WorldNode; input: InputDef; linked: boolean; problem?: string }) {
  const colour = useTypeColour();
  const edit = useEditor((s) => s.change);
  const socket = showsSocket(input, node.data.sockets, linked);
  const value = node.data.values[input.name];
  const label = (
    <span className={`wg-label${problem ? ' invalid' : ''}`} title={problem ?? input.options.tooltip ?? ''}>
      {input.name}
    </span>
  );
  const swap = input.widget && (
    <button className="nodrag wg-swap" title={socket ? 'edit as a widget' : 'connect as an input'}
      aria-label={`${socket ? 'widget' : 'socket'} ${input.name}`}
      onClick={() => edit((doc) => toggleSocket(doc, node.id, input.name))}>⇄</button>
  );
  const change = (next: unknown) => edit((doc) => setValue(doc, node.id, input.name, next), { key: `${node.id}:${input.name}` });
  return (
    <div className={`wg-row wg-input${problem ? ' invalid' : ''}`} data-input={input.name}>
      <Handle type="target" position={Position.Left} id={inputHandle(input.name)} className={socket ? '' : 'wg-widget-handle'}
        style={{ background: colour(input.type) }} title={`${input.name}: ${input.type}`} />
      {socket ? (
        <>{label}<span className="wg-type">{input.type}</span></>
      ) : (
        <>
          {label}
          {input.options.control_after_generate ? (
            <SeedWidget input={input} value={value} onChange={change} invalid={Boolean(problem)}
              control={node.data.seedControl[input.name] ?? 'fixed'}
              onControl={(mode) => edit((doc) => setSeedControl(doc, node.id, input.name, mode))} />
          ) : (
            <Widget input={input} value={value} onChange={change} invalid={Boolean(problem)} />
          )}
        </>
      )}
      {swap}
      {problem && <div className="wg-input-problem">{problem}</div>}
    </div>
  );
}

function Title({ node, def }: { node: WorldNode; def: NodeDef | undefined }) {
  const [editing, setEditing] = useState(false);
  const edit = useEditor((s) => s.change);
  const shown = node.data.title || def?.displayName || node.data.cls;
  if (editing) {
    return (
      <input className="nodrag wg-title-edit" autoFocus defaultValue={shown} aria-label="title"
        onBlur={(e) => {
          setEditing(false);
          const title = e.target.value.trim();
          edit((doc) => setTitle(doc, node.id, title === (def?.displayName ?? node.data.cls) ? '' : title));
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') (e.target as HTMLInputElement).blur();
          if (e.key === 'Escape') setEditing(false);
        }} />
    );
  }
  return <span className="wg-title" onDoubleClick={() => setEditing(true)} title={def?.description ?? ''}>{shown}</span>;
}

function WorldNodeViewImpl(props: NodeProps<WorldNode>) {
  const { id, data, selected } = props;
  const def = useEditor((s) => s.library.get(data.cls));
  const tabId = useEditor((s) => s.activeId) ?? '';
  const run = useRun((s) => s.runs[tabId]?.nodes[id]);
  const problem = useRun((s) => s.runs[tabId]?.problems[id]);
  const output = useRun((s) => s.runs[tabId]?.outputs[id]);
  const executing = useRun((s) => s.runs[tabId]?.executing === id);
  const linked = useContext(LinkedInputs).get(id);
  const small = useStore(zoomedOut);
  const colour = useTypeColour();
  const classes = ['wg-node', `wg-cat-${(def?.category ?? 'unknown').split('/')[0]}`];
  if (selected) classes.push('selected');
  if (executing) classes.push('executing');
  if (problem || run?.status === 'error' || !def) classes.push('has-error');
  if (run?.status === 'cached') classes.push('cached');
  const fraction = run?.status === 'running' && run.max ? (run.value ?? 0) / run.max : run?.status === 'done' ? 1 : 0;
  const self = { id, data } as WorldNode;

  return (
    <div className={classes.join(' ')} data-node-id={id}>
      <NodeResizer isVisible={selected} minWidth={200} minHeight={60} lineClassName="wg-resize-line" handleClassName="wg-resize-handle" />
      <div className="wg-node-header">
        <Title node={self} def={def} />
        <span className="wg-node-id">#{id}</span>
        {canPlay(def) && (
          <button className="nodrag wg-play" aria-label={`play node ${id}`} title="Play live: walk this world yourself (P)"
            onClick={() => play(id)}>▶ Play</button>
        )}
        {run && <span className={`wg-status wg-status-${run.status}`}>{run.status}</span>}
      </div>
      <div className="wg-progress" role="progressbar" aria-valuenow={Math.round(fraction * 100)}>
        <div style={{ width: `${fraction * 100}%` }} />
      </div>
      {!def && <div className="wg-node-problem">unknown node class {data.cls}: is its pack installed?</div>}
      <div className="wg-node-body">
        {def?.outputs.map((out) => (
          <div key={out.name} className="wg-row wg-output" data-output={out.name}>
            <span className="wg-type">{out.type}</span>
            <span className="wg-label">{out.name}</span>
            <Handle type="source" position={Position.Right} id={outputHandle(out.name)}
              style={{ background: colour(out.type) }} title={`${out.name}: ${out.type}`} />
          </div>
        ))}
        {def?.inputs.map((input) =>
          small && input.widget && !data.sockets.includes(input.name) && !linked?.has(input.name) ? null : (
            <InputRow key={input.name} node={self} input={input} linked={Boolean(linked?.has(input.name))} problem={problem?.inputs[input.name]} />
          ))}
      </div>
      {problem?.message && <div className="wg-node-problem" role="alert">{problem.message}</div>}
      {output && !small && <Preview output={output} />}
    </div>
  );
}

export const WorldNodeView = memo(WorldNodeViewImpl);
