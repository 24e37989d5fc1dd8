/**
 * A serving certificate for the embedded API server, made once per data directory: a private CA
 * and a server certificate for the loopback names, both EC P-256, created with the `openssl`
 * command. TLS is not optional: kubectl sends bearer tokens only over TLS (kubectl#744).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';

/** PEM material the server and its clients need. */
export interface ServingCert {
  cert: string;
  key: string;
  /** The CA that signed `cert`, for clients' kubeconfig. */
  ca: string;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`openssl ${args[0]} failed (is the openssl command installed?): ${stderr || (err as Error).message}`, { cause: err });
  }
}

const san = (hosts: string[]): string => hosts.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');

/** The certificate in `dir` (created on first use) for `hosts`; recreated when the hosts change. */
export function ensureServingCert(dir: string, hosts: string[] = ['127.0.0.1', 'localhost', '::1']): ServingCert {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = { ca: join(dir, 'ca.crt'), caKey: join(dir, 'ca.key'), cert: join(dir, 'server.crt'), key: join(dir, 'server.key'), hosts: join(dir, 'hosts') };
  const wanted = san(hosts);
  const current = existsSync(files.hosts) ? readFileSync(files.hosts, 'utf8') : '';
  if (current !== wanted || !existsSync(files.cert)) {
    if (!existsSync(files.ca)) {
      openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
      openssl(['req', '-x509', '-new', '-key', 'ca.key', '-days', '3650', '-subj', '/CN=dockerpod standalone CA', '-out', 'ca.crt'], dir);
    }
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'server.key'], dir);
    openssl(['req', '-new', '-key', 'server.key', '-subj', '/CN=dockerpod-apiserver', '-out', 'server.csr'], dir);
    writeFileSync(join(dir, 'server.ext'), `subjectAltName=${wanted}\nextendedKeyUsage=serverAuth\n`);
    openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '3650', '-extfile', 'server.ext', '-out', 'server.crt'], dir);
    rmSync(join(dir, 'server.csr'), { force: true });
    writeFileSync(files.hosts, wanted);
  }
  return { cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8'), ca: readFileSync(files.ca, 'utf8') };
}
