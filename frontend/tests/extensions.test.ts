// @vitest-environment node
/** Custom node packs that failed, in part or whole, become notices. */
import { describe, expect, test } from 'vitest';
import type { PackReport } from '../src/api/client';
import { packProblems } from '../src/extensions';

const pack = (name: string, report: Partial<PackReport> = {}): PackReport => ({
  name, path: `custom_nodes/${name}`, status: 'loaded', error: '', nodes: [], node_errors: [], duplicates: [], warnings: [],
  seconds: 0.1, slow: false, requirements: [], missing: [], ...report,
});

describe('packProblems', () => {
  test('packs that loaded cleanly, or were disabled, say nothing', () => {
    expect(packProblems([])).toEqual([]);
    expect(packProblems([pack('fine', { nodes: ['A'] }), pack('off', { status: 'disabled' })])).toEqual([]);
  });

  test('a failed pack, broken nodes and warnings each give one line naming the pack', () => {
    expect(packProblems([
      pack('broken', { status: 'failed', error: 'ImportError: no module named torchaudio' }),
      pack('partial', { nodes: ['Good'], node_errors: [{ node: 'Bad', error: 'INPUT_TYPES raised KeyError' }],
        warnings: ['slow import (3.2 s)'], missing: ['opencv-python-headless'] }),
      pack('fine'),
    ])).toEqual([
      'custom node pack broken failed to load: ImportError: no module named torchaudio',
      "custom node pack partial lacks opencv-python-headless: run 'worldgraph packs install partial'",
      'custom node pack partial: node Bad refused: INPUT_TYPES raised KeyError',
      'custom node pack partial: slow import (3.2 s)',
    ]);
  });
});
