/**
 * Property tests of validation (fast-check; DOCKERPOD_FUZZ_RUNS runs, the seed printed on failure):
 * for random but plausible DockerPods and DockerHosts, and for the same with any JSON value put at
 * a random place (what a client can send), the API server's checks (defaulting, pruning, schema
 * validation), the semantic validators and the operator's admission never throw, always answer
 * field errors with a path, never modify their input, and agree with one another.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { formatFieldError, type FieldError } from '../../../src/api/field-errors.js';
import { dockerHostCrd, dockerPodCrd } from '../../../src/api/v1alpha1/crds.js';
import { validateDockerHost } from '../../../src/api/v1alpha1/validation/host.js';
import { validateDockerPod } from '../../../src/api/v1alpha1/validation/pod.js';
import { applyDefaults } from '../../../src/apiextensions/defaults.js';
import { pruneUnknownFields } from '../../../src/apiextensions/prune.js';
import type { JsonSchemaProps } from '../../../src/apiextensions/schema.js';
import { validateValue } from '../../../src/apiextensions/validate.js';
import { FieldPath } from '../../../src/api/field-errors.js';
import { admitPod, ANY_HOST } from '../../../src/planner/admission.js';
import { dockerHost, dockerPod, FUZZ_RUNS, fuzzParameters, jsonGarbage } from './arbitraries.js';

const POD_SCHEMA = dockerPodCrd().spec.versions[0]?.schema.openAPIV3Schema as JsonSchemaProps;
const HOST_SCHEMA = dockerHostCrd().spec.versions[0]?.schema.openAPIV3Schema as JsonSchemaProps;
const STRICT = { allowHostNamespaces: false, allowPrivileged: false, allowedHostPaths: [] };

/** Every path to a value inside `value` (`['spec', 'containers', 0, 'image']`), the root included. */
function pathsOf(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value !== 'object' || value === null) return [prefix];
  const children = Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...prefix, Array.isArray(value) ? Number(k) : k]));
  return [prefix, ...children];
}

/** A copy of `obj` with `garbage` at its `index`-th path below the spec (the spec itself included). */
function withGarbage<T extends { spec: unknown }>(obj: T, index: number, garbage: unknown): T {
  const copy = structuredClone(obj);
  const paths = pathsOf(copy.spec);
  const path = paths[index % paths.length] ?? [];
  if (path.length === 0) return { ...copy, spec: garbage };
  let node = copy.spec as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
  node[path[path.length - 1] ?? ''] = garbage;
  return copy;
}

/** What the API server does with a body: prune, default, validate the schema; then the semantic checks. */
function apiServerErrors(obj: unknown, schema: JsonSchemaProps, semantic: (o: never) => FieldError[]): FieldError[] {
  const copy = structuredClone(obj) as Record<string, unknown>;
  pruneUnknownFields(copy, schema);
  applyDefaults(copy, schema);
  const { metadata: _m, ...body } = copy;
  const errors = validateValue(body, { ...schema, properties: { ...schema.properties, metadata: { type: 'object' } } }, FieldPath.root(''));
  return [...errors, ...semantic(copy as never)];
}

const wellFormed = (errors: readonly FieldError[]): boolean => errors.every((e) => typeof e.field === 'string' && typeof formatFieldError(e) === 'string');

describe('fuzz: validation never throws', function () {
  this.timeout(Math.max(60_000, FUZZ_RUNS * 10));
  const seen = { accepted: 0, refused: 0, garbage: 0 };
  after(() => console.log(`      ${FUZZ_RUNS} runs each: ${seen.accepted} plausible pods accepted, ${seen.refused} refused, ${seen.garbage} pods with garbage`));

  it('validateDockerPod and admitPod answer field errors for any plausible pod, without modifying it', function () {
    fc.assert(
      fc.property(dockerPod, (pod) => {
        const before = structuredClone(pod);
        const errors = validateDockerPod(pod);
        const refusal = admitPod(pod, STRICT, ANY_HOST);
        expect(wellFormed(errors)).to.equal(true);
        expect(pod).to.deep.equal(before);
        // Admission refuses at least what validation refuses, with the same messages first.
        if (errors.length > 0) expect(refusal?.message.startsWith(errors.map(formatFieldError).join('; '))).to.equal(true);
        if (errors.length === 0) seen.accepted++;
        else seen.refused++;
      }),
      fuzzParameters(),
    );
  });

  it('the API server and the validators answer field errors for pods with any JSON value anywhere in the spec', function () {
    fc.assert(
      fc.property(dockerPod, fc.nat(), jsonGarbage, (pod, at, garbage) => {
        const broken = withGarbage(pod, at, garbage);
        seen.garbage++;
        expect(wellFormed(apiServerErrors(broken, POD_SCHEMA, validateDockerPod))).to.equal(true);
        expect(wellFormed(validateDockerPod(broken))).to.equal(true);
        expect(() => admitPod(broken, STRICT, ANY_HOST)).not.to.throw();
      }),
      fuzzParameters(),
    );
  });

  it('validateDockerHost answers field errors for plausible hosts and hosts with garbage', function () {
    fc.assert(
      fc.property(dockerHost, fc.nat(), jsonGarbage, (host, at, garbage) => {
        expect(wellFormed(validateDockerHost(host))).to.equal(true);
        const broken = withGarbage(host, at, garbage);
        expect(wellFormed(apiServerErrors(broken, HOST_SCHEMA, validateDockerHost))).to.equal(true);
      }),
      fuzzParameters(),
    );
  });
});
