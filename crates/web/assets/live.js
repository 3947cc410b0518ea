// Live updates for the bed finder's pages: listens to the server-sent events named by
// <meta name="nimo-live" content="/path"> and, when something changed, fetches the page again and
// replaces only its live regions (elements with data-live and an id). What the user types is
// never lost: a form outside the regions is never touched, and a region holding the focus or a
// changed form field waits until the user leaves it. Without this script (or EventSource), the
// page's <noscript> refresh keeps polling.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="nimo-live"]');
  if (!meta || typeof window.EventSource !== "function" || typeof window.fetch !== "function" ||
      typeof window.DOMParser !== "function") {
    return;
  }
  var pending = false;
  var busy = false;

  function changed(field) {
    if (field.type === "checkbox" || field.type === "radio") {
      return field.checked !== field.defaultChecked;
    }
    if (field.tagName === "SELECT") {
      for (var i = 0; i < field.options.length; i++) {
        if (field.options[i].selected !== field.options[i].defaultSelected) {
          return true;
        }
      }
      return false;
    }
    return field.type !== "hidden" && field.value !== field.defaultValue;
  }

  // Whether the user is at work in a region: its focus, or a field with a changed value.
  function touched(region) {
    var active = document.activeElement;
    if (active && active !== document.body && region.contains(active)) {
      return true;
    }
    var fields = region.querySelectorAll("input, select, textarea");
    for (var i = 0; i < fields.length; i++) {
      if (changed(fields[i])) {
        return true;
      }
    }
    return false;
  }

  function regions() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-live][id]"));
  }

  function update() {
    if (busy) {
      pending = true;
      return;
    }
    if (regions().some(touched)) {
      pending = true;
      return;
    }
    busy = true;
    pending = false;
    window.fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        regions().forEach(function (region) {
          var next = fresh.getElementById(region.id);
          if (!next) {
            return;
          }
          if (touched(region)) {
            pending = true;
            return;
          }
          region.replaceWith(document.importNode(next, true));
        });
      })
      .catch(function () {
        pending = true;
      })
      .then(function () {
        busy = false;
      });
  }

  var source = new EventSource(meta.getAttribute("content"));
  source.addEventListener("changed", update);
  // A deferred update runs once the user leaves the region (or every few seconds after).
  document.addEventListener("focusout", function () {
    if (pending) {
      window.setTimeout(update, 0);
    }
  });
  window.setInterval(function () {
    if (pending) {
      update();
    }
  }, 5000);
})();
