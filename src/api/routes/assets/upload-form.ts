// The browser's upload form (/assets/new) and its multipart submission: errors are shown next to their fields
// with the typed values kept (a file input cannot be refilled, so the page says to choose it again).
import { ASSET_TYPES } from '../../../domain/asset-rules.js';
import { AppError } from '../../../domain/errors.js';
import type { UserRow } from '../../../db/repositories/users-repository.js';
import type { Services } from '../../../services/index.js';
import type { AppContext } from '../../context.js';
import { fieldIssues } from '../../validate.js';
import type { Views } from '../../views.js';
import { uploadFields } from './assets.schema.js';
import { receiveUpload, type Upload } from './upload.js';

const LABELS: Record<string, string> = { name: 'Name', asset_type: 'Type', tags: 'Tags', description: 'Description' };
const VALUE_FIELDS = ['name', 'asset_type', 'tags', 'description'] as const;
type Values = Partial<Record<(typeof VALUE_FIELDS)[number], string>>;

function valuesOf(fields: Upload['fields']): Values {
  const values: Values = {};
  for (const key of VALUE_FIELDS) {
    const value = fields[key];
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) values[key] = first;
  }
  return values;
}

function sentence(field: string, message: string): string {
  const label = LABELS[field] ?? field;
  return /^(must|is|at most|cannot)\b/.test(message) ? `${label} ${message}.` : `${label}: ${message}.`;
}

export class UploadForm {
  constructor(
    private readonly services: Services,
    private readonly views: Views,
    private readonly maxContentBytes: number,
  ) {}

  async show(ctx: AppContext, values: Values = {}, errors: Record<string, string> = {}, status = 200): Promise<void> {
    const failed = Object.keys(errors).length > 0;
    await this.views.page(
      ctx,
      'pages/asset-new',
      {
        title: 'Upload an asset',
        values,
        errors,
        types: ASSET_TYPES.map((t) => ({ value: t, label: t })),
        maxSize: `${Math.floor(this.maxContentBytes / 1_000_000).toLocaleString('en')} MB`,
        formError: failed ? 'The asset was not registered: correct the fields marked below, then choose the file again.' : null,
      },
      status,
    );
  }

  /** The multipart POST /assets of a signed-in browser: 303 to the new asset, or the form again. */
  async submit(ctx: AppContext, user: UserRow): Promise<void> {
    const store = this.services.storage.serverStore;
    const fields: Upload['fields'] = {};
    const errors: Record<string, string> = {};
    let status = 400;
    let received: Upload | null = null;
    try {
      received = await receiveUpload(ctx, store, this.maxContentBytes, () => undefined, fields);
      if (!received.stored) errors.file = 'Choose a file to upload.';
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      errors.file = err.message;
      status = err.status;
    }
    const parsed = uploadFields.safeParse(fields);
    if (!parsed.success) {
      for (const issue of fieldIssues(parsed.error)) errors[issue.path.split('.')[0]!] ??= sentence(issue.path, issue.message);
    }
    const stored = received?.stored ?? null;
    try {
      if (!parsed.success || !stored || errors.file) return await this.show(ctx, valuesOf(fields), errors, status);
      const input = parsed.data;
      const { asset } = await this.services.assets.register(user, {
        name: input.name,
        contentHash: stored.contentHash,
        assetType: input.asset_type,
        tags: input.tags ?? [],
        description: input.description || null,
        ipfsCid: null,
        provenance: null,
        l1Server: null,
        runId: null,
        sizeBytes: stored.size,
        mediaType: received!.mediaType,
      });
      await this.services.jobs.startPin(stored.contentHash);
      ctx.status = 303;
      ctx.redirect(`/asset/${encodeURIComponent(asset.name)}`);
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      // Taken name or already-registered content: a conflict the user can fix in the form.
      errors[err.code === 'name_taken' ? 'name' : 'file'] = err.message;
      await this.show(ctx, valuesOf(fields), errors, err.status);
    } finally {
      // Keep no bytes that no asset owns.
      if (stored && ctx.status !== 303 && !(await this.services.repos.assets.findByHash(stored.contentHash))) {
        await store.remove(stored.contentHash);
      }
    }
  }
}
