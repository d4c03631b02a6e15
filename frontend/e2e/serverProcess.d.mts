export function startServer(): Promise<{ url: string; root: string; stop(): Promise<void> }>;
