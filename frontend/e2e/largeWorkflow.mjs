/**
 * A workflow of `count` nodes (integer math in a chain, laid out on a grid), for the browser tests
 * and bench/editor.mjs.
 * @param {number} count
 * @returns {Record<string, unknown>}
 */
export function chainWorkflow(count) {
  const nodes = { 1: { class: 'PrimitiveInt', inputs: { value: 1 } } };
  const links = [];
  const positions = { 1: { pos: [0, 0] } };
  for (let i = 2; i <= count; i++) {
    nodes[i] = { class: 'MathInt', inputs: { a: 0, b: 1, op: 'add' } };
    links.push({ from: [String(i - 1), 'result'], to: [String(i), 'a'] });
    positions[i] = { pos: [((i - 1) % 25) * 340, Math.floor((i - 1) / 25) * 220] };
  }
  return {
    format: 'worldgraph/workflow', version: 2, nodes, links,
    layout: { nodes: positions, viewport: { x: 40, y: 40, zoom: 0.8 } },
  };
}
