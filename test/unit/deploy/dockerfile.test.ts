/**
 * deploy/images/operator/Dockerfile, statically: multi-stage, production dependencies only in the
 * runtime stage, a numeric non-root USER, an exec-form ENTRYPOINT running node on the `dockerpod`
 * bin, and a .dockerignore that lets in exactly what the build copies. When test engine A has a
 * local `node:20*` image (no registry is reachable for pulling one), the image is also built and run
 * read-only as its user; otherwise that test is skipped with the reason printed.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { ENGINE_ENV_FILE, parseEnvFile } from '../../support/engines.js';
import { REPO_ROOT, repoPath } from '../../support/repo.js';

const run = promisify(execFile);
const DOCKERFILE = 'deploy/images/operator/Dockerfile';

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name: string;
  instructions: Instruction[];
}

/** The Dockerfile's stages and their instructions (comments dropped, continuations joined). */
function stagesOf(text: string): { preamble: Instruction[]; stages: Stage[] } {
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const preamble: Instruction[] = [];
  const stages: Stage[] = [];
  for (const line of lines) {
    const [op = '', ...rest] = line.split(/\s+/);
    const instruction = { op: op.toUpperCase(), args: rest.join(' ') };
    if (instruction.op === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      stages.push({ from: m?.[1] ?? '', name: m?.[2] ?? String(stages.length), instructions: [] });
    } else (stages[stages.length - 1]?.instructions ?? preamble).push(instruction);
  }
  return { preamble, stages };
}

const { stages } = stagesOf(readFileSync(repoPath(DOCKERFILE), 'utf8'));
const runtime = stages[stages.length - 1] as Stage;
const all = (stage: Stage, op: string): string[] => stage.instructions.filter((i) => i.op === op).map((i) => i.args);

describe('the operator image (deploy/images/operator/Dockerfile)', function () {
  it('builds in stages: compile with dev dependencies, install production ones, copy both into a clean runtime', function () {
    expect(stages.map((s) => s.name)).to.deep.equal(['build', 'deps', 'runtime']);
    expect(stages.every((s) => s.from === '${NODE_IMAGE}')).to.equal(true);
    const [build, deps] = stages as [Stage, Stage];
    expect(all(build, 'RUN').join('\n')).to.match(/npm ci /).and.match(/npm run build/);
    const depsRuns = all(deps, 'RUN').join('\n');
    expect(depsRuns).to.match(/npm ci .*--omit=dev/);
    expect(depsRuns).not.to.match(/npm ci(?![^\n]*--omit=dev)/);
  });

  it('has no dev dependency, compiler or sources in the runtime stage', function () {
    const copies = all(runtime, 'COPY');
    expect(copies).to.deep.equal(['--from=deps /app/node_modules ./node_modules', '--from=build /src/dist ./dist', 'package.json ./', 'crds ./crds']);
    expect(all(runtime, 'RUN').join('\n')).not.to.match(/npm (ci|install)/);
  });

  it('runs as a numeric non-root user, with HOME on the writable /tmp', function () {
    const [user] = all(runtime, 'USER');
    expect(user).to.match(/^\d+(:\d+)?$/);
    expect(Number(user?.split(':')[0])).to.be.above(0);
    expect(all(runtime, 'ENV').join(' ')).to.match(/HOME=\/tmp/);
  });

  it('starts node directly in exec form (PID 1, its own signal handling) on the `dockerpod` bin, `operator` by default', function () {
    const [entrypoint] = all(runtime, 'ENTRYPOINT');
    const argv = JSON.parse(entrypoint ?? 'null') as string[];
    expect(argv[0]).to.equal('node');
    const pkg = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(argv[argv.length - 1]).to.equal(`/app/${pkg.bin['dockerpod'] ?? ''}`);
    expect(JSON.parse(all(runtime, 'CMD')[0] ?? 'null')).to.deep.equal(['operator']);
  });

  it('has a .dockerignore that admits exactly what the build copies from the context', function () {
    const ignore = readFileSync(repoPath('.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(ignore[0], 'an allowlist: ignore everything first').to.equal('*');
    const admitted = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
    const copied = stages.flatMap((s) => all(s, 'COPY')).filter((c) => !c.startsWith('--from')).flatMap((c) => c.split(/\s+/).slice(0, -1));
    expect([...new Set(copied)].sort()).to.deep.equal([...admitted].sort());
    for (const path of admitted) expect(existsSync(repoPath(path)), path).to.equal(true);
  });

  describe('built', function () {
    this.timeout(600_000);
    let docker: string[] = [];
    let base: string | undefined;
    const tag = `dockerpod-operator:test-${process.pid}`;

    before(async function () {
      const endpoint = existsSync(ENGINE_ENV_FILE) ? parseEnvFile(readFileSync(ENGINE_ENV_FILE, 'utf8'))['DOCKERPOD_ENGINE_A_HOST'] : undefined;
      if (!endpoint) {
        console.log(`      skipped: test engine A is not set up (${ENGINE_ENV_FILE}); run hack/ensure-docker.sh`);
        return this.skip();
      }
      docker = ['-H', endpoint];
      const { stdout } = await run('docker', [...docker, 'image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', 'node']);
      base = stdout.split('\n').find((t) => /^node:20[.-]/.test(t) || t === 'node:20');
      if (!base) {
        console.log('      skipped: no local node:20* image on test engine A to build from (the engines cannot pull); the Dockerfile was checked statically');
        return this.skip();
      }
    });
    after(async () => {
      if (base) await run('docker', [...docker, 'image', 'rm', '-f', tag]).catch(() => undefined);
    });

    it('builds, and runs read-only as its user without dev dependencies', async function () {
      await run('docker', [...docker, 'build', '-f', DOCKERFILE, '--build-arg', `NODE_IMAGE=${base ?? ''}`, '-t', tag, '.'], { cwd: REPO_ROOT, maxBuffer: 64 << 20 });
      const { stdout: user } = await run('docker', [...docker, 'image', 'inspect', '--format', '{{.Config.User}}', tag]);
      expect(user.trim()).to.equal('65532:65532');
      const { stdout: version } = await run('docker', [...docker, 'run', '--rm', '--read-only', '--tmpfs', '/tmp', tag, 'version']);
      const pkg = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { version: string };
      expect(version.trim()).to.equal(`dockerpod-operator ${pkg.version}`);
      const probe = await run('docker', [...docker, 'run', '--rm', '--entrypoint', 'node', tag, '-e', 'import("typescript").then(() => console.log("present"), () => console.log("absent"))']);
      expect(probe.stdout.trim(), 'dev dependencies in the runtime image').to.equal('absent');
    });
  });
});
