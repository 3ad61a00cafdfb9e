/* "Enable push notifications in this browser" on the notification settings page:
   registers the service worker, subscribes with the platform's VAPID public key
   (RFC 8292 applicationServerKey) and sends PushSubscription.toJSON() to the API. */
(function () {
  "use strict";
  const enable = document.getElementById("push-enable");
  const disable = document.getElementById("push-disable");
  const status = document.getElementById("push-status");
  if (!enable || !status) return;
  const text = enable.dataset;
  const say = (message) => { status.textContent = message; };

  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    say(text.msgUnsupported);
    return;
  }

  function csrfToken() {
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function keyBytes(base64url) {
    const base64 = (base64url + "===".slice((base64url.length + 3) % 4))
      .replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  }

  function sameKey(subscription, key) {
    const current = subscription.options && subscription.options.applicationServerKey;
    if (!current) return true;
    const a = new Uint8Array(current);
    return a.length === key.length && a.every((byte, i) => byte === key[i]);
  }

  async function api(url, method, body) {
    const response = await fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok && response.status !== 404) {
      let detail = response.statusText;
      try { detail = (await response.json()).detail; } catch (error) { /* not JSON */ }
      throw new Error(typeof detail === "string" ? detail : JSON.stringify(detail));
    }
    return response;
  }

  async function currentSubscription() {
    const registration = await navigator.serviceWorker.getRegistration(text.swUrl);
    return registration ? registration.pushManager.getSubscription() : null;
  }

  function show(subscribed) {
    enable.hidden = subscribed;
    disable.hidden = !subscribed;
  }

  enable.addEventListener("click", async () => {
    enable.disabled = true;
    try {
      if (await Notification.requestPermission() !== "granted") {
        say(text.msgDenied);
        return;
      }
      const registration = await navigator.serviceWorker.register(text.swUrl, { scope: "/" });
      await navigator.serviceWorker.ready;
      const keyResponse = await fetch(text.keyUrl, { credentials: "same-origin" });
      if (!keyResponse.ok) throw new Error(keyResponse.statusText);
      const key = keyBytes((await keyResponse.json()).public_key);
      let subscription = await registration.pushManager.getSubscription();
      if (subscription && !sameKey(subscription, key)) {
        await subscription.unsubscribe();  // the platform's key changed since
        subscription = null;
      }
      if (!subscription) {
        subscription = await registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: key,
        });
      }
      await api(text.subscriptionsUrl, "POST", subscription.toJSON());
      show(true);
      say(text.msgEnabled);
    } catch (error) {
      say(text.msgFailed + " " + error.message);
    } finally {
      enable.disabled = false;
    }
  });

  disable.addEventListener("click", async () => {
    disable.disabled = true;
    try {
      const subscription = await currentSubscription();
      if (subscription) {
        await api(text.subscriptionsUrl, "DELETE", { endpoint: subscription.endpoint });
        await subscription.unsubscribe();
      }
      show(false);
      say(text.msgDisabled);
    } catch (error) {
      say(text.msgFailedOff + " " + error.message);
    } finally {
      disable.disabled = false;
    }
  });

  currentSubscription().then((subscription) => show(Boolean(subscription)), () => show(false));
})();
