/** Pre-installation of CRDs at start (standalone mode installs the project's own). */
import { canonicalJson } from '../util/canonical.js';
import { apiError } from './errors.js';
import type { KubeObject } from './resources/types.js';
import { create } from './rest/create.js';
import { metaOf, type ApiCore } from './rest/core.js';
import { applyUpdate } from './rest/update.js';

/** Creates each CRD, or updates its spec when a stored one differs (an upgrade); validation applies as for any client. */
export function installCrds(core: ApiCore, crds: KubeObject[]): void {
  const info = core.registry.get('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
  if (!info) throw apiError.internal('customresourcedefinitions are not registered');
  for (const crd of crds) {
    const name = String(metaOf(crd)['name']);
    const old = core.get(info, undefined, name);
    const query = new URLSearchParams({ fieldValidation: 'Strict' });
    if (!old) {
      create(core, { info, query, body: crd });
    } else if (canonicalJson(old['spec']) !== canonicalJson(crd['spec'])) {
      applyUpdate(core, { info, name, query }, { incoming: { ...old, spec: structuredClone(crd['spec']) }, old });
    }
  }
}
