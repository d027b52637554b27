import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { configDir, CredentialStore } from '../../src/cli/artdag/credentials.js';
import { readEnv } from '../../src/cli/artdag/environment.js';

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'artdag-credentials-'));
});

const login = (token: string, username = 'alice') => ({ token, username, saved_at: '2026-01-01T00:00:00.000Z' });

describe('where credentials live', () => {
  it('uses $ARTDAG_CONFIG_DIR, else $XDG_CONFIG_HOME/artdag, else ~/.config/artdag', () => {
    expect(configDir(readEnv({ ARTDAG_CONFIG_DIR: '/tmp/x', XDG_CONFIG_HOME: '/xdg', HOME: '/home/a' }))).toBe('/tmp/x');
    expect(configDir(readEnv({ XDG_CONFIG_HOME: '/xdg', HOME: '/home/a' }))).toBe('/xdg/artdag');
    expect(configDir(readEnv({ XDG_CONFIG_HOME: '', HOME: '/home/a' }))).toBe('/home/a/.config/artdag');
  });

  it('reads ARTDAG_SERVER, ignoring an empty value', () => {
    expect(readEnv({ ARTDAG_SERVER: 'https://l2.example', HOME: '/h' }).server).toBe('https://l2.example');
    expect(readEnv({ ARTDAG_SERVER: ' ', HOME: '/h' }).server).toBeUndefined();
  });
});

describe('the credentials file', () => {
  it('is created with mode 0600 in a new 0700 directory, as {servers, default}', () => {
    const dir = path.join(root, 'nested', 'artdag');
    const store = new CredentialStore(dir);
    store.save('https://l2.example', login('t1'));
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(store.file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(store.file, 'utf8'))).toEqual({
      servers: { 'https://l2.example': login('t1') },
      default: 'https://l2.example',
    });
    expect(fs.readdirSync(dir)).toEqual(['credentials.json']);
  });

  it('keeps one token per server, and the last login is the default', () => {
    const store = new CredentialStore(root);
    store.save('https://a.example', login('ta', 'alice'));
    store.save('http://localhost:8200', login('tb', 'bob'));
    expect(store.get('https://a.example')?.token).toBe('ta');
    expect(store.get('http://localhost:8200')?.username).toBe('bob');
    expect(store.read().default).toBe('http://localhost:8200');
    store.save('https://a.example', login('ta2', 'alice'));
    expect(store.get('https://a.example')?.token).toBe('ta2');
    expect(Object.keys(store.read().servers)).toHaveLength(2);
    expect(fs.statSync(store.file).mode & 0o777).toBe(0o600);
  });

  it('forgets one server and moves the default to another saved one, then to none', () => {
    const store = new CredentialStore(root);
    store.save('https://a.example', login('ta'));
    store.save('https://b.example', login('tb'));
    expect(store.remove('https://b.example')).toBe(true);
    expect(store.read()).toEqual({ servers: { 'https://a.example': login('ta') }, default: 'https://a.example' });
    expect(store.remove('https://b.example')).toBe(false);
    store.remove('https://a.example');
    expect(store.read()).toEqual({ servers: {} });
  });

  it('reads as empty when missing, and names the file when it is not valid', () => {
    const store = new CredentialStore(root);
    expect(store.read()).toEqual({ servers: {} });
    fs.writeFileSync(store.file, '{"servers": ');
    expect(() => store.read()).toThrow(`${store.file} is not valid JSON`);
    fs.writeFileSync(store.file, '[]');
    expect(() => store.read()).toThrow(`${store.file} has no "servers" object`);
  });
});
