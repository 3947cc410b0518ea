// Live updates for the bed finder's pages: listens to the server-sent events named by
// <meta name="nimo-live" content="/path"> and reloads the page when something changed. Without
// this script (or EventSource), the page's own <meta http-equiv="refresh"> keeps polling.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="nimo-live"]');
  if (!meta || typeof window.EventSource !== "function") {
    return;
  }
  var source = new EventSource(meta.getAttribute("content"));
  source.addEventListener("changed", function () {
    // Do not reload under a user who is typing into a form.
    var active = document.activeElement;
    if (active && (active.tagName === "INPUT" || active.tagName === "SELECT" || active.tagName === "TEXTAREA")) {
      return;
    }
    source.close();
    window.location.reload();
  });
})();
