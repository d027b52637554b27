// Starts Swagger UI on the /docs page (an external file because the CSP allows no inline script). It reads the
// spec from this server only, never calls a validator service, and lets "Try it out" work for a signed-in browser
// by sending the page's CSRF token with each request to this origin.
/* global window, document, MutationObserver, SwaggerUIBundle */
window.addEventListener('DOMContentLoaded', () => {
  const root = document.getElementById('swagger-ui');
  const csrf = document.querySelector('meta[name="csrf-token"]');
  const token = csrf ? csrf.getAttribute('content') : '';
  window.ui = SwaggerUIBundle({
    url: root.getAttribute('data-spec'),
    domNode: root,
    // Deep links put a link inside each operation's toggle button (nested controls confuse screen readers).
    deepLinking: false,
    // The default validator badge asks a public service to check the document: no request leaves this host.
    validatorUrl: null,
    // The highlighter's colours fall short of AA contrast; plain text reads as well.
    syntaxHighlight: false,
    presets: [SwaggerUIBundle.presets.apis],
    // The document names one server, this one: its chooser offers no choice, and is an unlabelled select.
    plugins: [() => ({ components: { ServersContainer: () => null } })],
    layout: 'BaseLayout',
    requestInterceptor: (request) => {
      if (token && new URL(request.url, window.location.href).origin === window.location.origin) {
        request.headers['X-CSRF-Token'] = token;
      }
      return request;
    },
  });

  // Swagger UI leaves the value controls of parameters unlabelled, and its scrolling code blocks out of keyboard
  // reach: name each control after its parameter, and let the blocks take focus.
  const mend = () => {
    for (const row of root.querySelectorAll('tr[data-param-name]')) {
      const name = `${row.getAttribute('data-param-name')} (${row.getAttribute('data-param-in')})`;
      for (const control of row.querySelectorAll('select:not([aria-label]), input:not([aria-label]), textarea:not([aria-label])')) {
        control.setAttribute('aria-label', name);
      }
    }
    for (const block of root.querySelectorAll('pre:not([tabindex])')) block.setAttribute('tabindex', '0');
  };
  new MutationObserver(mend).observe(root, { childList: true, subtree: true });
});
