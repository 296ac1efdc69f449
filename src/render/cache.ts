import { createHash } from 'node:crypto';
import { canonicalJson } from '../objects.js';
import type { Capabilities, ScopeAnswer } from './cluster-facts.js';
import type { RenderResult } from './render.js';

interface CachedRender {
  result: Omit<RenderResult, 'cached'>;
  /** What the cluster said about scopes: the render holds only while the cluster still says so. */
  answers: ScopeAnswer[];
  /** What a chart's `.Capabilities` were (only when a chart was rendered): the render holds while they do. */
  capabilities?: Capabilities;
}

/**
 * Renders and kustomize builds kept between polls, both bounded. A render is keyed by revision,
 * path and a digest of every other input (variables are hashed, never kept), so a poll that
 * finds nothing new renders nothing; a kustomize build by the digest of the files it reads, so a
 * new commit that changed nothing the build reads does not run kustomize again.
 */
export class RenderCache {
  private readonly renders = new Map<string, CachedRender>();
  private readonly builds = new Map<string, string>();
  private renderedObjects = 0;
  private buildBytes = 0;
  private readonly maxObjects: number;
  private readonly maxBuildBytes: number;

  constructor(options: { maxObjects?: number; maxBuildBytes?: number } = {}) {
    this.maxObjects = options.maxObjects ?? 100_000;
    this.maxBuildBytes = options.maxBuildBytes ?? 64 * 1024 * 1024;
  }

  /** A render of exactly these inputs, if one is kept (the caller checks its scope answers). */
  render(key: string): CachedRender | undefined {
    const hit = this.renders.get(key);
    if (hit) {
      // Most recently used last: eviction takes the oldest first.
      this.renders.delete(key);
      this.renders.set(key, hit);
    }
    return hit;
  }

  keepRender(key: string, entry: CachedRender): void {
    const size = entry.result.objects.length;
    if (size > this.maxObjects) return;
    this.dropRender(key);
    while (this.renderedObjects + size > this.maxObjects) this.dropRender(this.renders.keys().next().value as string);
    this.renders.set(key, entry);
    this.renderedObjects += size;
  }

  build(digest: string): string | undefined {
    return this.builds.get(digest);
  }

  keepBuild(digest: string, output: string): void {
    if (output.length > this.maxBuildBytes || this.builds.has(digest)) return;
    while (this.buildBytes + output.length > this.maxBuildBytes) {
      const oldest = this.builds.keys().next().value as string;
      this.buildBytes -= this.builds.get(oldest)?.length ?? 0;
      this.builds.delete(oldest);
    }
    this.builds.set(digest, output);
    this.buildBytes += output.length;
  }

  private dropRender(key: string): void {
    const entry = this.renders.get(key);
    if (!entry) return;
    this.renderedObjects -= entry.result.objects.length;
    this.renders.delete(key);
  }
}

/** The process-wide cache for callers whose revisions name their content (Git commits, content hashes). */
export const sharedRenderCache = new RenderCache();

/** The key of one render: the revision and path as they are, everything else as a digest. */
export function renderKey(revision: string, path: string, inputs: Record<string, unknown>): string {
  return `${revision}\0${path}\0${createHash('sha256').update(canonicalJson(inputs)).digest('hex')}`;
}
