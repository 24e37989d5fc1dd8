/**
 * The embedded API server for tests: in-process, on a random loopback port, with TLS and a bearer
 * token (kubectl sends tokens only over TLS), the project's CRDs and validators installed, and a
 * kubeconfig on disk. `kubectl()` runs the real kubectl against it with a fresh discovery cache.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allCrds } from '../../src/api/v1alpha1/crds.js';
import { dockerpodValidators } from '../../src/apiserver/dockerpod-validators.js';
import { kubeconfigYaml, startApiServer, type ApiServerOptions, type RunningApiServer } from '../../src/apiserver/index.js';
import type { KubeObject } from '../../src/apiserver/resources/types.js';
import { ensureServingCert, type ServingCert } from '../../src/apiserver/serving-cert.js';

let cert: { dir: string; material: ServingCert } | undefined;

/** One serving certificate per test process (openssl runs once). */
export function testServingCert(): ServingCert {
  cert ??= (() => {
    const dir = mkdtempSync(join(tmpdir(), 'dp-cert-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    return { dir, material: ensureServingCert(dir) };
  })();
  return cert.material;
}

/** A running test server and what clients need to reach it. */
export interface TestApiServer {
  server: RunningApiServer;
  token: string;
  kubeconfigPath: string;
  dir: string;
  close(): Promise<void>;
}

/** Starts a server as standalone mode would (TLS, token, CRDs, validators); options override. */
export async function startTestApiServer(options: ApiServerOptions = {}): Promise<TestApiServer> {
  const tls = testServingCert();
  const token = 'test-token-0123456789';
  const server = await startApiServer({ token, tls: { cert: tls.cert, key: tls.key }, crds: allCrds() as unknown as KubeObject[], validators: dockerpodValidators(), ...options });
  const dir = mkdtempSync(join(tmpdir(), 'dp-kube-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfigYaml({ server: server.url, token, caData: tls.ca }), { mode: 0o600 });
  return {
    server,
    token,
    kubeconfigPath,
    dir,
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What a kubectl run printed and how it exited. */
export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real kubectl with the server's kubeconfig and a fresh cache dir; never throws on a non-zero exit. */
export async function kubectl(api: TestApiServer, args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<KubectlResult> {
  const cacheDir = mkdtempSync(join(api.dir, 'cache-'));
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', args, { env: { ...process.env, KUBECONFIG: api.kubeconfigPath, KUBECACHEDIR: cacheDir, HOME: api.dir } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Starts kubectl in the background (for `get -w` and `delete` that waits); returns the process's output so far and a stop. */
export function kubectlBackground(api: TestApiServer, args: string[]): { output: () => string; stop: () => Promise<KubectlResult> } {
  const cacheDir = mkdtempSync(join(api.dir, 'cache-'));
  const child = spawn('kubectl', args, { env: { ...process.env, KUBECONFIG: api.kubeconfigPath, KUBECACHEDIR: cacheDir, HOME: api.dir } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<KubectlResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return {
    output: () => stdout,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return done;
    },
  };
}

/** A raw HTTPS request to the server (with its CA and token), for what client libraries will not send. */
export async function rawRequest(api: TestApiServer, method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; body: unknown; headers: Record<string, string | string[] | undefined> }> {
  const { request } = await import('node:https');
  const url = new URL(path, api.server.url);
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca: testServingCert().ca, headers: { Authorization: `Bearer ${api.token}`, 'Content-Type': 'application/json', ...options.headers } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON: keep the text
        }
        resolve({ status: res.statusCode ?? 0, body: parsed, headers: res.headers });
      });
    });
    req.on('error', reject);
    const { body } = options;
    req.end(body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body));
  });
}
