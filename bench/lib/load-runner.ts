// Child-process load generator for bodies that must differ per request: `{{n}}` becomes a counter and
// `{{sha3}}` the SHA3-256 of "<seed>-<n>". Prints autocannon's JSON result.
import { createHash } from 'node:crypto';
import autocannon from 'autocannon';

interface RunnerConfig {
  url: string;
  method: string;
  headers: Record<string, string>;
  bodyTemplate: string;
  seed: string;
  connections: number;
  seconds: number;
}

const config = JSON.parse(process.argv[2]!) as RunnerConfig;
let n = 0;
const result = await autocannon({
  url: config.url,
  connections: config.connections,
  duration: config.seconds,
  requests: [
    {
      method: config.method as 'POST',
      headers: config.headers,
      setupRequest: (req) => {
        const i = n++;
        const sha3 = createHash('sha3-256').update(`${config.seed}-${i}`).digest('hex');
        return { ...req, body: config.bodyTemplate.replaceAll('{{n}}', String(i)).replaceAll('{{sha3}}', sha3) };
      },
    },
  ],
});
process.stdout.write(JSON.stringify(result));
