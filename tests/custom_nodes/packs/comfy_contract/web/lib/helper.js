// A nested module: listed by GET /extensions too.
export const greeting = "hello from a nested extension module";
