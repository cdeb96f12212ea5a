// koppel serve: follow a run this server started (polls the page's progress.json).
"use strict";
(function () {
  const section = document.getElementById("progress");
  if (!section) return;
  const source = section.dataset.source;
  const set = (id, value) => { document.getElementById(id).textContent = value; };

  function show(data) {
    set("fetched", data.fetched);
    set("processed", data.processed);
    set("failed", data.failed);
    set("elapsed", data.elapsed);
    set("state", data.finished ? "finished" : "running");
    const bar = document.getElementById("bar");
    bar.max = Math.max(data.fetched, 1);
    bar.value = data.processed;
    const error = document.getElementById("error");
    error.hidden = !data.error;
    error.textContent = data.error || "";
    if (data.summary) {
      document.getElementById("summary-link").href = data.summary;
      document.getElementById("summary").hidden = false;
    }
  }

  async function poll() {
    let data;
    try {
      const answer = await fetch(source, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!answer.ok) throw new Error(answer.status);
      data = await answer.json();
    } catch (problem) {
      setTimeout(poll, 3000);
      return;
    }
    show(data);
    if (!data.finished) setTimeout(poll, 500);
    else if (data.summary) window.location.assign(data.summary);
  }
  poll();
})();
