/** The workflow file format (version 2) as JSON: see docs/workflow-format.md. */

export type Point = [number, number];

export interface WorkflowNodeJson {
  class: string;
  title?: string;
  inputs?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface WorkflowLinkJson {
  from: [string, string];
  to: [string, string];
  [field: string]: unknown;
}

export interface NodeLayoutJson {
  pos?: Point;
  size?: Point;
  collapsed?: boolean;
  color?: string;
  [field: string]: unknown;
}

export interface GroupJson {
  title: string;
  bounds: [number, number, number, number];
  color?: string;
  [field: string]: unknown;
}

export interface LayoutJson {
  nodes?: Record<string, NodeLayoutJson>;
  groups?: GroupJson[];
  viewport?: { x: number; y: number; zoom: number };
  [field: string]: unknown;
}

export interface WorkflowJson {
  format?: 'worldgraph/workflow';
  version: 2;
  nodes: Record<string, WorkflowNodeJson>;
  links?: WorkflowLinkJson[];
  layout?: LayoutJson;
  [field: string]: unknown;
}

export const FORMAT = 'worldgraph/workflow';

/** Is `value` a current-version document the editor can open without the server migrating it? */
export function isCurrentWorkflow(value: unknown): value is WorkflowJson {
  if (typeof value !== 'object' || value === null) return false;
  const doc = value as Record<string, unknown>;
  return doc.version === 2 && typeof doc.nodes === 'object' && doc.nodes !== null && !Array.isArray(doc.nodes);
}
