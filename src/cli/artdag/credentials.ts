// Saved logins: one token per server origin in credentials.json (mode 0600, in a 0700 directory), and which
// server is the default. The file is replaced atomically so a crash never leaves half a token behind.
import fs from 'node:fs';
import path from 'node:path';
import type { CliEnv } from './environment.js';
import { CliError } from './errors.js';

export interface SavedLogin {
  token: string;
  username: string;
  saved_at: string;
}

export interface CredentialsFile {
  servers: Record<string, SavedLogin>;
  default?: string;
}

/** $ARTDAG_CONFIG_DIR, else $XDG_CONFIG_HOME/artdag, else ~/.config/artdag. */
export function configDir(env: CliEnv): string {
  if (env.configDir) return path.resolve(env.configDir);
  return path.join(env.xdgConfigHome ?? path.join(env.home, '.config'), 'artdag');
}

export class CredentialStore {
  readonly file: string;

  constructor(readonly dir: string) {
    this.file = path.join(dir, 'credentials.json');
  }

  read(): CredentialsFile {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { servers: {} };
      throw new CliError(`cannot read ${this.file}: ${(err as Error).message}`);
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new CliError(`${this.file} is not valid JSON (${(err as Error).message}); fix it or delete it and log in again`);
    }
    const servers = (data as CredentialsFile | null)?.servers;
    if (typeof servers !== 'object' || servers === null) {
      throw new CliError(`${this.file} has no "servers" object; fix it or delete it and log in again`);
    }
    const fallback = (data as CredentialsFile).default;
    return { servers, ...(typeof fallback === 'string' ? { default: fallback } : {}) };
  }

  get(origin: string): SavedLogin | undefined {
    return this.read().servers[origin];
  }

  /** Saves the login and makes its server the default. */
  save(origin: string, login: SavedLogin): void {
    const data = this.read();
    data.servers[origin] = login;
    data.default = origin;
    this.write(data);
  }

  /** Forgets the login; the default moves to another saved server, if any. Returns whether there was one. */
  remove(origin: string): boolean {
    const data = this.read();
    if (!data.servers[origin]) return false;
    delete data.servers[origin];
    if (data.default === origin) {
      const next = Object.keys(data.servers)[0];
      if (next) data.default = next;
      else delete data.default;
    }
    this.write(data);
    return true;
  }

  private write(data: CredentialsFile): void {
    if (fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 }) !== undefined) fs.chmodSync(this.dir, 0o700);
    const temp = `${this.file}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(temp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      fs.renameSync(temp, this.file);
    } catch (err) {
      fs.rmSync(temp, { force: true });
      throw new CliError(`cannot write ${this.file}: ${(err as Error).message}`);
    }
  }
}
