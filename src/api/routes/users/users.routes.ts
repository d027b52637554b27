// The people pages: the directory of local users (/users, keyset paging) and the HTML profile that
// /users/{name} shows browsers (fediverse clients get the actor document from actors.routes.ts).
import { z } from 'zod';
import type { UserRow } from '../../../db/repositories/users-repository.js';
import { NotFound } from '../../../domain/errors.js';
import type { Services } from '../../../services/index.js';
import type { AppContext, AppRouter } from '../../context.js';
import { decodeCursor, encodeCursor } from '../../pagination.js';
import { validate } from '../../validate.js';
import type { Views } from '../../views.js';
import { followerView, personView } from './users.views.js';

const DIRECTORY_PAGE = 30;
const RECENT_ASSETS = 12;
const FOLLOWERS_SHOWN = 20;

const directoryQuery = z.object({ cursor: z.string().max(100).optional() });

export interface PeopleDeps {
  services: Services;
  views: Views;
}

export function usersRoutes(router: AppRouter, deps: PeopleDeps): void {
  const { services, views } = deps;
  const { repos, instance } = services;

  router.get('/users', async (ctx) => {
    const query = validate(directoryQuery, ctx.query, 'query');
    const before = decodeCursor(query.cursor);
    // One extra row says whether an older page exists, so the last page has no dead "older" link.
    const rows = await repos.users.directory(DIRECTORY_PAGE + 1, before);
    const shown = rows.slice(0, DIRECTORY_PAGE);
    await views.page(ctx, 'pages/users', {
      title: 'Users',
      people: shown.map((row) => personView(row, instance.domain)),
      next: rows.length > DIRECTORY_PAGE ? `/users?cursor=${encodeCursor(shown[shown.length - 1]!.id)}` : null,
      first: before !== undefined,
      total: await repos.users.count(),
    });
  });
}

/** The profile page of a local user, for browsers. */
export async function renderProfile(ctx: AppContext, deps: PeopleDeps, user: UserRow): Promise<void> {
  const { services, views } = deps;
  const { repos, instance } = services;
  const [summary, recent, followers] = await Promise.all([
    repos.users.summary(user.id),
    repos.assets.list({ ownerId: user.id, limit: RECENT_ASSETS }),
    repos.followers.withActors(user.id, `${instance.publicUrl}/users/`, FOLLOWERS_SHOWN),
  ]);
  if (!summary) throw new NotFound(`No user "${user.username}" on ${instance.domain}.`);
  const person = personView(summary, instance.domain);
  await views.page(ctx, 'pages/user', {
    title: person.displayName,
    person,
    actorUrl: `${instance.publicUrl}/users/${encodeURIComponent(user.username)}`,
    // L2 accounts publish; they never follow anyone, so the following collection is always empty.
    following: 0,
    assets: recent.map((row) => services.assets.view(row)),
    followers: followers.map(followerView),
    isSelf: ctx.state.resolvedSession?.user.id === user.id,
  });
}
