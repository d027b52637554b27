// Routes that serve only browsers (pages and form posts): they are not part of the JSON API, so the OpenAPI
// document leaves them out. Every other route must be described there (a test checks both directions).
export const HTML_ONLY_ROUTES: readonly string[] = [
  'GET /login',
  'POST /login',
  'GET /register',
  'POST /register',
  'GET /logout',
  'POST /logout',
  'GET /device',
  'POST /device',
  'GET /static/build/:file',
  // The interactive API reference and the Swagger UI files it loads; /openapi.json describes itself.
  'GET /docs',
  'GET /docs/assets/:file',
  'GET /assets/new',
  'GET /asset/:name',
  'GET /asset/:name/anchor',
  'GET /users',
  'GET /admin',
  'GET /anchors/ui',
  'POST /storage',
  'GET /storage/type/:type',
  'GET /storage/type',
  'GET /storage/:id/edit',
  'POST /storage/:id/edit',
  'GET /storage/:id/delete',
  'POST /storage/:id/delete',
];
