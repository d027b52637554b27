// How stored content is served. Its media type is whatever the uploader (or an L1) declared, so nothing stored may
// run as a page or a script on this origin: every answer is sandboxed, only plain media is shown inline, and any
// other type is served as opaque bytes to download (a script type would otherwise pass CSP's script-src 'self').
const INLINE = /^(image\/(?!svg)[\w.+-]+|video\/[\w.+-]+|audio\/[\w.+-]+|text\/plain)$/;

/** For content a browser may navigate to: no scripts, no plugins, an opaque origin, only the media itself. */
export const CONTENT_SECURITY_POLICY = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox";

export function contentHeaders(mediaType: string | null, name: string): { type: string; disposition: string } {
  const essence = (mediaType ?? '').split(';')[0]!.trim().toLowerCase();
  if (INLINE.test(essence)) return { type: mediaType!, disposition: `inline; filename="${name}"` };
  // SVG keeps its type so <img> can show it; opened on its own it is a download, and sandboxed regardless.
  const type = essence === 'image/svg+xml' ? 'image/svg+xml' : 'application/octet-stream';
  return { type, disposition: `attachment; filename="${name}"` };
}
