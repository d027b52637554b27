// `artdag assets register FILE`: hash the file locally (SHA3-256, streamed), then upload it as multipart with
// that hash for the server to double-check, or with --no-upload register the hash alone.
import fs from 'node:fs';
import path from 'node:path';
import { ASSET_TYPES } from '../../../domain/asset-rules.js';
import { errorFrom, readJson, type ApiClient } from '../api-client.js';
import { stringValue, type Command, type Context } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { hashFile } from '../file-hash.js';
import { mediaTypeOf } from '../media-type.js';
import { multipartBody, type Part } from '../multipart.js';
import { describeAsset, type Asset } from './asset-view.js';

/** Files this big get progress bars (on a terminal). */
const PROGRESS_FROM_BYTES = 1024 * 1024;

function fileSize(file: string): number {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    throw new CliError(
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
  if (!stat.isFile()) throw new CliError(`${file} is not a regular file`);
  return stat.size;
}

function tagsOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');
}

async function upload(ctx: Context, api: ApiClient, file: string, hash: string, size: number, fields: Part[]): Promise<Response> {
  const body = multipartBody([
    ...fields,
    // Before the file: the server reads it first and refuses bytes that do not hash to it.
    { name: 'content_hash', value: hash },
    {
      name: 'file',
      filename: path.basename(file),
      contentType: mediaTypeOf(file),
      size,
      open: () => fs.createReadStream(file),
    },
  ]);
  const bar = size > PROGRESS_FROM_BYTES ? ctx.out.progress('uploading', size) : undefined;
  try {
    return await api.send('POST', '/assets', {
      body: body.stream((n) => bar?.advance(n)),
      headers: { 'content-type': body.contentType, 'content-length': String(body.length) },
    });
  } finally {
    bar?.done();
  }
}

export const assetsRegister: Command = {
  name: 'assets register',
  summary: 'Register a local file as an asset (uploading it unless --no-upload)',
  args: [{ name: 'FILE' }],
  options: {
    name: { type: 'string', value: 'NAME', help: 'the asset name: a-z, 0-9, ".", "_", "-"' },
    type: { type: 'string', value: 'TYPE', help: `the asset type: ${ASSET_TYPES.join(', ')}` },
    tags: { type: 'string', value: 'a,b', help: 'comma-separated tags' },
    description: { type: 'string', value: 'TEXT', help: 'a description' },
    'no-upload': { type: 'boolean', help: 'register the hash only; the bytes stay on this machine' },
  },
  required: ['name', 'type'],
  exits: [0, 1, 2, 3, 4, 6],
  async run(ctx, { args, values }) {
    const file = args[0]!;
    const type = stringValue(values, 'type')!;
    if (!(ASSET_TYPES as readonly string[]).includes(type)) throw new UsageError(`--type must be one of ${ASSET_TYPES.join(', ')}`);
    // Before hashing: a big file takes a while, and without a login it would be for nothing.
    const api = ctx.requireLogin();
    const size = fileSize(file);
    const hashing = size > PROGRESS_FROM_BYTES ? ctx.out.progress('hashing', size) : undefined;
    const { hash } = await hashFile(file, (n) => hashing?.advance(n)).finally(() => hashing?.done());
    const name = stringValue(values, 'name')!;
    const tags = tagsOf(stringValue(values, 'tags'));
    const description = stringValue(values, 'description');
    let res: Response;
    if (values['no-upload']) {
      res = await api.send('POST', '/assets', {
        json: { name, content_hash: hash, asset_type: type, tags, ...(description !== undefined ? { description } : {}) },
      });
    } else {
      const fields: Part[] = [
        { name: 'name', value: name },
        { name: 'asset_type', value: type },
        ...(tags.length ? [{ name: 'tags', value: tags.join(',') }] : []),
        ...(description !== undefined ? [{ name: 'description', value: description }] : []),
      ];
      res = await upload(ctx, api, file, hash, size, fields);
    }
    const body = await readJson(res);
    if (!res.ok) throw await errorFrom(res, body);
    const asset = body as Asset;
    ctx.out.result(asset, () => `${res.status === 201 ? 'Registered' : 'Already registered'}:\n${describeAsset(asset)}`);
  },
};
