/*
 * The embeddable web chat: put this on any page of an allowed origin
 *
 *   <script src="https://CHAT-SERVER/webhooks/webchat/widget.js" defer></script>
 *
 * It adds a button that opens the chat page in a frame. Quick exit (the chat's
 * button, or Esc twice anywhere on the page) removes the frame and replaces the
 * embedding page with a neutral site, so Back does not return to it. The widget
 * stores nothing in the browser. `data-exit-url` on the script tag may name
 * another neutral http(s) site.
 *
 * It starts only on a page of an origin configured for the chat
 * (`cors_allowed_origins` in credentials.yml); elsewhere it adds nothing and says
 * why in the console. The server refuses such a site anyway: the chat page may be
 * framed only by those origins, and the socket accepts only them.
 */
(function () {
  "use strict";

  var CONFIG = /*__WEBCHAT_CONFIG__*/ null;
  var ESC_WINDOW_MS = 1500;

  var script = document.currentScript;
  if (!script || !CONFIG) return;
  if ((CONFIG.allowedOrigins || []).indexOf(window.location.origin) < 0) {
    window.console.warn(
      "Support chat: " + window.location.origin + " is not an allowed origin " +
      "of this chat (cors_allowed_origins); the widget is not shown."
    );
    return;
  }
  var chatUrl = new URL("./", script.src);
  var chatOrigin = chatUrl.origin;
  var exitUrl = /^https?:\/\//.test(script.dataset.exitUrl || "")
    ? script.dataset.exitUrl
    : CONFIG.exitUrl;
  var language = pickLanguage();
  var strings = CONFIG.strings[language];

  var frame = null;
  var panel = document.createElement("div");
  var launcher = document.createElement("button");
  var lastEscape = 0;

  // The first of the browser's languages the chat has (sk -> cs, ru -> uk, as
  // CONFIG.nearestLanguage says), else the embedding page's, else Czech.
  function pickLanguage() {
    var wanted = (navigator.languages || [navigator.language])
      .concat([document.documentElement.lang]);
    for (var i = 0; i < wanted.length; i++) {
      var code = String(wanted[i] || "").split(/[-_]/)[0].toLowerCase();
      code = CONFIG.nearestLanguage[code] || code;
      if (CONFIG.languages.indexOf(code) >= 0) return code;
    }
    return "cs";
  }

  function style(element, rules) {
    Object.keys(rules).forEach(function (name) {
      element.style[name] = rules[name];
    });
  }

  function leave() {
    panel.remove();
    launcher.remove();
    window.location.replace(exitUrl);
  }

  function toggle() {
    var open = panel.hidden;
    if (open && !frame) {
      frame = document.createElement("iframe");
      frame.title = strings.title;
      frame.src = chatUrl.href + "?embed=1&lang=" + language;
      frame.referrerPolicy = "no-referrer";
      style(frame, { width: "100%", height: "100%", border: "0" });
      panel.appendChild(frame);
    }
    panel.hidden = !open;
    launcher.textContent = open ? strings.close_chat : strings.open_chat;
    launcher.setAttribute("aria-expanded", String(open));
    if (open) frame.focus();
  }

  panel.hidden = true;
  style(panel, {
    position: "fixed", right: "12px", bottom: "72px", zIndex: "2147483646",
    width: "min(400px, calc(100vw - 24px))", height: "min(640px, calc(100vh - 96px))",
    boxShadow: "0 4px 24px rgba(0,0,0,.3)", borderRadius: "12px", overflow: "hidden",
    background: "#fff",
  });
  launcher.type = "button";
  launcher.textContent = strings.open_chat;
  launcher.setAttribute("aria-expanded", "false");
  style(launcher, {
    position: "fixed", right: "12px", bottom: "12px", zIndex: "2147483647",
    minHeight: "48px", padding: "8px 18px", border: "0", borderRadius: "24px",
    background: "#24364b", color: "#fff", font: "600 16px system-ui, sans-serif",
    cursor: "pointer",
  });
  launcher.addEventListener("click", toggle);

  window.addEventListener("message", function (event) {
    if (event.origin !== chatOrigin || !frame || event.source !== frame.contentWindow) {
      return;
    }
    if (event.data && event.data.type === "webchat:quick-exit") leave();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var now = Date.now();
    if (now - lastEscape <= ESC_WINDOW_MS) leave();
    lastEscape = now;
  }, true);

  document.body.appendChild(panel);
  document.body.appendChild(launcher);
})();
