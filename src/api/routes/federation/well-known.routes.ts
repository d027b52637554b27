// Discovery: WebFinger (acct: and actor URLs), host-meta, and NodeInfo 2.1 with real counts.
import { actorUrl } from '../../../domain/activity-streams.js';
import { BadRequest, NotFound } from '../../../domain/errors.js';
import { SOFTWARE_NAME, SOFTWARE_VERSION } from '../../../domain/software.js';
import { JRD_JSON } from '../../../federation/media-types.js';
import { parseResource } from '../../../federation/webfinger.js';
import type { Services } from '../../../services/index.js';
import type { AppRouter } from '../../context.js';

const NODEINFO_21 = 'http://nodeinfo.diaspora.software/ns/schema/2.1';

export function wellKnownRoutes(router: AppRouter, deps: { services: Services }): void {
  const { instance, repos } = deps.services;

  router.get('/.well-known/webfinger', async (ctx) => {
    ctx.set('Access-Control-Allow-Origin', '*');
    const resource = ctx.query.resource;
    if (typeof resource !== 'string' || resource === '') {
      throw new BadRequest('Missing "resource" parameter: ask for acct:user@domain or an actor URL.', undefined, 'invalid_resource');
    }
    const parsed = parseResource(resource, instance.domain, instance.publicUrl);
    if ('error' in parsed) {
      if (parsed.error === 'malformed')
        throw new BadRequest(
          `Unsupported resource "${resource}": use acct:user@${instance.domain} or an actor URL.`,
          undefined,
          'invalid_resource',
        );
      throw new NotFound(`"${resource}" is not an account on ${instance.domain}.`);
    }
    const user = await repos.users.findByUsername(parsed.username);
    if (!user) throw new NotFound(`No account "${parsed.username}" on ${instance.domain}.`);
    const actor = actorUrl(instance, user.username);
    ctx.type = JRD_JSON;
    ctx.set('Cache-Control', 'public, max-age=600');
    ctx.body = {
      subject: `acct:${user.username}@${instance.domain}`,
      aliases: [actor],
      links: [
        { rel: 'self', type: 'application/activity+json', href: actor },
        { rel: 'http://webfinger.net/rel/profile-page', type: 'text/html', href: actor },
      ],
    };
  });

  router.get('/.well-known/host-meta', (ctx) => {
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.type = 'application/xrd+xml; charset=utf-8';
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?>
<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">
  <Link rel="lrdd" template="${instance.publicUrl}/.well-known/webfinger?resource={uri}"/>
</XRD>
`;
  });

  router.get('/.well-known/nodeinfo', (ctx) => {
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.body = { links: [{ rel: NODEINFO_21, href: `${instance.publicUrl}/nodeinfo/2.1` }] };
  });

  router.get('/nodeinfo/2.1', async (ctx) => {
    const usage = await repos.stats.nodeInfoUsage();
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.type = `application/json; profile="${NODEINFO_21}#"`;
    ctx.body = {
      version: '2.1',
      software: { name: SOFTWARE_NAME, version: SOFTWARE_VERSION, homepage: instance.publicUrl },
      protocols: ['activitypub'],
      services: { inbound: [], outbound: [] },
      openRegistrations: true,
      usage: {
        users: { total: usage.total, activeMonth: usage.activeMonth, activeHalfyear: usage.activeHalfyear },
        localPosts: usage.localPosts,
      },
      metadata: { nodeName: instance.domain },
    };
  });
}
