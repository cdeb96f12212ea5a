// koppel serve: one box that selects or clears every row of the relation queue.
"use strict";
(function () {
  const all = document.getElementById("select-all");
  if (!all) return;
  const boxes = () => document.querySelectorAll('#queue input[name="relations"]');
  all.hidden = false;
  all.addEventListener("change", () => boxes().forEach((box) => { box.checked = all.checked; }));
})();
