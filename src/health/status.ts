/** Health statuses, ordered from worst to best: the overall health of a set is its worst. */
export const HealthStatus = {
  Degraded: 'Degraded',
  Missing: 'Missing',
  Unknown: 'Unknown',
  Progressing: 'Progressing',
  Healthy: 'Healthy',
} as const;
export type HealthStatus = (typeof HealthStatus)[keyof typeof HealthStatus];

export interface Health {
  status: HealthStatus;
  message: string;
  /** Degraded in a way waiting cannot fix (a failed Job, a rollout past its deadline): stop waiting. */
  terminal?: true;
}

const ORDER: HealthStatus[] = ['Degraded', 'Missing', 'Unknown', 'Progressing', 'Healthy'];

/** Negative when `a` is worse than `b`. */
export function compareHealth(a: Health, b: Health): number {
  return ORDER.indexOf(a.status) - ORDER.indexOf(b.status);
}

/** The worst of several healths (Healthy when there are none). */
export function worstOf(healths: Health[]): Health {
  return healths.reduce<Health>((worst, health) => (compareHealth(health, worst) < 0 ? health : worst), { status: 'Healthy', message: 'all objects are healthy' });
}

export const healthy = (message = ''): Health => ({ status: 'Healthy', message });
export const progressing = (message: string): Health => ({ status: 'Progressing', message });
export const degraded = (message: string, options: { terminal?: boolean } = {}): Health => ({ status: 'Degraded', message, ...(options.terminal ? { terminal: true as const } : {}) });
