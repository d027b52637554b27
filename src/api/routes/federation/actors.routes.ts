// Actors and their collections: Person documents (HTML profile for browsers), outbox, followers, following.
import { actorUrl } from '../../../domain/activity-streams.js';
import { Forbidden, NotFound } from '../../../domain/errors.js';
import { requireSession } from '../../middleware/authenticate.js';
import { actorDocument } from '../../../federation/actor-document.js';
import { collection, collectionPage, parsePageQuery } from '../../../federation/collections.js';
import { activityContentType } from '../../../federation/media-types.js';
import type { Services } from '../../../services/index.js';
import type { AppContext, AppRouter } from '../../context.js';
import { wantsHtml } from '../../negotiate.js';
import { renderProfile } from '../users/users.routes.js';
import type { Views } from '../../views.js';

const PAGE_SIZE = 20;

export function actorsRoutes(router: AppRouter, deps: { services: Services; views: Views }): void {
  const { services } = deps;
  const { instance, repos } = services;

  async function localUser(ctx: AppContext) {
    const user = await repos.users.findByUsername(String(ctx.params.name));
    if (!user) throw new NotFound(`No user "${ctx.params.name}" on ${instance.domain}.`);
    return user;
  }

  function sendActivityJson(ctx: AppContext, body: unknown): void {
    ctx.vary('Accept');
    ctx.type = activityContentType(ctx);
    ctx.body = body;
  }

  router.get('/users/:name', async (ctx) => {
    const user = await localUser(ctx);
    ctx.vary('Accept');
    // Browsers get the profile page; fediverse clients the actor document, at the same URL.
    if (wantsHtml(ctx)) return renderProfile(ctx, deps, user);
    const key = await services.keys.signingKey(user);
    sendActivityJson(
      ctx,
      actorDocument(instance, {
        username: user.username,
        displayName: user.display_name,
        summary: user.summary,
        locked: user.locked,
        createdAt: user.created_at,
        keyId: key.keyId,
        publicKeyPem: key.publicKeyPem,
      }),
    );
  });

  router.get('/users/:name/outbox', async (ctx) => {
    const user = await localUser(ctx);
    const id = `${actorUrl(instance, user.username)}/outbox`;
    const query = parsePageQuery(ctx.query);
    if (!query.page) return sendActivityJson(ctx, collection(id, await repos.activities.countPublic(user.id)));
    const rows = await repos.activities.publicPage(user.id, PAGE_SIZE, query.maxId, query.minId);
    sendActivityJson(
      ctx,
      collectionPage(
        id,
        query,
        rows.map((r) => ({ id: r.id, item: JSON.parse(r.raw) as unknown })),
        PAGE_SIZE,
      ),
    );
  });

  router.get('/users/:name/followers', async (ctx) => {
    const user = await localUser(ctx);
    const id = `${actorUrl(instance, user.username)}/followers`;
    const query = parsePageQuery(ctx.query);
    if (!query.page) return sendActivityJson(ctx, collection(id, await repos.followers.count(user.id)));
    const rows = await repos.followers.page(user.id, PAGE_SIZE, query.maxId);
    sendActivityJson(
      ctx,
      collectionPage(
        id,
        query,
        rows.map((r) => ({ id: r.id, item: r.actor_id })),
        PAGE_SIZE,
      ),
    );
  });

  router.post('/users/:name/key/rotate', async (ctx) => {
    const session = await requireSession(ctx);
    const user = await localUser(ctx);
    if (user.id !== session.user.id) throw new Forbidden('Only the account itself can rotate its key.', 'not_owner');
    const result = await services.actors.rotateKey(user);
    ctx.body = { key_id: result.keyId, update_activity_id: result.activityId, followers_notified: result.followers };
  });

  router.get('/users/:name/following', async (ctx) => {
    const user = await localUser(ctx);
    sendActivityJson(ctx, collection(`${actorUrl(instance, user.username)}/following`, 0));
  });
}
