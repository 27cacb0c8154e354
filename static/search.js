// The search page: queries the Pagefind index written by the build. No framework, no third party.
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const input = document.getElementById("q");
const base = status.dataset.base;
const SHOWN = 20;
let pagefind = null;

async function index() {
  if (!pagefind) {
    pagefind = await import(base + "pagefind/pagefind.js");
    await pagefind.options({ baseUrl: base });
  }
  return pagefind;
}

function item(data) {
  const li = document.createElement("li");
  const link = document.createElement("a");
  link.href = data.url;
  link.textContent = data.meta.title;
  const excerpt = document.createElement("p");
  excerpt.textContent = data.excerpt.replace(/<[^>]*>/g, "");
  li.append(link, excerpt);
  return li;
}

async function run(query) {
  const q = query.trim();
  history.replaceState(null, "", q ? "?q=" + encodeURIComponent(q) : location.pathname);
  if (!q) {
    list.replaceChildren();
    status.textContent = "";
    return;
  }
  const search = await (await index()).debouncedSearch(q, {}, 150);
  if (search === null) return; // a newer query replaced this one
  const found = await Promise.all(search.results.slice(0, SHOWN).map((r) => r.data()));
  list.replaceChildren(...found.map(item));
  const n = search.results.length;
  status.textContent = n
    ? `${n} ${n === 1 ? "page" : "pages"} found${n > SHOWN ? `; the first ${SHOWN} are shown` : ""}.`
    : "No guide matches. Try the payer's name, the drug's brand or generic name, or the A–Z list.";
}

input.addEventListener("input", () => run(input.value));
input.form.addEventListener("submit", (event) => {
  event.preventDefault();
  run(input.value);
});
const asked = new URLSearchParams(location.search).get("q");
if (asked) {
  input.value = asked;
  run(asked);
}
