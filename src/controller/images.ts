/**
 * Images as the kubelet handles them: the pull policy (Always for `:latest` or untagged,
 * IfNotPresent otherwise), credentials from `imagePullSecrets` (kubernetes.io/dockerconfigjson),
 * one pull per image and engine at a time, and the pull back-off (10 s doubling to 300 s) that
 * turns ErrImagePull into ImagePullBackOff.
 */
import type { Container } from '../api/v1alpha1/container.js';
import type { DockerPod } from '../api/v1alpha1/dockerpod.js';
import { defaultPullPolicy, parseImageReference } from '../api/image-ref.js';
import type { DockerEngine, RegistryAuth } from '../runtime/docker/types.js';
import type { Clock } from '../util/clock.js';

/** Outcome of making an image present. */
export type ImageResult = { ok: true } | { ok: false; reason: 'ErrImagePull' | 'ImagePullBackOff' | 'ErrImageNeverPull' | 'InvalidImageName'; message: string };

/** An event to record about an image. */
export interface ImageEvent {
  type: 'Normal' | 'Warning';
  reason: 'Pulling' | 'Pulled' | 'Failed' | 'BackOff';
  message: string;
}

/** Reads the registry credentials of a pod (its imagePullSecrets), for the image's registry. */
export type CredentialSource = (pod: DockerPod, registry: string) => Promise<RegistryAuth | undefined>;

const PULL_BACKOFF_INITIAL = 10_000;
const PULL_BACKOFF_MAX = 300_000;

/** The registry of a reference as Docker resolves it (Docker Hub for short names). */
export function registryOf(image: string): string {
  const parsed = parseImageReference(image);
  return parsed.ok && parsed.ref.domain ? parsed.ref.domain : 'docker.io';
}

/** Pull back-off and in-flight pulls, per engine and image. */
export class ImageManager {
  private readonly backoff = new Map<string, { until: number; delay: number }>();
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly clock: Clock,
    private readonly credentials: CredentialSource,
  ) {}

  /** Makes `c.image` present on `engine` per its pull policy; `emit` receives the kubelet's events. */
  async ensure(engine: DockerEngine, pod: DockerPod, c: Pick<Container, 'image' | 'imagePullPolicy'>, emit: (e: ImageEvent) => void): Promise<ImageResult> {
    const parsed = parseImageReference(c.image);
    if (!parsed.ok) return { ok: false, reason: 'InvalidImageName', message: `Failed to apply default image tag "${c.image}": couldn't parse image reference "${c.image}": ${parsed.reason}` };
    const policy = c.imagePullPolicy ?? defaultPullPolicy(parsed.ref);
    if (policy !== 'Always' && (await engine.inspectImage(c.image))) {
      emit({ type: 'Normal', reason: 'Pulled', message: `Container image "${c.image}" already present on machine` });
      return { ok: true };
    }
    if (policy === 'Never') return { ok: false, reason: 'ErrImageNeverPull', message: `Container image "${c.image}" is not present with pull policy of Never` };
    return this.pull(engine, pod, c.image, emit);
  }

  private async pull(engine: DockerEngine, pod: DockerPod, image: string, emit: (e: ImageEvent) => void): Promise<ImageResult> {
    const key = `${engine.endpoint}\u0000${image}`;
    const wait = this.backoff.get(key);
    if (wait && this.clock.now() < wait.until) {
      emit({ type: 'Normal', reason: 'BackOff', message: `Back-off pulling image "${image}"` });
      return { ok: false, reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` };
    }
    emit({ type: 'Normal', reason: 'Pulling', message: `Pulling image "${image}"` });
    const started = this.clock.now();
    try {
      await this.pullOnce(key, engine, image, await this.credentials(pod, registryOf(image)));
    } catch (err) {
      const delay = Math.min(PULL_BACKOFF_MAX, wait ? wait.delay * 2 : PULL_BACKOFF_INITIAL);
      this.backoff.set(key, { until: this.clock.now() + delay, delay });
      const message = `Failed to pull image "${image}": ${(err as Error).message}`;
      emit({ type: 'Warning', reason: 'Failed', message });
      return { ok: false, reason: 'ErrImagePull', message };
    }
    this.backoff.delete(key);
    emit({ type: 'Normal', reason: 'Pulled', message: `Successfully pulled image "${image}" in ${((this.clock.now() - started) / 1000).toFixed(3)}s` });
    return { ok: true };
  }

  /** One pull per image and engine at a time: concurrent callers share it. */
  private pullOnce(key: string, engine: DockerEngine, image: string, auth: RegistryAuth | undefined): Promise<void> {
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = engine.pullImage(image, auth).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }
}

interface DockerConfigJson {
  auths?: Record<string, { username?: string; password?: string; auth?: string }>;
}

/** The `auths` key a registry may be listed under (Docker Hub has several spellings). */
function candidates(registry: string): string[] {
  if (registry !== 'docker.io') return [registry, `https://${registry}`, `https://${registry}/v1/`, `http://${registry}`];
  return ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'https://index.docker.io/v1', 'registry-1.docker.io'];
}

/** Credentials for `registry` from a `.dockerconfigjson` document, if it has any. */
export function authFromDockerConfig(json: string, registry: string): RegistryAuth | undefined {
  const auths = (JSON.parse(json) as DockerConfigJson).auths ?? {};
  const key = candidates(registry).find((k) => auths[k] !== undefined);
  const entry = key === undefined ? undefined : auths[key];
  if (!entry || key === undefined) return undefined;
  const [user, ...rest] = entry.auth ? Buffer.from(entry.auth, 'base64').toString('utf8').split(':') : [];
  return { serveraddress: key, username: entry.username ?? user ?? '', password: entry.password ?? rest.join(':') };
}
