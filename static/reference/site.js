// What htmx does not do: keyboard shortcuts, copy buttons, and loading Giscus
// only when its thread scrolls into view (no third-party request before then).
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
    setUpGiscus();
  });
})();
