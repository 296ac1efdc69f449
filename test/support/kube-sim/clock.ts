/** Timestamps as the API server writes them: RFC 3339, whole seconds, UTC. */
export function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}
