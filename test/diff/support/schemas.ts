import { readFileSync, readdirSync } from 'node:fs';
import { parse } from 'yaml';
import type { KubeObject } from '../../../src/objects.js';
import { groupOf, versionOf } from '../../../src/objects.js';
import { schemaFromCrd, schemaFromOpenApi, type KindSchema } from '../../../src/diff/index.js';
import { builtinSources, openApiDocuments } from './builtin-sources.js';

const CRDS = new URL('../crds/', import.meta.url);
const CAPTURED_CRD = JSON.parse(readFileSync(new URL('../../fixtures/kube-apiserver-1.32/15-crd-customresourcedefinition.json', import.meta.url), 'utf8')).stored as KubeObject;

/** The CRDs specs refer to by name: the one a 1.32 server stored, and those in test/diff/crds. */
export function crdNamed(name: string): KubeObject {
  const crds = [CAPTURED_CRD, ...readdirSync(CRDS).map((file) => parse(readFileSync(new URL(file, CRDS), 'utf8')) as KubeObject)];
  const crd = crds.find((candidate) => candidate.metadata.name === name);
  if (!crd) throw new Error(`no CRD named ${name} in the fixtures`);
  return crd;
}

let documents: Map<string, unknown> | undefined;

/** The schema a 1.32 server's OpenAPI v3 document gives the kind (undefined when no document was captured for its group version). */
export function serverSchema(apiVersion: string, kind: string): KindSchema | undefined {
  documents ??= openApiDocuments();
  const file = apiVersion.includes('/') ? `apis_${apiVersion.replace('/', '_')}.json` : `api_${apiVersion}.json`;
  const document = apiVersion === 'admissionregistration.k8s.io/v1' ? builtinSources().at(-1) : documents.get(file);
  if (!document) return undefined;
  return schemaFromOpenApi(document, { group: groupOf(apiVersion), version: versionOf(apiVersion), kind });
}

/** The schema of a custom resource from the CRD named `crd`. */
export function crdSchema(crd: string, apiVersion: string): KindSchema {
  const schema = schemaFromCrd(crdNamed(crd), versionOf(apiVersion));
  if (!schema) throw new Error(`${crd} has no version ${apiVersion}`);
  return schema;
}
