/**
 * Applies a DockerPod manifest through the API (create, or merge-patch the spec of an existing
 * one) and waits until its Ready condition is True, printing progress. Used by hack/quickstart.sh
 * so the quick start needs no kubectl. DOCKERPOD_EXAMPLE_IMAGE replaces every container image.
 */
import { readFileSync } from 'node:fs';
import { ApiException, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { parse } from 'yaml';
import type { DockerPod } from '../src/api/v1alpha1/dockerpod.js';

const file = process.argv[2] ?? 'examples/web.yaml';
const pod = parse(readFileSync(file, 'utf8')) as DockerPod;
const image = process.env['DOCKERPOD_EXAMPLE_IMAGE'];
if (image) for (const c of pod.spec.containers) c.image = image;
const ref = { group: 'dockerpod.dev', version: 'v1alpha1', namespace: pod.metadata.namespace ?? 'default', plural: 'dockerpods' };
const name = pod.metadata.name ?? '';
const kc = new KubeConfig();
kc.loadFromDefault();
const api = kc.makeApiClient(CustomObjectsApi);

try {
  await api.createNamespacedCustomObject({ ...ref, body: pod });
  console.log(`dockerpod.dockerpod.dev/${name} created`);
} catch (err) {
  if (!(err instanceof ApiException) || err.code !== 409) throw err;
  await api.patchNamespacedCustomObject({ ...ref, name, body: { spec: pod.spec } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  console.log(`dockerpod.dockerpod.dev/${name} configured`);
}

const deadline = Date.now() + 300_000;
let last = '';
for (;;) {
  const current = (await api.getNamespacedCustomObject({ ...ref, name })) as DockerPod;
  const s = current.status;
  const line = `${name}  READY ${s?.readyContainers ?? '-'}  STATUS ${s?.summary ?? 'Pending'}  IP ${s?.podIP ?? '-'}`;
  if (line !== last) console.log(line);
  last = line;
  if (s?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) break;
  if (Date.now() > deadline) {
    console.error(`timed out waiting for ${name} to be Ready: ${JSON.stringify(s?.conditions)}`);
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 500));
}
