import { gunzipSync } from 'node:zlib';
import { posix } from 'node:path';
import { UnsafePathError } from '../errors.js';
import type { SourceFile } from '../types.js';

/** Limits a packaged chart must stay within: a chart is a few hundred kilobytes, not gigabytes. */
export interface ArchiveLimits {
  maxFileBytes: number;
  maxTotalBytes: number;
  maxFiles: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = { maxFileBytes: 5 * 1024 * 1024, maxTotalBytes: 100 * 1024 * 1024, maxFiles: 10_000 };

/**
 * The files of a packaged chart (`helm package` writes a gzipped tar whose entries all sit in one
 * top directory, the chart's name), with that directory stripped, so the chart is the root of the
 * tree. Only regular files are kept; a path that would leave the archive, and anything over the
 * limits, is refused.
 */
export function readChartArchive(archive: Buffer, what: string, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): SourceFile[] {
  let tar: Buffer;
  try {
    tar = gunzipSync(archive, { maxOutputLength: limits.maxTotalBytes + 1024 * 1024 });
  } catch (error) {
    throw new UnsafePathError('SOURCE_CHART_ARCHIVE', `${what}: not a gzipped chart archive (${(error as Error).message})`);
  }
  const files: SourceFile[] = [];
  let longName: string | undefined;
  let paxPath: string | undefined;
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    if (header.every((byte) => byte === 0)) break;
    const size = Number.parseInt(text(header, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] ?? 0);
    const body = tar.subarray(at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = text(body, 0, body.length);
      continue;
    }
    if (type === 'x') {
      paxPath = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))?.[1];
      continue;
    }
    if (type === 'g') continue;
    const prefix = text(header, 345, 155);
    const name = paxPath ?? longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    longName = undefined;
    paxPath = undefined;
    if (type !== '0' && type !== '\0' && type !== '7') continue;
    const normalized = posix.normalize(name.replace(/\\/g, '/'));
    if (normalized.startsWith('/') || normalized === '..' || normalized.startsWith('../')) {
      throw new UnsafePathError('SOURCE_UNSAFE_PATH', `${what}: archive entry "${name}" points outside the chart; refused`);
    }
    const slash = normalized.indexOf('/');
    if (slash === -1) continue;
    if (size > limits.maxFileBytes) throw new UnsafePathError('SOURCE_CHART_ARCHIVE', `${what}: ${normalized} is larger than ${limits.maxFileBytes} bytes; refused`);
    files.push({ path: normalized.slice(slash + 1), content: Buffer.from(body) });
    if (files.length > limits.maxFiles) throw new UnsafePathError('SOURCE_CHART_ARCHIVE', `${what}: more than ${limits.maxFiles} files; refused`);
  }
  return files;
}

function text(buffer: Buffer, start: number, length: number): string {
  const slice = buffer.subarray(start, start + length);
  const end = slice.indexOf(0);
  return slice.subarray(0, end === -1 ? slice.length : end).toString('utf8');
}
