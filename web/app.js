// Progressive enhancement only: every page works without this file (and without HTMX).
// Copy buttons: <button data-copy="#id"> copies the text of the element it names.
document.addEventListener('click', (event) => {
  const button = event.target instanceof Element ? event.target.closest('[data-copy]') : null;
  if (!button) return;
  const source = document.querySelector(button.getAttribute('data-copy'));
  if (!source || !navigator.clipboard) return;
  navigator.clipboard.writeText(source.textContent.trim()).then(
    () => {
      button.setAttribute('data-copied', 'true');
      button.textContent = 'Copied';
    },
    () => undefined,
  );
});
