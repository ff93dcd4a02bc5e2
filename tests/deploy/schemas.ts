/**
 * Offline validators for the deployment files, from schemas vendored under deploy/schemas
 * (their sources and versions: deploy/schemas/README.md; the choice: ADR 0066).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';

export const root = fileURLToPath(new URL('../../', import.meta.url));
const schemas = `${root}deploy/schemas/`;
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as object;

/** One line per problem: where, what, and the offending property when there is one. */
export function describeErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const params = e.params as { additionalProperty?: string; unevaluatedProperty?: string };
    const extra = params.additionalProperty ?? params.unevaluatedProperty;
    return `${e.instancePath || '/'} ${e.message ?? e.keyword}${extra ? `: ${extra}` : ''}`;
  });
}

/** The Compose Specification's schema, as `docker compose` itself validates with it. */
export function composeValidator(): ValidateFunction {
  // strict: false: the schema uses annotations Ajv does not know; it changes no verdict.
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  return ajv.compile(readJson(`${schemas}compose-spec.json`));
}

export const KUBERNETES_SCHEMA_DIR = `${schemas}kubernetes/`;

/** The Kubernetes version whose API schemas are vendored (strict: unknown fields are errors). */
export const kubernetesVersion = (): string =>
  readdirSync(KUBERNETES_SCHEMA_DIR).find((d) => /^v\d+\.\d+\.\d+$/.test(d))!;

export interface KubernetesValidator {
  /** Problems of one object against the schema of its apiVersion and kind; [] when valid. */
  (object: { apiVersion?: string; kind?: string }): string[];
}

/**
 * Validates Kubernetes objects against the vendored strict JSON schemas of one Kubernetes
 * version (`<kind>-<group>-<version>.json` plus the shared `_definitions.json`).
 */
export function kubernetesValidator(): KubernetesValidator {
  const dir = `${KUBERNETES_SCHEMA_DIR}${kubernetesVersion()}/`;
  // int32, int64, double, byte: OpenAPI formats the numbers' types already check.
  const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
  ajv.addSchema(readJson(`${dir}_definitions.json`));
  const byKind = new Map<string, ValidateFunction>();
  for (const file of readdirSync(dir).filter((f) => !f.startsWith('_'))) {
    const schema = readJson(`${dir}${file}`) as {
      'x-kubernetes-group-version-kind': { group: string; version: string; kind: string }[];
    };
    const validate = ajv.compile(schema);
    for (const gvk of schema['x-kubernetes-group-version-kind']) {
      const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
      byKind.set(`${apiVersion} ${gvk.kind}`, validate);
    }
  }
  return (object) => {
    const validate = byKind.get(`${object.apiVersion} ${object.kind}`);
    if (!validate) return [`no schema for ${object.apiVersion} ${object.kind}`];
    return validate(object) ? [] : describeErrors(validate.errors);
  };
}
