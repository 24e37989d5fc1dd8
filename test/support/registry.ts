/**
 * A container registry on loopback for pull-credential tests: it asks for basic auth (401 with
 * `WWW-Authenticate: Basic`, as a private registry does), records every Authorization header it
 * is given, and has no image (404 MANIFEST_UNKNOWN), so a pull from it fails only after the
 * engine sent its credentials.
 */
import { createServer, type Server } from 'node:http';

/** A running registry stub: its port, the Authorization headers received so far, and close(). */
export interface AuthRegistry {
  port: number;
  authorizations: string[];
  close(): Promise<void>;
}

/** Starts a registry stub on 127.0.0.1 and a free port. */
export async function authRegistry(): Promise<AuthRegistry> {
  const authorizations: string[] = [];
  const headers = { 'Content-Type': 'application/json', 'Docker-Distribution-Api-Version': 'registry/2.0' };
  const server: Server = createServer((req, res) => {
    const auth = req.headers.authorization;
    if (!auth) {
      res.writeHead(401, { ...headers, 'WWW-Authenticate': 'Basic realm="dockerpod-test"' }).end();
      return;
    }
    authorizations.push(auth);
    res.writeHead(404, headers).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"no such image"}]}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    authorizations,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
