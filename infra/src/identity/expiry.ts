import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** A certificate of the network and when it expires. */
export interface CertificateExpiry {
  readonly file: string;
  readonly subject: string;
  readonly notAfter: string;
  readonly daysLeft: number;
}

/**
 * Every enrolment and TLS certificate under a network directory (users and nodes), soonest
 * expiry first. `waybill identity reenroll` renews a user's.
 */
export function certificatesOf(root: string, now = Date.now()): CertificateExpiry[] {
  const files: string[] = [];
  const holders = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).map((n) => path.join(dir, n)) : []);
  const orgs = holders(path.join(root, 'orgs'));
  for (const h of [...orgs.flatMap((o) => holders(path.join(o, 'users'))), ...holders(path.join(root, 'nodes'))]) {
    for (const f of [path.join(h, 'msp', 'signcerts', 'cert.pem'), path.join(h, 'tls', 'server.crt')]) if (existsSync(f)) files.push(f);
  }
  return files
    .map((file) => {
      const c = new X509Certificate(readFileSync(file));
      const end = new Date(c.validTo).getTime();
      return {
        file: path.relative(root, file),
        subject: c.subject.replace(/\n/g, ', '),
        notAfter: new Date(end).toISOString(),
        daysLeft: Math.floor((end - now) / 86_400_000),
      };
    })
    .sort((a, b) => a.daysLeft - b.daysLeft || a.file.localeCompare(b.file));
}
