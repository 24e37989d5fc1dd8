/**
 * The install instructions in README.md and deploy/README.md match the files: every `sh` block's
 * chart, manifest and Dockerfile paths exist, every `--set` key is a value the chart declares,
 * and every `deployment/NAME` (with its namespace, and the container `set image` names) is in
 * the plain manifests. A renamed value, file or Deployment fails here, not on a user's cluster.
 */
import { existsSync, readFileSync } from 'node:fs';
import { expect } from 'chai';
import { parse, parseAllDocuments } from 'yaml';
import { repoPath } from '../../support/repo.js';

/** The lines of every ```sh block of a Markdown file, continuation lines joined. */
function shellLines(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  return blocks.flatMap((b) => b.replace(/\\\n\s*/g, ' ').split('\n')).map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean);
}

const valueKeys = (values: unknown, prefix = ''): string[] =>
  values !== null && typeof values === 'object' && !Array.isArray(values)
    ? Object.entries(values).flatMap(([k, v]) => [`${prefix}${k}`, ...valueKeys(v, `${prefix}${k}.`)])
    : [];

interface Deployment { kind: string; metadata: { name: string; namespace?: string }; spec?: { template?: { spec?: { containers?: Array<{ name: string }> } } } }

const manifests = (): Deployment[] => parseAllDocuments(readFileSync(repoPath('deploy', 'manifests', 'operator.yaml'), 'utf8')).map((d) => d.toJSON() as Deployment);

for (const doc of ['README.md', 'deploy/README.md']) {
  describe(`install instructions in ${doc}`, () => {
    const lines = shellLines(readFileSync(repoPath(doc), 'utf8'));
    const keys = new Set(valueKeys(parse(readFileSync(repoPath('deploy', 'helm', 'dockerpod-operator', 'values.yaml'), 'utf8'))));

    it('has install commands to check', () => {
      expect(lines.some((l) => l.startsWith('helm install') || l.startsWith('kubectl apply'))).to.equal(true);
    });

    it('names charts, manifests and Dockerfiles that exist', () => {
      for (const line of lines) {
        const chart = /^helm (?:install|upgrade) \S+ (\S+)/.exec(line)?.[1];
        if (chart) expect(existsSync(repoPath(chart, 'Chart.yaml')), line).to.equal(true);
        for (const m of line.matchAll(/(?:kubectl (?:apply|delete) -f|docker build -f) (\S+)/g)) expect(existsSync(repoPath(m[1] ?? '')), line).to.equal(true);
      }
    });

    it('sets only values the chart declares', () => {
      for (const line of lines) for (const m of line.matchAll(/--set ([\w.]+)=/g)) expect(keys.has(m[1] ?? ''), `${m[1] ?? ''} in: ${line}`).to.equal(true);
    });

    it('refers to the Deployment (and its container) the manifests install, in their namespace', () => {
      const deployments = manifests().filter((o) => o.kind === 'Deployment');
      for (const line of lines) {
        const name = /deployment\/([\w-]+)/.exec(line)?.[1];
        if (!name) continue;
        const namespace = /-n (\S+)|--namespace (\S+)/.exec(line);
        const found = deployments.find((d) => d.metadata.name === name);
        expect(found, line).to.not.equal(undefined);
        if (namespace) expect(found?.metadata.namespace, line).to.equal(namespace[1] ?? namespace[2]);
        const container = /set image deployment\/[\w-]+ ([\w-]+)=/.exec(line)?.[1];
        if (container) expect(found?.spec?.template?.spec?.containers?.map((c) => c.name), line).to.include(container);
      }
    });
  });
}
