// The door's check-in page (events/templates/events/admin/check_in.html).
// Without this script every row is a form that posts and comes back; with
// it, a tap is sent with fetch() and the row and count are set from the
// answer, never before it: a tap that fails says so and changes nothing.
// Every answer lists who is marked now, so a second phone's ticks catch up
// at its next tap, and every few seconds while the page is in view.
(() => {
  const page = document.querySelector("[data-check-in]");
  if (!page) {
    return;
  }
  const NOT_SAVED = "Not saved: tap again";
  const count = document.getElementById("arrival-count");
  const search = document.getElementById("checkin-search");
  const nobody = document.getElementById("checkin-nobody");
  const listChanged = document.getElementById("checkin-list-changed");
  const offline = document.getElementById("checkin-offline");
  const rows = [...page.querySelectorAll(".checkin__person")];
  const expectedWhenOpened = Number(page.dataset.expected);
  const csrfInput = page.querySelector("input[name=csrfmiddlewaretoken]");

  function showAttended(row, attended) {
    const button = row.querySelector("button");
    button.setAttribute("aria-pressed", attended ? "true" : "false");
    // The next tap asks for the other state, explicitly.
    button.value = attended ? "0" : "1";
    row.querySelector(".checkin__state").textContent = attended ? "Attended ✓" : "Mark attended";
  }

  function isAttended(row) {
    return row.querySelector("button").getAttribute("aria-pressed") === "true";
  }

  function showArrivals(arrivals) {
    if (count.textContent !== arrivals.count) {
      count.textContent = arrivals.count;
    }
    const attended = new Set(arrivals.attended);
    for (const row of rows) {
      if (row.querySelector("button") && !row.dataset.saving) {
        showAttended(row, attended.has(Number(row.dataset.booking)));
      }
    }
    // A walk-in added, or a booking cancelled, on another phone: this page has no row for them yet.
    listChanged.hidden = arrivals.expected === expectedWhenOpened;
  }

  async function askJson(url, options) {
    const response = await fetch(url, {
      credentials: "same-origin",
      ...options,
      headers: { Accept: "application/json", ...(options && options.headers) },
      // Gives up on a tap left unanswered (where the browser can: Safari before 16 waits on).
      signal: "timeout" in AbortSignal ? AbortSignal.timeout(10000) : undefined,
    });
    // Signed out meanwhile, the admin answers with its sign-in page: that is no answer.
    const isJson = (response.headers.get("Content-Type") || "").includes("application/json");
    return { ok: response.ok && isJson, body: isJson ? await response.json() : null };
  }

  page.addEventListener("submit", async (event) => {
    const form = event.target;
    const row = form.closest(".checkin__person");
    if (!row) {
      return;
    }
    event.preventDefault();
    if (row.dataset.saving) {
      return;
    }
    const button = form.querySelector("button");
    const wasAttended = isAttended(row);
    const problem = row.querySelector(".checkin__problem");
    const data = new FormData(form);
    data.set("attended", button.value);
    row.dataset.saving = "true";
    row.classList.remove("checkin__person--not-saved");
    button.setAttribute("aria-busy", "true");
    problem.textContent = "";
    row.querySelector(".checkin__state").textContent = "Saving…";
    let answer = { ok: false, body: null };
    try {
      answer = await askJson(form.action, { method: "POST", body: data, headers: { "X-CSRFToken": csrfInput.value } });
    } catch {
      // Offline, or no answer in time: nothing is known to be saved.
    }
    delete row.dataset.saving;
    button.removeAttribute("aria-busy");
    if (answer.ok) {
      offline.hidden = true;
      showArrivals(answer.body);
    } else {
      showAttended(row, wasAttended);
      row.classList.add("checkin__person--not-saved");
      problem.textContent = answer.body && answer.body.error ? `Not saved: ${answer.body.error}` : NOT_SAVED;
    }
  });

  function filter() {
    const terms = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const row of rows) {
      row.hidden = !terms.every((term) => row.dataset.search.includes(term));
      shown += row.hidden ? 0 : 1;
    }
    nobody.hidden = shown > 0;
    const address = new URL(window.location.href);
    if (terms.length) {
      address.searchParams.set("q", search.value.trim());
    } else {
      address.searchParams.delete("q");
    }
    // A reload, or the way back from adding a walk-in, keeps the search.
    window.history.replaceState(null, "", address);
    for (const input of page.querySelectorAll(".checkin__person input[name=q]")) {
      input.value = search.value.trim();
    }
  }
  search.addEventListener("input", filter);
  search.form.addEventListener("submit", (event) => {
    event.preventDefault();
    filter();
  });

  async function refresh() {
    if (document.visibilityState !== "visible") {
      return;
    }
    try {
      const answer = await askJson(page.dataset.stateUrl);
      offline.hidden = answer.ok;
      if (answer.ok) {
        showArrivals(answer.body);
      }
    } catch {
      offline.hidden = false;
    }
  }
  window.setInterval(refresh, Number(page.dataset.refreshSeconds) * 1000);
  document.addEventListener("visibilitychange", refresh);
})();
