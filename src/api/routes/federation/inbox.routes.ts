// Inboxes: a user's own (POST /users/{name}/inbox) and the shared one (POST /inbox). Answers 202 once the
// activity is verified and stored; deliveries it causes (an Accept) go to the worker.
import { UnsupportedMediaType } from '../../../domain/errors.js';
import type { Services } from '../../../services/index.js';
import type { AppContext, AppRouter } from '../../context.js';

export function inboxRoutes(router: AppRouter, deps: { services: Services }): void {
  const { inbox, instance } = deps.services;

  async function receive(ctx: AppContext, username: string | null): Promise<void> {
    const body = ctx.request.rawBody;
    if (body === undefined) throw new UnsupportedMediaType('Send the activity as application/activity+json.');
    const result = await inbox.receive(
      { method: ctx.method, target: ctx.originalUrl, url: `${instance.publicUrl}${ctx.originalUrl}`, headers: ctx.req.headers, body },
      username,
    );
    ctx.status = result.status;
    ctx.body = { status: result.outcome };
  }

  router.post('/users/:name/inbox', (ctx) => receive(ctx, String(ctx.params.name)));
  router.post('/inbox', (ctx) => receive(ctx, null));
}
