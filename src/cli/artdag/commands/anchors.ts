// `artdag anchors verify ACTIVITY`: download the activity's exact bytes and its .ots proof, verify the proof
// locally (optionally against Bitcoin blocks from an Esplora API), and show the server's own view beside it.
import { ApiError, CliError, EXIT, UsageError, type ExitCode } from '../errors.js';
import { stringValue, type Command } from '../command.js';
import { esploraBlocks } from '../esplora.js';
import { keyValues } from '../format.js';
import { checkProof, type AttestationReport, type ProofReport } from '../proof-check.js';

const ACTIVITY_JSON = 'application/activity+json';
const OTS_TYPE = 'application/vnd.opentimestamps.v1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface ServerView {
  activity_id: string;
  merkle_root: string;
  status: string;
  bitcoin_block: number | null;
  verified_at: string | null;
}

/** The path segment L2 accepts for an activity: its uuid (also taken from an id URL), sequence number or id. */
export function activityRef(input: string): string {
  if (UUID.test(input) || /^\d{1,15}$/.test(input)) return input.toLowerCase();
  if (/^https?:\/\//i.test(input)) {
    const last = new URL(input).pathname.split('/').pop() ?? '';
    return UUID.test(last) ? last.toLowerCase() : encodeURIComponent(input);
  }
  throw new UsageError(`ACTIVITY must be an activity id URL, a uuid or a sequence number, not "${input}"`);
}

function describeAttestation(a: AttestationReport): string {
  if (a.kind === 'pending') return `pending  ${a.calendar} (waiting for Bitcoin)`;
  if (a.kind === 'unknown') return `unknown  attestation ${a.tag}`;
  const check = {
    match: `matches block ${a.block_hash}${a.block_time ? ` (${a.block_time})` : ''}`,
    mismatch: `does NOT match${a.block_hash ? ` block ${a.block_hash}` : ''}`,
    'no-block': 'no such block on the chain',
    unchecked: 'not checked against the chain (pass --esplora URL)',
  }[a.check];
  return `bitcoin  block ${a.height}, merkle root ${a.merkle_root}: ${check}`;
}

const VERDICTS: Record<ProofReport['outcome'], string> = {
  confirmed: 'valid: confirmed on Bitcoin',
  pending: 'valid, pending: the calendars have not been confirmed on Bitcoin yet',
  invalid: 'INVALID',
};

/** The one-line verdict; a Bitcoin attestation nobody checked against the chain is not called confirmed. */
function verdict(report: ProofReport): string {
  const bitcoin = report.attestations.filter((a) => a.kind === 'bitcoin');
  if (report.outcome === 'confirmed' && bitcoin.every((a) => a.check === 'unchecked')) {
    return `valid: attested in Bitcoin block ${bitcoin.map((a) => a.height).join(', ')}, not checked against the chain (pass --esplora URL)`;
  }
  return VERDICTS[report.outcome];
}

const EXIT_FOR: Record<ProofReport['outcome'], ExitCode> = { confirmed: EXIT.ok, pending: EXIT.pending, invalid: EXIT.failure };

export const anchorsVerify: Command = {
  name: 'anchors verify',
  summary: "Verify an activity's OpenTimestamps proof locally",
  args: [{ name: 'ACTIVITY' }],
  options: {
    esplora: {
      type: 'string',
      value: 'URL',
      help: 'check Bitcoin attestations against block headers from this Esplora API (e.g. https://blockstream.info/api)',
    },
  },
  details: [
    'ACTIVITY is an activity id URL, a uuid or a sequence number. The activity bytes and the proof come from',
    'GET /activities/{ref} and /activities/{ref}/ots; the check (digest, attestations, merkle roots) runs here.',
    'Exits 0 when the proof is valid and confirmed on Bitcoin (checked against --esplora when given), 7 when',
    'it is valid but only pending (or not anchored yet), 1 when it is invalid or does not match the chain.',
  ].join('\n'),
  exits: [0, 1, 2, 3, 5, 7],
  async run(ctx, { args, values }) {
    const ref = activityRef(args[0]!);
    const esplora = stringValue(values, 'esplora');
    const activity = await ctx.api.bytes(`/activities/${ref}`, ACTIVITY_JSON);
    let ots: Buffer;
    try {
      ots = await ctx.api.bytes(`/activities/${ref}/ots`, OTS_TYPE);
    } catch (err) {
      // The activity exists (fetched above), so a 404 here means it waits for the next anchor batch.
      if (err instanceof ApiError && err.status === 404) throw new CliError(err.message, EXIT.pending);
      throw err;
    }
    const report = await checkProof(activity, ots, esplora ? esploraBlocks(esplora, ctx.fetch) : undefined);
    const server = await ctx.api.json<ServerView>('GET', `/anchors/verify/${ref}`).then(
      (reply) => reply.body,
      (err: unknown) => {
        if (err instanceof CliError) ctx.out.note(`note: the server's view is unavailable: ${err.message}`);
        return null;
      },
    );
    ctx.out.result({ ref, ...report, esplora: esplora ?? null, server }, () =>
      [
        keyValues([
          ['activity', server?.activity_id ?? ref],
          ['sha256', `${report.digest} (${activity.length} bytes)`],
          ['server', server ? `${server.status}${server.bitcoin_block !== null ? `, bitcoin block ${server.bitcoin_block}` : ''}` : null],
          ['result', verdict(report)],
        ]),
        ...(report.attestations.length ? ['attestations:', ...report.attestations.map((a) => `  ${describeAttestation(a)}`)] : []),
        ...report.problems.map((p) => `problem: ${p}`),
      ].join('\n'),
    );
    if (report.outcome === 'invalid') ctx.out.error(`the proof is invalid: ${report.problems.join('; ')}`);
    return EXIT_FOR[report.outcome];
  },
};
