// What htmx does not do: keyboard shortcuts, copy buttons, clean search URLs,
// the way back to the last search, showing why a response could not be explained,
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

  // Result links carry no query (one URL per page), so the last search is kept
  // here for the code page's way back.
  var LAST_SEARCH = "statuscodes:last-search";

  function rememberSearch() {
    if (!document.getElementById("search")) return;
    try {
      if (location.search) sessionStorage.setItem(LAST_SEARCH, location.pathname + location.search);
      else sessionStorage.removeItem(LAST_SEARCH);
    } catch (error) { /* storage disabled: the link keeps going to the full list */ }
  }
  document.addEventListener("htmx:pushedIntoHistory", rememberSearch);
  window.addEventListener("popstate", rememberSearch);

  function setUpBackLink() {
    var link = document.querySelector("a[data-back-to-search]");
    if (!link) return;
    var last = null;
    try { last = sessionStorage.getItem(LAST_SEARCH); } catch (error) { return; }
    if (!last || last.charAt(0) !== "/") return;
    link.href = last;
    link.textContent = "← Back to your search";
    link.addEventListener("click", function (event) {
      // Straight from that search: going back also restores its scroll position.
      var referrer = document.referrer ? new URL(document.referrer) : null;
      if (referrer && referrer.origin === location.origin && referrer.pathname + referrer.search === last) {
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
    rememberSearch();
    setUpBackLink();
    setUpGiscus();
  });
})();
