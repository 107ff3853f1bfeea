// The live queue (server-sent events relayed by the app, rendered on the server) and the
// Web Push subscription. No strings here: every text comes from the translated page.
(function () {
  "use strict";
  var queue = document.getElementById("queue");
  var live = document.getElementById("live");
  if (queue && window.EventSource) {
    var source = new EventSource("/queue/stream");
    source.addEventListener("queue", function (e) {
      queue.innerHTML = e.data;
      live.textContent = "";
      queue.dataset.updated = String(Date.now());
    });
    source.addEventListener("gone", function (e) {
      if (e.data === "401") { window.location.href = "/login?expired=1"; }
    });
    source.onerror = function () { live.textContent = queue.dataset.offline; };
  }
  // ages keep counting between updates (the page's clock against the incident's opening)
  function tick() {
    var spans = document.querySelectorAll(".age[data-opened]");
    for (var i = 0; i < spans.length; i++) {
      var opened = Date.parse(spans[i].dataset.opened);
      if (!isNaN(opened)) {
        var n = Math.max(0, Math.floor((Date.now() - opened) / 60000));
        spans[i].textContent = spans[i].dataset.fmt.replace("{n}", String(n));
      }
    }
  }
  window.setInterval(tick, 30000);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" });
  }
  var push = document.getElementById("push");
  if (push) {
    push.addEventListener("click", function () {
      subscribe(push).catch(function () { push.textContent = push.dataset.failed; });
    });
  }
  function urlBase64ToUint8Array(text) {
    var padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    return Uint8Array.from(raw, function (c) { return c.charCodeAt(0); });
  }
  function subscribe(button) {
    return Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { throw new Error(permission); }
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      return reg.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: urlBase64ToUint8Array(button.dataset.key)
      });
    }).then(function (subscription) {
      return fetch("/push/subscriptions", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": button.dataset.csrf },
        body: JSON.stringify(subscription.toJSON())
      });
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      button.textContent = button.dataset.done;
      button.disabled = true;
    });
  }
})();
