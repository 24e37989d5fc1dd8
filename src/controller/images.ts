/**
 * Images as the kubelet handles them: the pull policy (Always for `:latest` or untagged,
 * IfNotPresent otherwise), credentials from `imagePullSecrets` (kubernetes.io/dockerconfigjson),
 * one pull per image and engine at a time, and the pull back-off (10 s doubling to 300 s) that
 * turns ErrImagePull into ImagePullBackOff.
 */
import { createHash } from 'node:crypto';
import type { Container } from '../api/v1alpha1/container.js';
import type { DockerPod } from '../api/v1alpha1/dockerpod.js';
import { defaultPullPolicy, parseImageReference } from '../api/image-ref.js';
import type { DockerEngine, RegistryAuth } from '../runtime/docker/types.js';
import type { Clock } from '../util/clock.js';

/** Outcome of making an image present. */
export type ImageResult =
  | { ok: true }
  | {
    ok: false;
    reason: 'ErrImagePull' | 'ImagePullBackOff' | 'ErrImageNeverPull' | 'InvalidImageName' | 'ImageInspectError';
    message: string;
    /** After a failed pull (ErrImagePull, ImagePullBackOff): when its back-off ends and a pass may pull again. */
    retryInMs?: number;
  };

/** An event to record about an image. */
export interface ImageEvent {
  type: 'Normal' | 'Warning';
  reason: 'Pulling' | 'Pulled' | 'Failed' | 'BackOff' | 'InspectFailed';
  message: string;
}

/** Reads the registry credentials of a pod (its imagePullSecrets), for the image's registry. */
export type CredentialSource = (pod: DockerPod, registry: string) => Promise<RegistryAuth | undefined>;

const PULL_BACKOFF_INITIAL = 10_000;
const PULL_BACKOFF_MAX = 300_000;

/** Names of Docker Hub: Docker's default domain, its legacy index name, and the registry host it pulls from. */
const DOCKER_HUB_ALIASES: ReadonlySet<string> = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * The registry of a reference as Docker resolves it: Docker Hub (`docker.io`) for short names
 * and for each of the Hub's own names, else the domain exactly, port included (credentials of
 * `r.example:5000` are not those of `r.example`).
 */
export function registryOf(image: string): string {
  const parsed = parseImageReference(image);
  const domain = parsed.ok ? parsed.ref.domain : undefined;
  return domain === undefined || DOCKER_HUB_ALIASES.has(domain) ? 'docker.io' : domain;
}

/**
 * Which credentials a pull uses, as a digest: pulls of one image with different credentials
 * (pods of different namespaces) never share one in-flight pull, so a pod never gets an image
 * through another pod's credentials while they pull at once.
 */
const credentialKey = (auth: RegistryAuth | undefined): string => (auth ? createHash('sha256').update(JSON.stringify(auth)).digest('hex') : '-');

/** Pull back-off and in-flight pulls, per engine and image. */
export class ImageManager {
  /** Per engine and image: when (monotonic ms) the next pull may start, and the delay that led there. */
  private readonly backoff = new Map<string, { until: number; delay: number }>();
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly clock: Clock,
    private readonly credentials: CredentialSource,
  ) {}

  /**
   * Makes `c.image` present on `engine` per its pull policy; `emit` receives the kubelet's events.
   * An engine that fails to say whether it has the image gives the kubelet's ImageInspectError
   * (with a Warning InspectFailed), never a throw.
   */
  async ensure(engine: DockerEngine, pod: DockerPod, c: Pick<Container, 'image' | 'imagePullPolicy'>, emit: (e: ImageEvent) => void): Promise<ImageResult> {
    const parsed = parseImageReference(c.image);
    if (!parsed.ok) return { ok: false, reason: 'InvalidImageName', message: `Failed to apply default image tag "${c.image}": couldn't parse image reference "${c.image}": ${parsed.reason}` };
    const policy = c.imagePullPolicy ?? defaultPullPolicy(parsed.ref);
    let present: boolean;
    try {
      present = policy !== 'Always' && (await engine.inspectImage(c.image)) !== undefined;
    } catch (err) {
      const message = `Failed to inspect image "${c.image}": ${(err as Error).message}`;
      emit({ type: 'Warning', reason: 'InspectFailed', message });
      return { ok: false, reason: 'ImageInspectError', message };
    }
    if (present) {
      emit({ type: 'Normal', reason: 'Pulled', message: `Container image "${c.image}" already present on machine` });
      return { ok: true };
    }
    if (policy === 'Never') return { ok: false, reason: 'ErrImageNeverPull', message: `Container image "${c.image}" is not present with pull policy of Never` };
    return this.pull(engine, pod, c.image, emit);
  }

  private async pull(engine: DockerEngine, pod: DockerPod, image: string, emit: (e: ImageEvent) => void): Promise<ImageResult> {
    const key = `${engine.endpoint}\u0000${image}`;
    const wait = this.backoff.get(key);
    // The back-off is kept on the monotonic clock: a wall-clock step neither stretches nor ends it.
    const now = this.clock.monotonic();
    if (wait && now < wait.until) {
      emit({ type: 'Normal', reason: 'BackOff', message: `Back-off pulling image "${image}"` });
      return { ok: false, reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"`, retryInMs: wait.until - now };
    }
    emit({ type: 'Normal', reason: 'Pulling', message: `Pulling image "${image}"` });
    const started = now;
    try {
      const auth = await this.credentials(pod, registryOf(image));
      await this.pullOnce(`${key}\u0000${credentialKey(auth)}`, engine, image, auth);
    } catch (err) {
      const delay = Math.min(PULL_BACKOFF_MAX, wait ? wait.delay * 2 : PULL_BACKOFF_INITIAL);
      this.backoff.set(key, { until: this.clock.monotonic() + delay, delay });
      const message = `Failed to pull image "${image}": ${(err as Error).message}`;
      emit({ type: 'Warning', reason: 'Failed', message });
      return { ok: false, reason: 'ErrImagePull', message, retryInMs: delay };
    }
    this.backoff.delete(key);
    emit({ type: 'Normal', reason: 'Pulled', message: `Successfully pulled image "${image}" in ${((this.clock.monotonic() - started) / 1000).toFixed(3)}s` });
    return { ok: true };
  }

  /** One pull per image, engine and credentials at a time: concurrent callers with the same ones share it. */
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

/**
 * The document, or an error that does not quote it: JSON.parse's own message quotes the text
 * ("Unexpected token 'd', "{"auths": ..." is not valid JSON"), credentials included, and a pull
 * failure's message goes to an Event and the pod's status.
 */
function parseDockerConfig(json: string): DockerConfigJson {
  try {
    return JSON.parse(json) as DockerConfigJson;
  } catch {
    throw new Error('.dockerconfigjson is not valid JSON');
  }
}

/** Credentials for `registry` from a `.dockerconfigjson` document, if it has any; throws without quoting a document that is not JSON. */
export function authFromDockerConfig(json: string, registry: string): RegistryAuth | undefined {
  const auths = parseDockerConfig(json).auths ?? {};
  const key = candidates(registry).find((k) => auths[k] !== undefined);
  const entry = key === undefined ? undefined : auths[key];
  if (!entry || key === undefined) return undefined;
  const [user, ...rest] = entry.auth ? Buffer.from(entry.auth, 'base64').toString('utf8').split(':') : [];
  return { serveraddress: key, username: entry.username ?? user ?? '', password: entry.password ?? rest.join(':') };
}
