import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/index.js';

function capture(format: 'json' | 'pretty') {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  return { logger: createLogger({ format, destination: out, level: 'debug' }), text: () => chunks.join('') };
}

describe('createLogger', () => {
  it('writes one JSON object per line with level, time, message and fields', () => {
    const { logger, text } = capture('json');
    logger.child({ gitsync: 'shop/web' }).info({ revision: 'abc1234' }, 'synced');
    const line = JSON.parse(text().trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 30, app: 'ferry', gitsync: 'shop/web', revision: 'abc1234', msg: 'synced' });
    expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('censors credentials and Secret data wherever they are logged', () => {
    const { logger, text } = capture('json');
    logger.info(
      {
        token: 'tok-planted',
        headers: { authorization: 'Bearer hdr-planted' },
        object: { kind: 'Secret', data: { password: 'ZGF0YS1wbGFudGVk' }, stringData: { key: 'string-planted' } },
        source: { password: 'pw-planted' },
      },
      'request',
    );
    const output = text();
    for (const planted of ['tok-planted', 'hdr-planted', 'ZGF0YS1wbGFudGVk', 'string-planted', 'pw-planted']) expect(output).not.toContain(planted);
    expect(output).toContain('***');
  });

  it('writes readable lines in the pretty format, censored the same way', () => {
    const { logger, text } = capture('pretty');
    logger.warn({ gitsync: 'shop/web', token: 'tok-planted' }, 'cannot watch GitSyncs');
    const output = text();
    expect(output).toMatch(/WARN/);
    expect(output).toContain('cannot watch GitSyncs');
    expect(output).toContain('gitsync');
    expect(output).not.toContain('tok-planted');
  });

  it('leaves out lines below its level', () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
    const logger = createLogger({ destination: out, level: 'warn' });
    logger.info('routine');
    logger.warn('worth a look');
    expect(chunks.join('')).not.toContain('routine');
    expect(chunks.join('')).toContain('worth a look');
  });
});
