// @vitest-environment node
/** Which documents the editor opens as they are (the rest go through the server's migration). */
import { describe, expect, test } from 'vitest';
import { FORMAT, isCurrentWorkflow } from '../src/graph/workflow';
import { readWorkflow, workflowFiles } from './helpers';

describe('isCurrentWorkflow', () => {
  test('version 2 documents with a nodes object are current, the shipped ones included', () => {
    expect(FORMAT).toBe('worldgraph/workflow');
    expect(isCurrentWorkflow({ version: 2, nodes: {} })).toBe(true);
    for (const name of workflowFiles()) expect(isCurrentWorkflow(readWorkflow(name)), name).toBe(true);
  });

  test('older versions, ComfyUI prompts and other values are not', () => {
    for (const value of [
      null, 'text', 2, [], { version: 1, nodes: [] }, { version: 3, nodes: {} }, { version: 2, nodes: [] }, { version: 2, nodes: null },
      { version: '2', nodes: {} }, { 3: { class_type: 'KSampler', inputs: {} } },
    ]) {
      expect(isCurrentWorkflow(value), JSON.stringify(value)).toBe(false);
    }
  });
});
