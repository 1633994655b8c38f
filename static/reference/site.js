// What htmx does not do: keyboard shortcuts, copy buttons, clean search URLs,
// one history entry per search and the search box as the URL has it, the way back
// to the search a code page was reached from, showing why a response could not be explained,
// and loading Giscus only when its thread scrolls into view (no third-party request
// before then).
(function () {
  "use strict";

  document.addEventListener("keydown", function (event) {
    var search = document.getElementById("q");
    if (!search) return;
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName) || event.target.isContentEditable;
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      search.focus();
      search.select();
    } else if (event.key === "Escape" && event.target === search && search.value) {
      event.preventDefault();
      search.value = "";
      // Let htmx refresh the results as if the reader had deleted the text.
      search.dispatchEvent(new Event("input", { bubbles: true }));
    }
  });

  // An empty search box means no search: "/" rather than "/?q=" in the address bar.
  document.addEventListener("htmx:configRequest", function (event) {
    var parameters = event.detail.parameters;
    if (parameters.q !== undefined && !String(parameters.q).trim()) delete parameters.q;
  });

  // "Explain a response" answers 413 and 422 with the reason, which the reader must see:
  // htmx leaves 4xx answers out unless told to swap them.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (event.detail.target.id === "explanation" && (status === 413 || status === 422)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Live search and the browser's history. Each answer replaces the URL while the
  // reader types (the form's hx-replace-url), and a search gets one history entry of
  // its own: its first answer pushes the entry, the next answers replace it, until
  // the search settles (Enter, the box losing focus, or a pause in typing), as
  // GitHub's and MDN's search do. Going back or forward shows the search the URL
  // names, in the box too: the history snapshots and the browser's page cache hold
  // the results but not what was typed after them.
  var SETTLE_AFTER = 1500; // ms without typing
  var searching = false; // this history entry belongs to a search still being typed
  var settleWhenShown = false; // settled before its answer came: end it with that answer
  var settleTimer = null;

  function words(text) {
    return String(text).split(/\s+/).filter(Boolean).join(" "); // as the server reads q
  }

  function shownSearch() {
    return words(new URLSearchParams(location.search).get("q") || "");
  }

  // The search has settled: the next answer starts a new entry. If the box is
  // ahead of the URL, its answer is on the way, and ends the search when it comes.
  function settle() {
    clearTimeout(settleTimer);
    var box = document.getElementById("q");
    if (box && words(box.value) !== shownSearch()) settleWhenShown = true;
    else settled();
  }

  // A live search that settled is reported, with the one settled just before it if
  // that was seconds ago (a rephrasing): the server counts, per query, the searches
  // that found nothing and those rephrased, for the editors (reference/searchlog.py).
  // No identifier is sent; a page loaded with ?q= is counted by the server itself.
  var REPHRASED_WITHIN = 20000; // ms
  var lastSettled = null;
  function settled() {
    var form = document.getElementById("search");
    var query = shownSearch();
    if (searching && form && form.dataset.settledUrl && query && navigator.sendBeacon) {
      var report = new FormData();
      report.append("q", query);
      if (lastSettled && lastSettled.query !== query && Date.now() - lastSettled.at < REPHRASED_WITHIN) {
        report.append("before", lastSettled.query);
      }
      if (!lastSettled || lastSettled.query !== query) navigator.sendBeacon(form.dataset.settledUrl, report);
      lastSettled = { query: query, at: Date.now() };
    }
    forget();
  }

  function typed() {
    clearTimeout(settleTimer);
    settleTimer = setTimeout(settle, SETTLE_AFTER);
  }

  function forget() {
    clearTimeout(settleTimer);
    searching = settleWhenShown = false;
  }

  document.addEventListener("input", function (event) {
    if (event.target.id === "q") typed();
  });
  document.addEventListener("focusout", function (event) {
    if (event.target.id === "q") settle();
  });
  document.addEventListener("keydown", function (event) {
    if (event.target.id === "q" && event.key === "Enter") settle();
  });
  document.addEventListener("submit", function (event) {
    if (event.target.id === "search") settle();
  });

  document.addEventListener("htmx:beforeHistoryUpdate", function (event) {
    var update = event.detail.history;
    var from = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!from || from.id !== "search") return forget(); // a class, a view, a link: an entry of its own
    if (searching) {
      update.type = "replace";
    } else if (update.path === location.pathname + location.search) {
      update.type = "replace"; // the settled search again (Enter twice): no new entry
    } else {
      update.type = "push";
      searching = true;
    }
  });

  function answered() {
    var box = document.getElementById("q");
    if (settleWhenShown && box && words(box.value) === shownSearch()) settled();
    else if (searching) typed(); // the pause counts from the last key or answer
  }
  document.addEventListener("htmx:pushedIntoHistory", answered);
  document.addEventListener("htmx:replacedInHistory", answered);

  // The box, the class and the view as the URL has them (and as the server reads them).
  function showSearchOfUrl() {
    forget();
    var form = document.getElementById("search");
    if (!form) return;
    var params = new URLSearchParams(location.search);
    var classSlug = (params.get("class") || "").trim().toLowerCase();
    form.elements.q.value = params.get("q") || "";
    var classInput = document.getElementById("class-input");
    classInput.value = /^[1-5]xx$/.test(classSlug) ? classSlug : "";
    classInput.disabled = !classInput.value;
    document.getElementById("view-input").disabled = params.get("view") !== "detailed";
  }
  document.addEventListener("htmx:historyRestore", showSearchOfUrl);
  window.addEventListener("popstate", showSearchOfUrl);
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) showSearchOfUrl();
  });

  // Result links carry no query (one URL per page): a code page reached from a
  // search leads back to it, with its scroll position (history.back()).
  function setUpBackLink() {
    var link = document.querySelector("a[data-back-to-search]");
    if (!link || !document.referrer) return;
    var from = new URL(document.referrer);
    var search = new URLSearchParams(from.search);
    var index = new URL(link.href);
    if (from.origin !== location.origin || from.pathname !== index.pathname) return;
    if (!words(search.get("q") || "") && !search.get("class")) return; // the whole list: not a search
    link.href = from.pathname + from.search;
    link.textContent = "← Back to your search";
    link.addEventListener("click", function (event) {
      if (history.length > 1) {
        event.preventDefault();
        history.back();
      }
    });
  }

  function setUpCopyButtons(root) {
    root.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var source = document.getElementById(button.dataset.copy);
        var done = function () {
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = "Copy"; }, 1500);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(source.textContent).then(done);
        } else {
          var range = document.createRange();
          range.selectNodeContents(source);
          var selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
          document.execCommand("copy");
          done();
        }
      });
    });
  }

  function loadGiscus(container) {
    var script = document.createElement("script");
    script.src = "https://giscus.app/client.js";
    script.async = true;
    script.crossOrigin = "anonymous";
    Object.keys(container.dataset).forEach(function (key) {
      script.dataset[key] = container.dataset[key];
    });
    container.appendChild(script);
  }

  function setUpGiscus() {
    var container = document.querySelector(".giscus[data-repo]");
    if (!container) return;
    if (!("IntersectionObserver" in window)) return loadGiscus(container);
    var observer = new IntersectionObserver(function (entries) {
      if (entries.some(function (entry) { return entry.isIntersecting; })) {
        observer.disconnect();
        loadGiscus(container);
      }
    }, { rootMargin: "200px" });
    observer.observe(container);
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpCopyButtons(document);
    setUpBackLink();
    setUpGiscus();
  });
})();
