// Starts the NHS.UK frontend components (header menu, error summary, buttons).
// The library's address comes from the script tag so that it carries the
// hashed file name the production static storage gives it.
const script = document.querySelector("script[data-nhsuk-frontend]");

if (script) {
  import(script.dataset.nhsukFrontend).then(({ initAll }) => initAll());
}
