export function chainWorkflow(count: number): Record<string, unknown>;
