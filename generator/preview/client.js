// The preview's page script (never in a built site): reload when a rebuild changed the pages,
// and while the last build failed, show its messages above the last good page.
(() => {
  "use strict";
  // The generation the page was served at: a rebuild published before the event stream connects
  // still reloads it.
  let generation = Number(document.currentScript.dataset.generation);
  const events = new EventSource("/__preview/events?path=" + encodeURIComponent(location.pathname));
  events.onmessage = (message) => {
    const state = JSON.parse(message.data);
    if (state.generation !== generation) {
      location.reload();
      return;
    }
    generation = state.generation;
    show(state.errors);
  };

  function show(errors) {
    let box = document.getElementById("preview-errors");
    if (!errors.length) {
      if (box) box.remove();
      return;
    }
    if (!box) {
      box = document.createElement("div");
      box.id = "preview-errors";
      box.setAttribute("role", "alert");
      Object.assign(box.style, {
        position: "fixed", inset: "0 0 auto 0", maxHeight: "70vh", overflow: "auto", zIndex: "2147483647",
        background: "#fff5f5", color: "#5c0000", borderBottom: "4px solid #b00020", padding: "1rem",
        font: "15px/1.45 ui-monospace, Menlo, Consolas, monospace", boxShadow: "0 4px 16px rgba(0,0,0,.25)",
      });
      document.body.appendChild(box);
    }
    const title = document.createElement("strong");
    title.textContent = "The preview could not rebuild. The page below is the last good build.";
    const list = document.createElement("pre");
    Object.assign(list.style, { whiteSpace: "pre-wrap", margin: ".5rem 0 0" });
    list.textContent = errors.join("\n");
    box.replaceChildren(title, list);
  }
})();
