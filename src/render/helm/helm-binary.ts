import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** Where to find helm, and what happened when it ran. */
export interface HelmRun {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * The helm binary to run: `helm` on PATH, else the file `FERRY_HELM` names (how tests and
 * unusual installs point ferry at one). Undefined when there is neither.
 */
export async function locateHelm(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'helm');
    if (await isExecutable(candidate)) return candidate;
  }
  return env.FERRY_HELM && (await isExecutable(env.FERRY_HELM)) ? env.FERRY_HELM : undefined;
}

/**
 * Runs helm with its configuration, cache and data kept in `home` (a render's scratch space), so
 * a render reads no user's repositories, registry logins or plugins and leaves nothing behind,
 * and the agent runs on a read-only root filesystem.
 */
export function runHelm(binary: string, args: readonly string[], options: { home: string; timeoutMs: number; cwd?: string }): Promise<HelmRun> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    HOME: options.home,
    HELM_CACHE_HOME: join(options.home, 'cache'),
    HELM_CONFIG_HOME: join(options.home, 'config'),
    HELM_DATA_HOME: join(options.home, 'data'),
    // Template mode needs no cluster: keep helm away from any kubeconfig.
    KUBECONFIG: join(options.home, 'no-kubeconfig'),
    ...(process.env.HTTPS_PROXY ? { HTTPS_PROXY: process.env.HTTPS_PROXY } : {}),
    ...(process.env.HTTP_PROXY ? { HTTP_PROXY: process.env.HTTP_PROXY } : {}),
    ...(process.env.NO_PROXY ? { NO_PROXY: process.env.NO_PROXY } : {}),
  };
  return new Promise((resolve) => {
    execFile(binary, [...args], { env, timeout: options.timeoutMs, maxBuffer: 512 * 1024 * 1024, ...(options.cwd ? { cwd: options.cwd } : {}) }, (error, stdout, stderr) => {
      const killed = Boolean((error as { killed?: boolean } | null)?.killed);
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr: stderr || (error ? error.message : ''), timedOut: killed });
    });
  });
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
