// `artdag login`: the browser confirms a device code (RFC 8628) and the token is saved for this server;
// `--with-token` reads a token from stdin instead, for scripts and CI where no browser is at hand.
import type { Command, Context } from '../command.js';
import { pollForToken, requestDeviceCode } from '../device-flow.js';
import { CliError, EXIT } from '../errors.js';

interface Me {
  username: string;
}

function minutesAndSeconds(seconds: number): string {
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

async function deviceLogin(ctx: Context): Promise<string> {
  const code = await requestDeviceCode(ctx.api);
  const where = code.verification_uri_complete ?? code.verification_uri;
  // With --json, the code comes first as one line, so a script can show it (or approve it) while we poll.
  ctx.out.jsonLine({
    user_code: code.user_code,
    verification_uri: code.verification_uri,
    verification_uri_complete: code.verification_uri_complete ?? null,
    expires_in: code.expires_in,
  });
  ctx.out.prompt(`Open ${where} and confirm the code ${code.user_code}`);
  const waiting = 'Waiting for you to confirm in the browser…';
  const spinner = ctx.out.spinner(waiting);
  try {
    const token = await pollForToken(ctx.api, code, ctx.clock, (left) =>
      spinner.update(`${waiting} (the code expires in ${minutesAndSeconds(left)})`),
    );
    return token.access_token;
  } finally {
    spinner.stop();
  }
}

async function tokenFromStdin(ctx: Context): Promise<string> {
  let text = '';
  for await (const chunk of ctx.stdin) text += chunk.toString();
  const token = text.trim();
  if (!token) throw new CliError('no token on stdin: pipe one in, e.g. artdag login --with-token < token.txt', EXIT.usage);
  return token;
}

export const login: Command = {
  name: 'login',
  summary: 'Log in through your browser and save the token for this server',
  args: [],
  options: { 'with-token': { type: 'boolean', help: 'read an access token from stdin instead of opening a browser' } },
  details: [
    'Prints a URL and a code: open the URL, log in if asked, and confirm that the code matches.',
    'The token is checked with GET /auth/me and saved in credentials.json (mode 0600) under the',
    "server's origin; that server becomes the default for later commands.",
    'With --json, stdout gets one line {user_code, verification_uri, verification_uri_complete, expires_in}',
    'as soon as the code is issued, then the result once the login is approved.',
  ].join('\n'),
  exits: [0, 1, 2, 3, 4],
  async run(ctx, { values }) {
    const token = values['with-token'] ? await tokenFromStdin(ctx) : await deviceLogin(ctx);
    const { body: me } = await ctx.api.withToken(token).json<Me>('GET', '/auth/me');
    ctx.store.save(ctx.server, { token, username: me.username, saved_at: new Date(ctx.clock.now()).toISOString() });
    ctx.out.result(
      { server: ctx.server, username: me.username, credentials: ctx.store.file },
      () => `Logged in to ${ctx.server} as ${me.username}.`,
    );
  },
};
