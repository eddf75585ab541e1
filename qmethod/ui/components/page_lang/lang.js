// Sets the page's language (<html lang>) so screen readers read Norwegian texts with a Norwegian
// voice (WCAG 3.1.1). Renders nothing.
export default function pageLang(component) {
  const lang = component.data && component.data.lang;
  if (typeof lang === "string" && /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/.test(lang)) {
    document.documentElement.setAttribute("lang", lang);
  }
}
