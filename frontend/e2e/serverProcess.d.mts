export function startServer(files?: Record<string, string>): Promise<{ url: string; root: string; stop(): Promise<void> }>;
