import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../src/objects.js';
import { diffObject } from '../../src/diff/index.js';

const CAPTURES = new URL('../fixtures/kube-apiserver-1.19/', import.meta.url);

interface Capture {
  source: string;
  create: { requestBody: KubeObject };
  stored: KubeObject;
  afterControllers: KubeObject;
}

const captures = readdirSync(CAPTURES)
  .filter((file) => /^\d\d-.*\.json$/.test(file))
  .map((file) => [file, JSON.parse(readFileSync(new URL(file, CAPTURES), 'utf8')) as Capture] as const);

/** The manifest as written in Git (YAML, before the server saw it). */
function manifestOf(capture: Capture): KubeObject {
  const documents = parseAllDocuments(readFileSync(new URL(`manifests/${capture.source}`, CAPTURES), 'utf8'), { version: '1.1' }).map((d) => d.toJS() as KubeObject);
  const sent = capture.create.requestBody;
  return documents.find((d) => d.kind === sent.kind && d.metadata.name === sent.metadata.name) ?? sent;
}

describe('objects a real kube-apiserver stored', () => {
  it.each(captures)('%s: the manifest from Git does not drift from what the server stored', (_file, capture) => {
    const desired = manifestOf(capture);
    expect(diffObject({ desired, live: capture.stored, base: desired })).toMatchObject({ action: 'unchanged', paths: [], patch: [] });
  });

  it.each(captures)('%s: nor from what it holds after the controllers wrote status', (_file, capture) => {
    const desired = manifestOf(capture);
    expect(diffObject({ desired, live: capture.afterControllers }).action).toBe('unchanged');
  });

  it.each(captures)('%s: a live object never drifts from itself', (_file, capture) => {
    expect(diffObject({ desired: capture.stored, live: capture.stored, base: capture.stored }).action).toBe('unchanged');
  });
});
