/**
 * Docker image references (the distribution/reference grammar Docker and the kubelet use):
 * `[domain[:port]/]path[:tag][@digest]`. Pure parsing, so a bad image is refused when the
 * DockerPod is validated, not discovered as a failed pull on some engine.
 */

/** The parts of a valid reference. `domain` is absent for Docker Hub short names. */
export interface ImageReference {
  domain?: string;
  path: string;
  tag?: string;
  digest?: string;
}

/** Either the parsed reference or why the text is not one. */
export type ImageReferenceResult = { ok: true; ref: ImageReference } | { ok: false; reason: string };

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const NAME_MAX = 255;
/** Hex lengths of the digest algorithms Docker accepts (go-digest); anything else is unsupported. */
const DIGEST_HEX_LENGTH = new Map([['sha256', 64], ['sha384', 96], ['sha512', 128]]);

/** Docker's rule: the first component is a registry when it has a dot or a port, or is localhost. */
function looksLikeDomain(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost' || component !== component.toLowerCase();
}

function splitDigest(text: string): { rest: string; digest?: string } {
  const at = text.indexOf('@');
  return at < 0 ? { rest: text } : { rest: text.slice(0, at), digest: text.slice(at + 1) };
}

function splitTag(name: string): { name: string; tag?: string } {
  const colon = name.lastIndexOf(':');
  // A colon before the last slash belongs to a registry port, not a tag.
  return colon > name.lastIndexOf('/') ? { name: name.slice(0, colon), tag: name.slice(colon + 1) } : { name };
}

function checkPath(path: string): string | undefined {
  if (path.toLowerCase() !== path) return 'repository name must be lowercase';
  return path.split('/').every((c) => PATH_COMPONENT.test(c)) ? undefined : 'invalid reference format';
}

/** The digest grammar, then go-digest's checks of the algorithm, the length and lowercase hex. */
function checkDigest(digest: string): string | undefined {
  if (!DIGEST.test(digest)) return 'invalid digest format';
  const [algorithm = '', encoded = ''] = digest.split(':');
  const length = DIGEST_HEX_LENGTH.get(algorithm);
  if (length === undefined) return 'unsupported digest algorithm';
  if (encoded.length !== length) return 'invalid checksum digest length';
  return /^[a-f0-9]+$/.test(encoded) ? undefined : 'invalid checksum digest format';
}

type Step<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Splits off and checks the digest and the tag, leaving the name. */
function splitSuffixes(text: string): Step<{ name: string; tag?: string; digest?: string }> {
  const { rest, digest } = splitDigest(text);
  const digestProblem = digest === undefined ? undefined : checkDigest(digest);
  if (digestProblem) return { ok: false, reason: digestProblem };
  const { name, tag } = splitTag(rest);
  if (tag !== undefined && !TAG.test(tag)) return { ok: false, reason: 'invalid tag format' };
  return { ok: true, value: { name, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) } };
}

/** Splits the name into an optional registry domain and the repository path, and checks both. */
function splitName(name: string): Step<{ domain?: string; path: string }> {
  if (name.length > NAME_MAX) return { ok: false, reason: `repository name must not be more than ${NAME_MAX} characters` };
  const slash = name.indexOf('/');
  const first = name.slice(0, Math.max(slash, 0));
  const domain = slash >= 0 && looksLikeDomain(first) ? first : undefined;
  if (domain !== undefined && !DOMAIN.test(domain)) return { ok: false, reason: 'invalid reference format' };
  const path = domain !== undefined ? name.slice(slash + 1) : name;
  const problem = checkPath(path);
  if (problem) return { ok: false, reason: problem };
  return { ok: true, value: domain !== undefined ? { domain, path } : { path } };
}

/** Parses an image reference with Docker's grammar and messages ("invalid reference format"). */
export function parseImageReference(text: string): ImageReferenceResult {
  if (text === '' || text.trim() !== text) return { ok: false, reason: 'invalid reference format' };
  const suffixes = splitSuffixes(text);
  if (!suffixes.ok) return suffixes;
  const { name, ...rest } = suffixes.value;
  const named = splitName(name);
  if (!named.ok) return named;
  return { ok: true, ref: { ...named.value, ...rest } };
}

/**
 * The API server's default pull policy (SetDefaults_Container): Always when the tag is "latest",
 * explicitly or as the default of a name with neither tag nor digest; else IfNotPresent.
 */
export function defaultPullPolicy(ref: ImageReference): 'Always' | 'IfNotPresent' {
  const tag = ref.tag ?? (ref.digest === undefined ? 'latest' : undefined);
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}
