/**
 * Once per test run, before any test file: make sure a real helm binary is there (fetched and
 * checked once, then cached; see support/helm-binary.ts) and hand its path to every test worker
 * as `FERRY_HELM`, where ferry looks when there is no `helm` on PATH.
 */
import { ensureHelm } from './support/helm-binary.js';

export default async function setup(): Promise<void> {
  process.env.FERRY_HELM = await ensureHelm(process.env, (line) => process.stderr.write(`${line}\n`));
}
