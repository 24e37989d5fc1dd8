/**
 * The `dockerpod` command as users run it: the compiled entry point named by package.json's
 * `bin`, in a child process. Builds the project first, so the test covers what ships.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { parseAllDocuments } from 'yaml';
import { buildOnce, dockerpodBin, repoPath } from '../support/repo.js';

const pkg = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { version: string };

function dockerpod(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [dockerpodBin(), ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('dockerpod CLI', function () {
  before(function () {
    this.timeout(120_000);
    buildOnce();
  });

  it('`dockerpod version` prints the package version', function () {
    const r = dockerpod('version');
    expect(r.status).to.equal(0);
    expect(r.stdout).to.equal(`dockerpod-operator ${pkg.version}\n`);
  });

  it('`dockerpod crds` prints the two CRDs, byte for byte the files under crds/', function () {
    const r = dockerpod('crds');
    expect(r.status).to.equal(0);
    const files = ['dockerpods.dockerpod.dev.yaml', 'dockerhosts.dockerpod.dev.yaml'].map((f) => readFileSync(repoPath('crds', f), 'utf8'));
    expect(r.stdout).to.equal(files.join('---\n'));
    const names = parseAllDocuments(r.stdout).map((d) => (d.toJS() as { metadata: { name: string } }).metadata.name);
    expect(names).to.deep.equal(['dockerpods.dockerpod.dev', 'dockerhosts.dockerpod.dev']);
  });

  it('an unknown command exits 2 with the usage on stderr', function () {
    const r = dockerpod('frobnicate');
    expect(r.status).to.equal(2);
    expect(r.stderr).to.include('unknown command "frobnicate"');
    expect(r.stderr).to.include('Usage: dockerpod <command>');
    expect(r.stdout).to.equal('');
  });

  it('`dockerpod --help` lists the commands', function () {
    const r = dockerpod('--help');
    expect(r.status).to.equal(0);
    expect(r.stdout).to.match(/crds\s+Print the CustomResourceDefinitions/);
    expect(r.stdout).to.match(/standalone\s+Run the embedded Kubernetes API server/);
  });
});
