// The slice of RFC 8941 structured fields that HTTP message signatures need: dictionaries in, items and inner lists out.

export type BareItem =
  | { kind: 'integer' | 'decimal'; value: number }
  | { kind: 'string' | 'token'; value: string }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'bytes'; value: Buffer };

export type Parameters = Map<string, BareItem>;

export interface Item {
  value: BareItem;
  params: Parameters;
}

export interface InnerList {
  items: Item[];
  params: Parameters;
}

export type Member = Item | InnerList;

export class StructuredFieldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StructuredFieldError';
  }
}

export const isInnerList = (member: Member): member is InnerList => 'items' in member;

const KEY_START = /[a-z*]/;
const KEY_CHAR = /[a-z0-9_\-.*]/;
const TOKEN_START = /[A-Za-z*]/;
const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z:/]/;

/** Standard base64, padded or not, that re-encodes to itself: no stray bits that would let two spellings mean the same bytes. */
export function isCanonicalBase64(text: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return false;
  const canonical = Buffer.from(text, 'base64').toString('base64');
  return text === canonical || text === canonical.replace(/=+$/, '');
}

/** Parses a dictionary field value; throws StructuredFieldError on anything RFC 8941 does not allow. */
export function parseDictionary(text: string): Map<string, Member> {
  const parser = new Parser(text);
  const dictionary = new Map<string, Member>();
  parser.skip(' ');
  while (!parser.done()) {
    const key = parser.key();
    if (parser.peek() === '=') {
      parser.pos++;
      dictionary.set(key, parser.peek() === '(' ? parser.innerList() : parser.item());
    } else {
      dictionary.set(key, { value: { kind: 'boolean', value: true }, params: parser.parameters() });
    }
    parser.skip(' \t');
    if (parser.done()) break;
    parser.expect(',');
    parser.skip(' \t');
    if (parser.done()) throw new StructuredFieldError('trailing comma');
  }
  return dictionary;
}

class Parser {
  pos = 0;
  constructor(private readonly text: string) {}

  done = () => this.pos >= this.text.length;
  peek = () => this.text[this.pos];

  skip(chars: string): void {
    while (!this.done() && chars.includes(this.text[this.pos] as string)) this.pos++;
  }

  expect(char: string): void {
    if (this.peek() !== char) throw new StructuredFieldError(`expected "${char}" at position ${this.pos}`);
    this.pos++;
  }

  private take(pattern: RegExp): string {
    const start = this.pos;
    while (!this.done() && pattern.test(this.text[this.pos] as string)) this.pos++;
    return this.text.slice(start, this.pos);
  }

  key(): string {
    if (!KEY_START.test(this.peek() ?? '')) throw new StructuredFieldError(`expected a key at position ${this.pos}`);
    return this.take(KEY_CHAR);
  }

  parameters(): Parameters {
    const params: Parameters = new Map();
    while (this.peek() === ';') {
      this.pos++;
      this.skip(' ');
      const key = this.key();
      let value: BareItem = { kind: 'boolean', value: true };
      if (this.peek() === '=') {
        this.pos++;
        value = this.bareItem();
      }
      params.set(key, value);
    }
    return params;
  }

  item(): Item {
    const value = this.bareItem();
    return { value, params: this.parameters() };
  }

  innerList(): InnerList {
    this.expect('(');
    const items: Item[] = [];
    for (;;) {
      this.skip(' ');
      if (this.peek() === ')') break;
      items.push(this.item());
      if (this.peek() !== ' ' && this.peek() !== ')') throw new StructuredFieldError(`expected " " or ")" at position ${this.pos}`);
    }
    this.pos++;
    return { items, params: this.parameters() };
  }

  bareItem(): BareItem {
    const c = this.peek() ?? '';
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    if (c === '"') return this.string();
    if (c === ':') return this.bytes();
    if (c === '?') return this.boolean();
    if (TOKEN_START.test(c)) return { kind: 'token', value: this.take(TOKEN_CHAR) };
    throw new StructuredFieldError(`unexpected "${c}" at position ${this.pos}`);
  }

  private number(): BareItem {
    const match = /^-?(\d{1,15})(\.\d{1,3})?/.exec(this.text.slice(this.pos, this.pos + 20));
    if (!match || (match[2] !== undefined && (match[1] as string).length > 12)) {
      throw new StructuredFieldError(`bad number at position ${this.pos}`);
    }
    this.pos += match[0].length;
    if (/^\d/.test(this.peek() ?? '')) throw new StructuredFieldError(`number too long at position ${this.pos}`);
    return { kind: match[2] === undefined ? 'integer' : 'decimal', value: Number(match[0]) };
  }

  private string(): BareItem {
    this.pos++;
    let value = '';
    for (;;) {
      const c = this.text[this.pos++];
      if (c === undefined) throw new StructuredFieldError('unterminated string');
      if (c === '"') return { kind: 'string', value };
      if (c === '\\') {
        const escaped = this.text[this.pos++];
        if (escaped !== '"' && escaped !== '\\') throw new StructuredFieldError(`bad escape at position ${this.pos - 1}`);
        value += escaped;
      } else if (c < ' ' || c > '~') {
        throw new StructuredFieldError(`character ${JSON.stringify(c)} not allowed in a string`);
      } else {
        value += c;
      }
    }
  }

  private bytes(): BareItem {
    const end = this.text.indexOf(':', this.pos + 1);
    if (end < 0) throw new StructuredFieldError('unterminated byte sequence');
    const encoded = this.text.slice(this.pos + 1, end);
    if (encoded !== '' && !isCanonicalBase64(encoded)) throw new StructuredFieldError('byte sequence is not canonical base64');
    this.pos = end + 1;
    return { kind: 'bytes', value: Buffer.from(encoded, 'base64') };
  }

  private boolean(): BareItem {
    const c = this.text[this.pos + 1];
    if (c !== '0' && c !== '1') throw new StructuredFieldError(`bad boolean at position ${this.pos}`);
    this.pos += 2;
    return { kind: 'boolean', value: c === '1' };
  }
}

export function serializeBareItem(item: BareItem): string {
  switch (item.kind) {
    case 'integer':
      return String(item.value);
    case 'decimal': {
      const text = String(Math.round(item.value * 1000) / 1000);
      return text.includes('.') ? text : `${text}.0`;
    }
    case 'string':
      return `"${item.value.replace(/[\\"]/g, '\\$&')}"`;
    case 'token':
      return item.value;
    case 'boolean':
      return item.value ? '?1' : '?0';
    case 'bytes':
      return `:${item.value.toString('base64')}:`;
  }
}

export function serializeParameters(params: Parameters): string {
  let text = '';
  for (const [key, value] of params) text += value.kind === 'boolean' && value.value ? `;${key}` : `;${key}=${serializeBareItem(value)}`;
  return text;
}

export const serializeItem = (item: Item): string => serializeBareItem(item.value) + serializeParameters(item.params);

export function serializeMember(member: Member): string {
  if (!isInnerList(member)) return serializeItem(member);
  return `(${member.items.map(serializeItem).join(' ')})${serializeParameters(member.params)}`;
}

export function serializeDictionary(dictionary: Map<string, Member>): string {
  const members: string[] = [];
  for (const [key, member] of dictionary) {
    const bareTrue = !isInnerList(member) && member.value.kind === 'boolean' && member.value.value;
    members.push(bareTrue ? key + serializeParameters(member.params) : `${key}=${serializeMember(member)}`);
  }
  return members.join(', ');
}
