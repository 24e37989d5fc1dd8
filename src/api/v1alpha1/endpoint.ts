/** Docker engine endpoints of a DockerHost, parsed once so every consumer agrees on their meaning. */

/** A parsed endpoint. */
export type Endpoint =
  | { scheme: 'unix'; socketPath: string }
  | { scheme: 'tcp'; host: string; port: number }
  | { scheme: 'ssh'; host: string; port: number; username?: string };

/** Either the endpoint or why the text is not one. */
export type EndpointResult = { ok: true; endpoint: Endpoint } | { ok: false; reason: string };

function parsePort(text: string, fallback: number | undefined): number | undefined {
  if (text === '') return fallback;
  const port = /^[0-9]{1,5}$/.test(text) ? Number(text) : NaN;
  return port >= 1 && port <= 65535 ? port : undefined;
}

function splitHostPort(authority: string): { host: string; port: string } {
  const bracket = /^\[([^\]]+)\](?::(.*))?$/.exec(authority);
  if (bracket) return { host: bracket[1] ?? '', port: bracket[2] ?? '' };
  const colon = authority.lastIndexOf(':');
  return colon < 0 ? { host: authority, port: '' } : { host: authority.slice(0, colon), port: authority.slice(colon + 1) };
}

function splitUser(scheme: 'tcp' | 'ssh', rest: string): { username?: string; authority: string } {
  const at = scheme === 'ssh' ? rest.lastIndexOf('@') : -1;
  const authority = rest.slice(at + 1).replace(/\/$/, '');
  return at > 0 ? { username: rest.slice(0, at), authority } : { authority };
}

function parseNetwork(scheme: 'tcp' | 'ssh', rest: string): EndpointResult {
  const { username, authority } = splitUser(scheme, rest);
  const { host, port: portText } = splitHostPort(authority);
  if (host === '' || /[\s/]/.test(host)) return { ok: false, reason: 'must name a host' };
  const port = parsePort(portText, scheme === 'ssh' ? 22 : undefined);
  if (port === undefined) return { ok: false, reason: scheme === 'tcp' ? 'must end with a port between 1 and 65535, e.g. tcp://10.0.0.5:2376' : 'port must be between 1 and 65535' };
  if (scheme === 'tcp') return { ok: true, endpoint: { scheme, host, port } };
  return { ok: true, endpoint: { scheme, host, port, ...(username ? { username } : {}) } };
}

/** Parses `unix:///path`, `tcp://host:port` or `ssh://[user@]host[:port]`. */
export function parseEndpoint(text: string): EndpointResult {
  const match = /^([a-z]+):\/\/(.*)$/.exec(text);
  if (!match) return { ok: false, reason: 'must be unix:///path, tcp://host:port or ssh://user@host' };
  const [, scheme, rest = ''] = match;
  if (scheme === 'unix') {
    return rest.startsWith('/') && rest.length > 1 ? { ok: true, endpoint: { scheme, socketPath: rest } } : { ok: false, reason: 'must be an absolute socket path, e.g. unix:///var/run/docker.sock' };
  }
  if (scheme === 'tcp' || scheme === 'ssh') return parseNetwork(scheme, rest);
  return { ok: false, reason: `unsupported scheme "${scheme}": must be unix, tcp or ssh` };
}
