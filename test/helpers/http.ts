// A tiny HTTP client for tests: JSON in and out, optional bearer token, and a cookie jar for browser flows.
export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  token?: string;
  headers?: Record<string, string>;
  json?: unknown;
  form?: Record<string, string>;
  raw?: string | Buffer;
  redirect?: 'manual' | 'follow' | 'error';
}

export class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export function client(baseUrl: string, jar?: CookieJar) {
  async function request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    let body: string | Buffer | undefined;
    if (options.json !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form) {
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    } else if (options.raw !== undefined) {
      body = options.raw;
    }
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (jar && jar.header()) headers.cookie = jar.header();
    const res = await fetch(baseUrl + path, { method, headers, body, redirect: options.redirect ?? 'manual' });
    jar?.store(res.headers);
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }
  return {
    request,
    get: <T = any>(path: string, options?: RequestOptions) => request<T>('GET', path, options),
    post: <T = any>(path: string, options?: RequestOptions) => request<T>('POST', path, options),
  };
}

export async function registerAndLogin(baseUrl: string, username: string, password = 'a good password'): Promise<string> {
  const api = client(baseUrl);
  const reg = await api.post('/auth/register', { json: { username, password } });
  if (reg.status !== 201) throw new Error(`register ${username}: ${reg.status} ${reg.text}`);
  const login = await api.post('/auth/login', { json: { username, password } });
  if (login.status !== 200) throw new Error(`login ${username}: ${login.status} ${login.text}`);
  return login.body.access_token as string;
}

export interface Browser {
  jar: CookieJar;
  api: ReturnType<typeof client>;
  /** The CSRF token forms carry (the artdag_csrf cookie's value). */
  csrf: string;
  /** GET with Accept: text/html, as a browser navigates. */
  page(path: string): Promise<Reply<string>>;
  /** POST a form as a browser submits it (with the CSRF token added). */
  submit(path: string, form: Record<string, string>): Promise<Reply<string>>;
}

const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

/** A browser signed in through the /login form: a cookie jar with the session and CSRF cookies. */
export async function browserLogin(baseUrl: string, username: string, password = 'a good password'): Promise<Browser> {
  const jar = new CookieJar();
  const api = client(baseUrl, jar);
  const login = await api.get('/login', { headers: HTML });
  const csrf = jar.get('artdag_csrf');
  if (login.status !== 200 || !csrf) throw new Error(`GET /login: ${login.status}, no CSRF cookie`);
  const res = await api.post('/login', { form: { _csrf: csrf, username, password }, headers: HTML });
  if (res.status !== 302 || !jar.get('artdag_session'))
    throw new Error(`POST /login as ${username}: ${res.status} ${res.text.slice(0, 200)}`);
  return {
    jar,
    api,
    csrf,
    page: (path) => api.get<string>(path, { headers: HTML }),
    submit: (path, form) => api.post<string>(path, { form: { _csrf: csrf, ...form }, headers: HTML }),
  };
}
