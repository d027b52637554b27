// `artdag whoami` and `artdag logout`: the saved login's account, and revoking then forgetting its token.
import { errorFrom } from '../api-client.js';
import type { Command } from '../command.js';
import { CliError, EXIT } from '../errors.js';
import { keyValues } from '../format.js';

interface Account {
  username: string;
  handle: string;
  actor_id: string;
  email: string | null;
  display_name: string | null;
  is_operator: boolean;
  token_expires_at?: string;
}

export const whoami: Command = {
  name: 'whoami',
  summary: 'Show the account of the saved login',
  args: [],
  options: {},
  exits: [0, 1, 2, 3, 4],
  async run(ctx) {
    const { body } = await ctx.requireLogin().json<Account>('GET', '/auth/me');
    ctx.out.result({ server: ctx.server, ...body }, () =>
      keyValues([
        ['user', body.username],
        ['handle', body.handle],
        ['name', body.display_name],
        ['server', ctx.server],
        ['operator', body.is_operator ? 'yes' : null],
        ['token expires', body.token_expires_at],
      ]),
    );
  },
};

export const logout: Command = {
  name: 'logout',
  summary: 'Revoke the saved token on the server and forget it',
  args: [],
  options: {},
  details: 'A token the server already refuses (401) is forgotten too; if the server cannot be reached, the token is kept.',
  exits: [0, 1, 2, 3, 4],
  async run(ctx) {
    const api = ctx.requireLogin();
    let res: Response;
    try {
      res = await api.send('POST', '/auth/logout');
    } catch (err) {
      throw new CliError(`${(err as Error).message}; the token is still saved, run logout again later`, EXIT.unavailable);
    }
    // A 401 means the token is dead already; any other refusal may leave it alive, so keep it.
    if (!res.ok && res.status !== 401) throw await errorFrom(res);
    ctx.store.remove(ctx.server);
    ctx.out.result({ server: ctx.server, revoked: res.ok, forgotten: true }, () =>
      res.ok ? `Logged out of ${ctx.server}.` : `The token was no longer valid on ${ctx.server}; it is forgotten.`,
    );
  },
};
