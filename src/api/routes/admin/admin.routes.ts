// The operator page (/admin): where background work stands. The Temporal UI link, the delivery queue by host,
// failing and unavailable hosts, anchors not yet on Bitcoin, and L1 notifications that keep failing.
// HTML only; signed-out browsers are sent to log in, other accounts get a 403 page.
import { Forbidden } from '../../../domain/errors.js';
import type { Services } from '../../../services/index.js';
import type { AppRouter } from '../../context.js';
import type { Views } from '../../views.js';
import { age, anchorPageView } from '../anchors/anchors.pages.js';

const ROWS = 50;
const OLDEST_ANCHORS = 10;
const NOTIFICATIONS = 20;

export interface AdminDeps {
  services: Services;
  views: Views;
  /** Null when neither TEMPORAL_UI_URL nor an embedded dev server gives one. */
  temporalUiUrl: string | null;
  temporalNamespace: string;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function adminRoutes(router: AppRouter, deps: AdminDeps): void {
  const { services, views, temporalUiUrl, temporalNamespace } = deps;
  const { repos } = services;

  router.get('/admin', async (ctx) => {
    const session = await ctx.state.session().catch(() => null);
    if (!session) return ctx.redirect(`/login?next=${encodeURIComponent('/admin')}`);
    if (!session.user.is_operator) throw new Forbidden('The operator page is for the operator account of this server.', 'not_operator');
    ctx.set('Cache-Control', 'no-store');
    const now = Date.now();
    const [queue, hosts, counts, unanchored, unconfirmed, notifications] = await Promise.all([
      repos.deliveries.queueByHost(ROWS),
      repos.deliveries.troubledHosts(ROWS),
      repos.anchors.countsByStatus(),
      repos.anchors.countUnanchored(),
      repos.anchors.unconfirmed(OLDEST_ANCHORS),
      repos.renderers.failingNotifications(NOTIFICATIONS),
    ]);
    await views.page(ctx, 'pages/admin', {
      title: 'Operator',
      temporal: temporalUiUrl
        ? { url: temporalUiUrl, workflows: `${temporalUiUrl}/namespaces/${encodeURIComponent(temporalNamespace)}/workflows` }
        : null,
      namespace: temporalNamespace,
      queue: queue.map((q) => ({ ...q, oldest: q.oldest.toISOString(), age: age(q.oldest, now), next_attempt_at: iso(q.next_attempt_at) })),
      hosts: hosts.map((h) => ({
        ...h,
        failing_since: iso(h.failing_since),
        failing_for: h.failing_since ? age(h.failing_since, now) : null,
        last_failure_at: iso(h.last_failure_at),
        last_success_at: iso(h.last_success_at),
      })),
      anchors: {
        created: counts.created ?? 0,
        pending: counts.pending ?? 0,
        unanchored,
        oldest: unconfirmed.map((a) => anchorPageView(a, now)),
      },
      notifications: notifications.map((n) => ({
        username: n.username,
        l1_server: n.l1_server,
        kind: n.kind === 'revoke' ? 'detach' : 'log out',
        status: n.status,
        attempts: n.attempts,
        last_error: n.last_error,
        created_at: n.created_at.toISOString(),
        age: age(n.created_at, now),
      })),
    });
  });
}
