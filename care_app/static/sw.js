// Service worker: shows pushed alerts while the app is closed and opens the incident on tap.
// The payload is the router's Web Push JSON (title, body, url or incident_id).
self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { title: event.data.text() }; }
  var url = data.incident_id ? "/incidents/" + data.incident_id : (data.url || "/");
  event.waitUntil(self.registration.showNotification(data.title || "Silverguard", {
    body: data.body || "",
    tag: data.incident_id || "silverguard",
    renotify: true,
    requireInteraction: true,
    icon: "/static/icon.svg",
    data: { url: url }
  }));
});
self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/";
  event.waitUntil(self.clients.matchAll({ type: "window" }).then(function (list) {
    for (var i = 0; i < list.length; i++) {
      if ("focus" in list[i]) { list[i].navigate(url); return list[i].focus(); }
    }
    return self.clients.openWindow(url);
  }));
});
