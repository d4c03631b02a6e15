/**
 * The node library as the server describes it (`GET /object_info`, ComfyUI's shape), and the
 * editor's view of it. Node classes are never written down here: everything is derived at runtime.
 */
import { WIDGET_TYPES } from '../graph/types';

export interface InputOptions {
  default?: unknown;
  min?: number;
  max?: number;
  step?: number;
  display?: string;
  multiline?: boolean;
  lazy?: boolean;
  forceInput?: boolean;
  control_after_generate?: boolean;
  tooltip?: string;
  options?: string[];
  /** A file-name input the editor fills by uploading: "image", "audio" or "video". */
  upload?: string;
}

/** `["INT", {...}]`, `[["a", "b"], {...}]` or `["COMBO", {options: [...]}]`. */
export type InputSpec = [string | string[], InputOptions?];

export interface ObjectInfoEntry {
  input: { required?: Record<string, InputSpec>; optional?: Record<string, InputSpec>; hidden?: Record<string, unknown> };
  input_order?: { required?: string[]; optional?: string[] };
  output: string[];
  output_is_list?: boolean[];
  output_name?: string[];
  output_tooltips?: string[];
  name: string;
  display_name?: string;
  description?: string;
  category?: string;
  output_node?: boolean;
  source?: string;
}

export type ObjectInfo = Record<string, ObjectInfoEntry>;

export interface SocketTypeInfo {
  name: string;
  description: string;
  color: string;
  widget: boolean;
}

export interface InputDef {
  name: string;
  /** A socket type; `COMBO` for choice lists. */
  type: string;
  choices: string[] | null;
  options: InputOptions;
  optional: boolean;
  /** Can hold a constant typed into a widget (otherwise it is always a socket). */
  widget: boolean;
}

export interface OutputDef {
  name: string;
  type: string;
  isList: boolean;
  tooltip: string;
}

export interface NodeDef {
  name: string;
  displayName: string;
  category: string;
  description: string;
  outputNode: boolean;
  source: string;
  inputs: InputDef[];
  outputs: OutputDef[];
}

export type NodeLibrary = Map<string, NodeDef>;

function parseInput(name: string, spec: InputSpec, optional: boolean): InputDef {
  const [head, options = {}] = spec;
  let type: string;
  let choices: string[] | null = null;
  if (Array.isArray(head)) {
    type = 'COMBO';
    choices = head.map(String);
  } else if (head === 'COMBO') {
    type = 'COMBO';
    choices = (options.options ?? []).map(String);
  } else {
    type = String(head);
  }
  return { name, type, choices, options, optional, widget: WIDGET_TYPES.has(type) };
}

function orderedInputs(group: Record<string, InputSpec> | undefined, order: string[] | undefined): string[] {
  const names = Object.keys(group ?? {});
  if (!order) return names;
  return [...order.filter((n) => names.includes(n)), ...names.filter((n) => !order.includes(n))];
}

export function parseNodeDef(entry: ObjectInfoEntry): NodeDef {
  const inputs: InputDef[] = [];
  for (const [group, optional] of [['required', false], ['optional', true]] as const) {
    const specs = entry.input[group];
    for (const name of orderedInputs(specs, entry.input_order?.[group])) {
      inputs.push(parseInput(name, specs![name], optional));
    }
  }
  const outputs = entry.output.map((type, i) => ({
    name: entry.output_name?.[i] ?? type.toLowerCase(),
    type,
    isList: entry.output_is_list?.[i] ?? false,
    tooltip: entry.output_tooltips?.[i] ?? '',
  }));
  return {
    name: entry.name,
    displayName: entry.display_name || entry.name,
    category: entry.category ?? '',
    description: entry.description ?? '',
    outputNode: entry.output_node ?? false,
    source: entry.source ?? '',
    inputs,
    outputs,
  };
}

export function parseObjectInfo(info: ObjectInfo): NodeLibrary {
  const library: NodeLibrary = new Map();
  for (const [name, entry] of Object.entries(info)) library.set(name, parseNodeDef({ ...entry, name }));
  return library;
}

/** The value a fresh node's widget starts with. */
export function defaultValue(input: InputDef): unknown {
  if (input.options.default !== undefined) return input.options.default;
  switch (input.type) {
    case 'INT':
    case 'FLOAT':
      return input.options.min ?? 0;
    case 'BOOLEAN':
      return false;
    case 'COMBO':
      return input.choices?.[0] ?? '';
    default:
      return '';
  }
}
