// WebFinger resources: `acct:user@domain` or a local actor URL, resolved to a local username.
export type ResourceResult = { username: string } | { error: 'malformed' | 'not_local' };

export function parseResource(resource: string, domain: string, publicUrl: string): ResourceResult {
  const acct = /^acct:@?([^@\s]+)@([^@\s]+)$/i.exec(resource);
  if (acct) {
    return acct[2]!.toLowerCase() === domain.toLowerCase() ? { username: acct[1]!.toLowerCase() } : { error: 'not_local' };
  }
  if (/^https?:\/\//i.test(resource)) {
    const prefix = `${publicUrl}/users/`;
    if (!resource.startsWith(prefix)) return { error: 'not_local' };
    const rest = resource.slice(prefix.length);
    return /^[a-z0-9_]{1,30}$/.test(rest) ? { username: rest } : { error: 'not_local' };
  }
  return { error: 'malformed' };
}
