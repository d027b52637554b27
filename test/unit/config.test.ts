import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('uses the seed defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.domain).toBe('artdag.rose-ash.com');
    expect(config.operatorUser).toBe('giles');
    expect(config.dataDir).toBe(path.join(os.homedir(), '.artdag/l2'));
    expect(config.host).toBe('0.0.0.0');
    expect(config.port).toBe(8200);
    expect(config.publicUrl).toBe('https://artdag.rose-ash.com');
    expect(config.temporal).toEqual({ address: undefined, namespace: 'artdag', taskQueue: 'artdag-l2' });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.l1Servers).toEqual([]);
    expect(config.allowPrivateNetwork).toBe(false);
  });

  it('derives the public URL from the domain and strips a trailing slash from an explicit one', () => {
    expect(loadConfig({ ARTDAG_DOMAIN: 'l2.example.org' }).publicUrl).toBe('https://l2.example.org');
    expect(loadConfig({ PUBLIC_URL: 'http://127.0.0.1:8200/' }).publicUrl).toBe('http://127.0.0.1:8200');
  });

  it('normalises L1_SERVERS to origins', () => {
    const config = loadConfig({ L1_SERVERS: ' https://l1.example.com/ , http://127.0.0.1:8100/path' });
    expect(config.l1Servers).toEqual(['https://l1.example.com', 'http://127.0.0.1:8100']);
  });

  it('expands ~ in ARTDAG_DATA and resolves relative paths', () => {
    expect(loadConfig({ ARTDAG_DATA: '~/x' }).dataDir).toBe(path.join(os.homedir(), 'x'));
    expect(loadConfig({ ARTDAG_DATA: 'rel/dir' }).dataDir).toBe(path.resolve('rel/dir'));
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' }).port).toBe(8200);
  });

  it.each([
    ['PORT', 'abc', 'a port number'],
    ['PORT', '70000', 'a port number'],
    ['L1_SERVERS', 'ftp://l1.example.com', 'comma-separated list of http(s) URLs'],
    ['ARTDAG_USER', 'Not Valid', 'a username'],
    ['DATABASE_URL', 'mysql://x', 'postgres:// connection URL'],
    ['JWT_SECRET', 'short', 'at least 32 characters'],
    ['TEMPORAL_ADDRESS', 'http://temporal:7233', 'host:port'],
    ['ALLOW_PRIVATE_NETWORK', 'maybe', 'true or false'],
    ['PUBLIC_URL', 'not a url', 'http(s) URL'],
    ['LOG_LEVEL', 'loud', 'one of'],
  ])('refuses %s=%s with one line naming the variable', (name, value, expected) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message.startsWith(`${name}: expected`)).toBe(true);
    expect(message).toContain(expected);
    expect(message).not.toContain('\n');
  });
});
