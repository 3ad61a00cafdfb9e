/* Service worker of the Smart City Dresden platform: shows Web Push messages.
   The payload is JSON made by smartcity.core.notifications.tasks.push_payload:
   {"title", "body", "url", "tag", "topic", "lang"}. */
"use strict";

const INBOX_URL = "{{ inbox_url|escapejs }}";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let data = {};
  if (event.data) {
    try {
      data = event.data.json();
    } catch (error) {
      data = { body: event.data.text() };
    }
  }
  const options = {
    body: data.body || "",
    data: { url: data.url || INBOX_URL },
  };
  if (data.tag) options.tag = data.tag;
  if (data.lang) options.lang = data.lang;
  event.waitUntil(self.registration.showNotification(data.title || "Smart City Dresden", options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.url) || INBOX_URL,
    self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      for (const client of windows) {
        if (client.url === target && "focus" in client) return client.focus();
      }
      return self.clients.openWindow(target);
    })
  );
});
