// Runs first in <body>, before anything is drawn, so that NHS.UK components
// styled for JavaScript (the header menu, error summaries) never flash
// unstyled. The frontend library checks these classes before it starts.
document.body.classList.add("js-enabled");
if ("noModule" in HTMLScriptElement.prototype) {
  document.body.classList.add("nhsuk-frontend-supported");
}
