// legolog dashboard: enhancements only. Pages are complete without this script.
//  * Tables with `data-sortable` sort by a click on a column header.
//  * Live pages follow /events (server-sent events carrying a change counter); when the history
//    changes, the page's `[data-live-region]` elements are fetched again and swapped in, and
//    rows that were not there when the page was opened are marked new.
// No inline script, no eval, no innerHTML from strings we build: the server's escaped HTML is
// parsed with DOMParser (which runs no script) and its nodes are adopted.
"use strict";

(function () {
  function cellValue(row, idx) {
    const cell = row.cells[idx];
    if (!cell) return "";
    return cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent.trim();
  }

  function sortTable(table, idx, th) {
    const body = table.tBodies[0];
    if (!body) return;
    const asc = !th.classList.contains("sorted-asc");
    table.querySelectorAll("th").forEach(function (h) {
      h.classList.remove("sorted-asc", "sorted-desc");
    });
    th.classList.add(asc ? "sorted-asc" : "sorted-desc");
    const rows = Array.from(body.rows);
    rows.sort(function (a, b) {
      const x = cellValue(a, idx), y = cellValue(b, idx);
      const nx = Number(x), ny = Number(y);
      const cmp = (x !== "" && y !== "" && !isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
      return asc ? cmp : -cmp;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }

  function enableSorting(root) {
    root.querySelectorAll("table[data-sortable]").forEach(function (table) {
      const head = table.tHead;
      if (!head || !head.rows[0]) return;
      Array.from(head.rows[0].cells).forEach(function (th, idx) {
        if (th.querySelector("a")) return; // the server sorts this column (paged table)
        th.dataset.sort = "1";
        th.addEventListener("click", function () { sortTable(table, idx, th); });
      });
    });
  }

  // Keys of rows present when the page was opened, per live region.
  const seen = {};
  function rememberRows(region) {
    const keys = seen[region.id] || (seen[region.id] = new Set());
    region.querySelectorAll("[data-key]").forEach(function (el) { keys.add(el.dataset.key + "|" + (el.dataset.count || "")); });
  }

  function markNew(region) {
    const keys = seen[region.id];
    let n = 0;
    region.querySelectorAll("[data-key]").forEach(function (el) {
      const key = el.dataset.key + "|" + (el.dataset.count || "");
      if (!keys.has(key)) {
        el.classList.add("new");
        const cell = el.cells ? el.cells[0] : el;
        if (cell && !cell.querySelector(".badge-new")) {
          const badge = document.createElement("span");
          badge.className = "badge-new";
          badge.textContent = "new";
          cell.appendChild(badge);
        }
        n++;
      }
    });
    return n;
  }

  let counter = Number(document.body.dataset.counter || 0);
  let fetching = false, again = false;
  const status = document.getElementById("live-status");

  function say(text) { if (status) status.textContent = text; }

  function refresh() {
    if (fetching) { again = true; return; }
    fetching = true;
    // The page as of now: the server answers a page kept from before the change to other
    // requests while it makes the new one, never to this one.
    fetch(window.location.href, { headers: { "Accept": "text/html", "X-Legolog-Fresh": "1" }, cache: "no-store" })
      .then(function (res) { return res.ok ? res.text() : Promise.reject(res.status); })
      .then(function (text) {
        const doc = new DOMParser().parseFromString(text, "text/html");
        let fresh = 0;
        document.querySelectorAll("[data-live-region]").forEach(function (region) {
          const next = doc.getElementById(region.id);
          if (!next) return;
          const adopted = document.importNode(next, true);
          region.replaceWith(adopted);
          fresh += markNew(adopted);
          enableSorting(adopted);
        });
        document.body.dataset.counter = String(counter);
        say(fresh ? fresh + " new since opened" : "up to date");
      })
      .catch(function () { say("update failed"); })
      .finally(function () {
        fetching = false;
        if (again) { again = false; refresh(); }
      });
  }

  function follow() {
    if (document.body.dataset.live !== "on" || !window.EventSource) return;
    document.querySelectorAll("[data-live-region]").forEach(rememberRows);
    const events = new EventSource("/events");
    events.addEventListener("open", function () { say("live"); });
    events.addEventListener("change", function (e) {
      const now = Number(e.data);
      if (now !== counter) { counter = now; refresh(); }
    });
    events.addEventListener("error", function () { say("reconnecting…"); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    enableSorting(document);
    follow();
  });
})();
