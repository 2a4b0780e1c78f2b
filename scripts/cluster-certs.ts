import path from 'node:path';
import { ensureCertificates } from './lib/cluster';

/**
 * Makes (once) the cluster's CA, the frontend's server certificate and a client certificate in
 * the given directory, as `npm run cluster` does for itself: `npx tsx scripts/cluster-certs.ts ./tls`.
 */
const dir = path.resolve(process.argv[2] ?? 'tls');
ensureCertificates(dir).then(
  (files) =>
    console.log(
      Object.entries(files)
        .map(([name, file]) => `${name.padEnd(10)} ${file}`)
        .join('\n'),
    ),
  (error: unknown) => {
    console.error(`cluster-certs: ${(error as Error).message}`);
    process.exit(1);
  },
);
