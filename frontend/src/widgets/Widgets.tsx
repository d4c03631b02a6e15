/** Widgets: how a constant input is edited on a node, chosen by its type and options. */
import { useEffect, useState } from 'react';
import { api, viewUrl } from '../api/client';
import type { InputDef } from '../api/objectInfo';
import type { SeedControl } from '../graph/document';
import { randomSeed } from '../graph/edit';

export interface WidgetProps {
  input: InputDef;
  value: unknown;
  onChange(value: unknown): void;
  invalid?: boolean;
}

const isInteger = (input: InputDef) => input.type === 'INT';

/** Clamp to the input's range and snap integers; NaN stays out. */
export function normaliseNumber(input: InputDef, raw: number): number | null {
  if (!Number.isFinite(raw)) return null;
  let value = isInteger(input) ? Math.round(raw) : raw;
  if (input.options.min !== undefined) value = Math.max(input.options.min, value);
  if (input.options.max !== undefined) value = Math.min(input.options.max, value);
  return value;
}

function NumberWidget({ input, value, onChange, invalid }: WidgetProps) {
  const [text, setText] = useState(String(value ?? ''));
  useEffect(() => setText(String(value ?? '')), [value]);
  const step = input.options.step ?? (isInteger(input) ? 1 : 0.01);
  const commit = (raw: string) => {
    const number = normaliseNumber(input, Number(raw));
    if (number === null || raw.trim() === '') {
      setText(String(value ?? ''));
      return;
    }
    if (number !== value) onChange(number);
    setText(String(number));
  };
  if (input.options.display === 'slider' && input.options.min !== undefined && input.options.max !== undefined) {
    return (
      <span className="wg-slider">
        <input className="nodrag" type="range" aria-label={input.name} min={input.options.min} max={input.options.max} step={step}
          value={Number(value)} onChange={(e) => commit(e.target.value)} />
        <output>{String(value)}</output>
      </span>
    );
  }
  return (
    <input className={`nodrag wg-number${invalid ? ' invalid' : ''}`} type="number" aria-label={input.name}
      min={input.options.min} max={input.options.max} step={step} value={text}
      onChange={(e) => {
        setText(e.target.value);
        const number = Number(e.target.value);
        if (e.target.value.trim() !== '' && Number.isFinite(number) && normaliseNumber(input, number) === number) onChange(number);
      }}
      onBlur={(e) => commit(e.target.value)}
      onKeyDown={(e) => e.key === 'Enter' && commit((e.target as HTMLInputElement).value)} />
  );
}

function ComboWidget({ input, value, onChange, invalid }: WidgetProps) {
  const choices = input.choices ?? [];
  const known = choices.includes(String(value));
  return (
    <select className={`nodrag wg-combo${invalid || !known ? ' invalid' : ''}`} aria-label={input.name} value={String(value)}
      onChange={(e) => onChange(e.target.value)}>
      {!known && <option value={String(value)}>{String(value)} (not available)</option>}
      {choices.map((choice) => <option key={choice} value={choice}>{choice}</option>)}
    </select>
  );
}

function TextWidget({ input, value, onChange, invalid }: WidgetProps) {
  const className = `nodrag nowheel wg-text${invalid ? ' invalid' : ''}`;
  if (input.options.multiline) {
    return <textarea className={className} aria-label={input.name} rows={3} value={String(value ?? '')}
      onChange={(e) => onChange(e.target.value)} />;
  }
  return <input className={className} aria-label={input.name} value={String(value ?? '')} onChange={(e) => onChange(e.target.value)} />;
}

function ToggleWidget({ input, value, onChange }: WidgetProps) {
  return (
    <label className="nodrag wg-toggle">
      <input type="checkbox" aria-label={input.name} checked={Boolean(value)} onChange={(e) => onChange(e.target.checked)} />
      <span>{value ? 'on' : 'off'}</span>
    </label>
  );
}

const ACCEPT: Record<string, string> = { image: 'image/*', audio: 'audio/*', video: 'video/*' };

/** A file name in the input folder, with a button to upload a file there (and a thumbnail for images). */
function UploadWidget(props: WidgetProps) {
  const kind = props.input.options.upload!;
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState('');
  const name = String(props.value ?? '');
  const choose = async (file: File | undefined) => {
    if (!file) return;
    setBusy(true);
    setProblem('');
    try {
      const stored = await api.upload(kind, file);
      props.onChange(stored.subfolder ? `${stored.subfolder}/${stored.name}` : stored.name);
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="wg-upload">
      <span className="wg-upload-row">
        <TextWidget {...props} />
        <label className={`nodrag wg-upload-button${busy ? ' busy' : ''}`} title={`upload ${kind}`}>
          {busy ? '…' : 'upload'}
          <input type="file" hidden accept={ACCEPT[kind]} aria-label={`upload ${props.input.name}`}
            onChange={(e) => {
              void choose(e.target.files?.[0]);
              e.target.value = '';
            }} />
        </label>
      </span>
      {problem && <span className="wg-upload-problem" role="alert">{problem}</span>}
      {kind === 'image' && name && <img className="wg-upload-thumb" alt={name} src={viewUrl({ filename: name, type: 'input' })} />}
    </span>
  );
}

export function Widget(props: WidgetProps) {
  if (props.input.options.upload) return <UploadWidget {...props} />;
  switch (props.input.type) {
    case 'INT':
    case 'FLOAT':
      return <NumberWidget {...props} />;
    case 'COMBO':
      return <ComboWidget {...props} />;
    case 'BOOLEAN':
      return <ToggleWidget {...props} />;
    default:
      return <TextWidget {...props} />;
  }
}

export function SeedWidget(props: WidgetProps & { control: SeedControl; onControl(mode: SeedControl): void }) {
  return (
    <span className="wg-seed">
      <NumberWidget {...props} />
      <button className="nodrag" title="new random seed" aria-label={`randomise ${props.input.name}`}
        onClick={() => props.onChange(randomSeed())}>↻</button>
      <select className="nodrag" aria-label={`${props.input.name} after queue`} title="after each queue" value={props.control}
        onChange={(e) => props.onControl(e.target.value as SeedControl)}>
        <option value="fixed">fixed</option>
        <option value="randomize">randomise</option>
      </select>
    </span>
  );
}
