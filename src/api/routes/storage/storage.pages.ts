// The browser side of storage providers: the /storage page with its add form (per-type fields swapped in by
// HTMX, or re-rendered by the form itself without JavaScript), edit and delete-confirmation pages, and the
// full-page connection test result. Credentials are never written back into a page.
import { z } from 'zod';
import { AppError, NotFound } from '../../../domain/errors.js';
import type { Services } from '../../../services/index.js';
import type { Diagnosis } from '../../../storage/storage-provider.js';
import type { AppContext, AppRouter } from '../../context.js';
import { requireSession } from '../../middleware/authenticate.js';
import { fieldIssues, validate } from '../../validate.js';
import type { Views } from '../../views.js';
import { editFromForm, editInput, fromForm, providerInput } from './storage.schema.js';

export const TYPES = ['local', 's3', 'ipfs'] as const;
type ProviderType = (typeof TYPES)[number];
type Form = Record<string, unknown>;
interface FormState {
  values: Record<string, unknown>;
  errors: Record<string, string>;
  type: ProviderType;
}

export const idParam = z.coerce.number({ error: 'must be a provider id' }).int().positive({ error: 'must be a provider id' });
const CREDENTIALS = new Set(['_csrf', 'access_key_id', 'secret_access_key', 'authorization']);
const NOTICES: Record<string, string> = { added: 'Provider added.', saved: 'Changes saved.', deleted: 'Provider deleted.' };

const isType = (value: unknown): value is ProviderType => (TYPES as readonly unknown[]).includes(value);
const formOf = (ctx: AppContext): Form => (ctx.request.body && typeof ctx.request.body === 'object' ? (ctx.request.body as Form) : {});

/** What the user typed, to show again: everything but the token and the credentials. */
function kept(form: Form): Record<string, unknown> {
  return Object.fromEntries(Object.entries(form).filter(([k, v]) => !CREDENTIALS.has(k) && typeof v === 'string'));
}

/** Field errors keyed by the form field's name (the last segment of the schema path). */
function errorsOf(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of fieldIssues(error)) out[issue.path.split('.').pop()!] ??= issue.message;
  return out;
}

function errorOf(err: unknown): { status: number; errors: Record<string, string> } {
  if (!(err instanceof AppError) || err.status >= 500) throw err;
  const field = typeof err.details?.field === 'string' ? err.details.field.split('.').pop()! : 'name';
  return { status: err.status, errors: { [field]: err.message } };
}

export interface StoragePageDeps {
  services: Services;
  views: Views;
}

/** The /storage page: the providers, the add form, and what just happened (a notice or a test result). */
export async function renderStorage(
  ctx: AppContext,
  deps: StoragePageDeps,
  options: { status?: number; form?: FormState; tested?: { id: number; diagnosis: Diagnosis } } = {},
): Promise<void> {
  const session = await requireSession(ctx);
  const type = isType(ctx.query.type) ? ctx.query.type : 'local';
  const notice = typeof ctx.query.notice === 'string' ? (NOTICES[ctx.query.notice] ?? null) : null;
  await deps.views.page(
    ctx,
    'pages/storage',
    {
      title: 'Storage',
      mode: 'list',
      providers: await deps.services.storage.list(session.user.id),
      form: options.form ?? { values: {}, errors: {}, type },
      types: TYPES,
      tested: options.tested ?? null,
      notice,
    },
    options.status ?? 200,
  );
}

export function storagePages(router: AppRouter, deps: StoragePageDeps): void {
  const { storage } = deps.services;
  const { views } = deps;

  async function providerPage(ctx: AppContext, mode: 'edit' | 'delete', form?: Omit<FormState, 'type'>, status = 200) {
    const session = await requireSession(ctx);
    const provider = storage.view(await storage.owned(session.user.id, validate(idParam, ctx.params.id, 'path')));
    const values = form?.values ?? { name: provider.name, enabled: provider.enabled ? 'on' : '', ...provider.config };
    const title = mode === 'edit' ? `Edit ${provider.name}` : `Delete ${provider.name}`;
    await views.page(ctx, 'pages/storage', { title, mode, provider, form: { values, errors: form?.errors ?? {} } }, status);
  }

  // /storage/type/s3 as in the seed; /storage/type?type=s3 is what the HTMX select sends.
  router.get(['/storage/type/:type', '/storage/type'], async (ctx) => {
    const type = String(ctx.params.type ?? ctx.query.type ?? '');
    if (!isType(type)) throw new NotFound(`No storage type "${type}": use local, s3 or ipfs.`);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = await views.fragment(`partials/storage-${type}`, { values: {}, errors: {} });
  });

  router.post('/storage', async (ctx) => {
    const session = await requireSession(ctx);
    const form = formOf(ctx);
    const type = isType(form.type) ? form.type : 'local';
    const values = kept(form);
    // Without JavaScript, "Show the fields" posts the form to switch type: same values, the other type's fields.
    if (form.intent === 'switch') return renderStorage(ctx, deps, { form: { values, errors: {}, type } });
    const parsed = providerInput.safeParse(fromForm(form));
    if (!parsed.success) return renderStorage(ctx, deps, { status: 400, form: { values, errors: errorsOf(parsed.error), type } });
    try {
      await storage.create(session.user.id, parsed.data);
    } catch (err) {
      const { status, errors } = errorOf(err);
      return renderStorage(ctx, deps, { status, form: { values, errors, type } });
    }
    ctx.status = 303;
    ctx.redirect('/storage?notice=added');
  });

  router.get('/storage/:id/edit', (ctx) => providerPage(ctx, 'edit'));

  router.post('/storage/:id/edit', async (ctx) => {
    const session = await requireSession(ctx);
    const id = validate(idParam, ctx.params.id, 'path');
    const row = await storage.owned(session.user.id, id);
    const form = formOf(ctx);
    const values = kept(form);
    const parsed = editInput(row.provider_type).safeParse(editFromForm(row.provider_type, form));
    if (!parsed.success) return providerPage(ctx, 'edit', { values, errors: errorsOf(parsed.error) }, 400);
    const data = parsed.data as { name: string; enabled: boolean; config?: Record<string, unknown>; secrets?: Record<string, unknown> };
    // Optional settings left blank are cleared, not kept: name them so the merge with the stored config drops them.
    const config = row.provider_type === 's3' ? { endpoint: undefined, prefix: undefined, ...data.config } : data.config;
    try {
      await storage.update(session.user.id, id, { name: data.name, enabled: data.enabled, config, secrets: data.secrets });
    } catch (err) {
      const { status, errors } = errorOf(err);
      return providerPage(ctx, 'edit', { values, errors }, status);
    }
    ctx.status = 303;
    ctx.redirect('/storage?notice=saved');
  });

  router.get('/storage/:id/delete', (ctx) => providerPage(ctx, 'delete'));

  router.post('/storage/:id/delete', async (ctx) => {
    const session = await requireSession(ctx);
    await storage.remove(session.user.id, validate(idParam, ctx.params.id, 'path'));
    ctx.status = 303;
    ctx.redirect('/storage?notice=deleted');
  });
}
