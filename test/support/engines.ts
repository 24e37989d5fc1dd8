/**
 * The private test engines started by hack/ensure-docker.sh, as dockerode clients.
 * A test tier that needs them fails with the command to run when they are missing: an
 * integration test that silently skipped would prove nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import Docker from 'dockerode';
import type { EngineConnectOptions } from '../../src/runtime/docker/dockerode-engine.js';

/** Names of the two engines. */
export type EngineName = 'a' | 'b';

/** Where the env file of the engines is. */
export const ENGINE_ENV_FILE = process.env['DOCKERPOD_TEST_ENV'] ?? '/var/lib/dockerpod-test/engines.env';

/** Test images built by hack/test-images.sh. */
export const TEST_IMAGES = {
  busybox: process.env['DOCKERPOD_TEST_BUSYBOX_IMAGE'] ?? 'dockerpod.dev/test/busybox:1',
  pause: process.env['DOCKERPOD_TEST_PAUSE_IMAGE'] ?? 'dockerpod.dev/test/pause:1',
} as const;

/** Parses KEY=VALUE lines; comments and blank lines are skipped. */
export function parseEnvFile(text: string): Record<string, string> {
  const entries = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line): [string, string] => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]);
  return Object.fromEntries(entries);
}

function readEnv(): Record<string, string> {
  if (!existsSync(ENGINE_ENV_FILE)) {
    throw new Error(`The test engines are not set up (${ENGINE_ENV_FILE} is missing). Run: sudo bash hack/ensure-docker.sh && bash hack/test-images.sh, or the README's test command.`);
  }
  return parseEnvFile(readFileSync(ENGINE_ENV_FILE, 'utf8'));
}

function required(env: Record<string, string>, key: string): string {
  const value = env[key];
  if (!value) throw new Error(`${ENGINE_ENV_FILE} has no ${key}; rerun hack/ensure-docker.sh`);
  return value;
}

/** A dockerode client for engine A (unix socket) or B (TCP with mutual TLS). */
export function engineClient(name: EngineName): Docker {
  const env = readEnv();
  if (name === 'a') {
    return new Docker({ socketPath: required(env, 'DOCKERPOD_ENGINE_A_HOST').replace(/^unix:\/\//, '') });
  }
  const url = new URL(required(env, 'DOCKERPOD_ENGINE_B_HOST').replace(/^tcp:/, 'https:'));
  return new Docker({
    protocol: 'https',
    host: url.hostname,
    port: Number(url.port),
    ca: readFileSync(required(env, 'DOCKERPOD_ENGINE_B_CA')),
    cert: readFileSync(required(env, 'DOCKERPOD_ENGINE_B_CERT')),
    key: readFileSync(required(env, 'DOCKERPOD_ENGINE_B_KEY')),
  });
}

/** Options of connectEngine() for engine A (unix socket) or B (TCP with mutual TLS). */
export function engineConnectOptions(name: EngineName): EngineConnectOptions {
  const env = readEnv();
  if (name === 'a') return { endpoint: required(env, 'DOCKERPOD_ENGINE_A_HOST') };
  return {
    endpoint: required(env, 'DOCKERPOD_ENGINE_B_HOST'),
    tls: {
      ca: readFileSync(required(env, 'DOCKERPOD_ENGINE_B_CA')),
      cert: readFileSync(required(env, 'DOCKERPOD_ENGINE_B_CERT')),
      key: readFileSync(required(env, 'DOCKERPOD_ENGINE_B_KEY')),
    },
  };
}

/** Fails with a clear message unless the engine answers and has the test images. */
export async function assertEngineReady(name: EngineName, docker: Docker): Promise<void> {
  try {
    await docker.ping();
  } catch (err) {
    throw new Error(`test engine ${name} does not answer (${(err as Error).message}). Run: sudo bash hack/ensure-docker.sh`, { cause: err });
  }
  for (const image of Object.values(TEST_IMAGES)) {
    try {
      await docker.getImage(image).inspect();
    } catch (err) {
      throw new Error(`test engine ${name} lacks ${image}. Run: bash hack/test-images.sh`, { cause: err });
    }
  }
}
