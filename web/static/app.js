/*
 * The web chat page. Privacy rules this file keeps:
 * - nothing is stored in the browser: the session id lives in a variable only
 *   (no localStorage, sessionStorage, cookies or IndexedDB);
 * - every message is put on the page with textContent, never as HTML, and every
 *   call link is built with DOM calls from digits checked here again;
 * - quick exit (button, or Esc twice) clears the page and replaces it in the
 *   history with a neutral site, so Back does not come back here.
 */
(function () {
  "use strict";

  var ESC_WINDOW_MS = 1500;
  var LINK_PATTERN = /https?:\/\/[^\s<>"']+/g;
  var TRAILING_PUNCTUATION = /[.,;:!?)\]}'"»“”]+$/;
  var DIAL_DIGITS = /^[0-9]{3,15}$/;
  // Announced bubbles kept in the live region: older ones are removed quietly.
  var ANNOUNCED_KEPT = 6;

  var config = JSON.parse(
    document.querySelector('meta[name="webchat-config"]').getAttribute("content")
  );
  var params = new URLSearchParams(window.location.search);
  var embedded = params.get("embed") === "1" && window.parent !== window;
  var language = pickLanguage();
  var sessionId = newSessionId();
  var socket = null;
  var exiting = false;
  var lastEscape = 0;
  // True from sending a message until the first bubble of its reply arrives.
  var awaitingReply = false;
  // The first bubble of the latest reply, kept at the top of the view while the
  // rest of the reply arrives (until the reader scrolls or writes again).
  var replyFirst = null;
  var reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

  var chat = document.querySelector(".chat");
  var log = document.getElementById("log");
  var input = document.getElementById("message");
  var typing = document.getElementById("typing");
  var status = document.getElementById("status");
  var announcer = document.getElementById("announcer");
  var confirmBox = document.getElementById("delete-confirm");

  // The page's language for a locale code ("uk-UA" -> "uk"), or null. Languages
  // the page does not have are answered in the nearest one it has (sk -> cs,
  // ru -> uk: config.nearestLanguage, from referrals/text.py).
  function languageOf(locale) {
    var code = String(locale || "").split(/[-_]/)[0].toLowerCase();
    code = config.nearestLanguage[code] || code;
    return config.languages.indexOf(code) >= 0 ? code : null;
  }

  // The widget's choice (?lang=), else the first of the browser's languages the
  // page has, else Czech.
  function pickLanguage() {
    var wanted = [params.get("lang")].concat(navigator.languages || [navigator.language]);
    for (var i = 0; i < wanted.length; i++) {
      var code = languageOf(wanted[i]);
      if (code) return code;
    }
    return "cs";
  }

  function newSessionId() {
    if (window.crypto.randomUUID) return window.crypto.randomUUID();
    // randomUUID needs a secure context (https or localhost); same format otherwise.
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return (b + 0x100).toString(16).slice(1);
    }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20),
      hex.slice(20)].join("-");
  }

  function t(key, lang) {
    return config.strings[lang || language][key] || config.strings.cs[key] || "";
  }

  function applyLanguage() {
    document.documentElement.lang = language;
    document.title = t("title");
    document.querySelectorAll("[data-text]").forEach(function (el) {
      el.textContent = t(el.getAttribute("data-text"));
    });
    document.querySelectorAll("[data-label]").forEach(function (el) {
      el.setAttribute("aria-label", t(el.getAttribute("data-label")));
    });
    document.querySelectorAll("[data-placeholder]").forEach(function (el) {
      el.setAttribute("placeholder", t(el.getAttribute("data-placeholder")));
    });
    document.querySelectorAll("#languages button").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.lang === language));
    });
    document.querySelectorAll(".speaker").forEach(function (el) {
      el.textContent = t(el.getAttribute("data-speaker")) + " ";
    });
  }

  // The language switch: one button per language, named in its own language
  // (and marked with its lang, so that a screen reader says it right).
  function addLanguageButtons() {
    var group = document.getElementById("languages");
    config.languages.forEach(function (code) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "tool language";
      button.lang = code;
      button.textContent = t("language_name", code);
      button.addEventListener("click", function () {
        language = code;
        applyLanguage();
      });
      group.appendChild(button);
    });
  }

  // -- messages -----------------------------------------------------------------

  function speaker(key) {
    var label = document.createElement("span");
    label.className = "speaker visually-hidden";
    label.setAttribute("data-speaker", key);
    label.textContent = t(key) + " ";
    return label;
  }

  function safeLink(raw) {
    var url;
    try {
      url = new URL(raw);
    } catch (error) {
      return null;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return null;
    var link = document.createElement("a");
    link.href = url.href;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    link.textContent = raw;
    return link;
  }

  // Text with its http(s) links as anchors; everything else stays plain text.
  function appendLinkified(parent, text) {
    var position = 0;
    text.replace(LINK_PATTERN, function (match, offset) {
      var raw = match.replace(TRAILING_PUNCTUATION, "");
      var link = safeLink(raw);
      if (!link) return match;
      parent.appendChild(document.createTextNode(text.slice(position, offset)));
      parent.appendChild(link);
      position = offset + raw.length;
      return match;
    });
    parent.appendChild(document.createTextNode(text.slice(position)));
  }

  // What scrolls: the conversation, or in a short view (style.css) the page.
  function scroller() {
    return getComputedStyle(chat).overflowY === "visible"
      ? document.scrollingElement
      : chat;
  }

  function scrollTo(element, top) {
    element.scrollTo({ top: top, behavior: reducedMotion.matches ? "auto" : "smooth" });
  }

  function showLatest() {
    var element = scroller();
    scrollTo(element, element.scrollHeight);
  }

  // The first bubble of a reply at the top of the view: a child on a small
  // screen reads the opener and the helplines first, not the last question.
  function showFromTop(bubble) {
    var element = scroller();
    var viewTop = element === chat
      ? chat.getBoundingClientRect().top
      : document.querySelector(".bar").getBoundingClientRect().bottom;
    var offset = bubble.getBoundingClientRect().top - viewTop;
    scrollTo(element, element.scrollTop + offset - 8);
  }

  // Screen readers hear each new bot bubble once, not the whole log again.
  function announce(text) {
    var line = document.createElement("p");
    line.textContent = text;
    announcer.appendChild(line);
    while (announcer.childElementCount > ANNOUNCED_KEPT) {
      announcer.removeChild(announcer.firstElementChild);
    }
  }

  function addBubble(who, text) {
    var bubble = document.createElement("div");
    bubble.className = "message " + who;
    bubble.appendChild(speaker(who === "user" ? "you" : "assistant"));
    var body = document.createElement("span");
    if (who === "bot") appendLinkified(body, text);
    else body.textContent = text;
    bubble.appendChild(body);
    log.appendChild(bubble);
    return bubble;
  }

  // One tel: link per helpline of the bubble (`custom.helplines`), dialling the
  // dataset's digits; an entry without valid digits is left out.
  function addCallLinks(helplines) {
    var group = document.createElement("div");
    group.className = "calls";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", t("call_label"));
    helplines.forEach(function (helpline) {
      if (!helpline || typeof helpline !== "object") return;
      var dial = String(helpline.dial || "");
      if (!DIAL_DIGITS.test(dial)) return;
      var link = document.createElement("a");
      link.className = "call";
      link.href = "tel:" + dial;
      link.textContent = String(helpline.label || helpline.number || dial);
      if (helpline.name) link.title = String(helpline.name);
      group.appendChild(link);
    });
    if (group.childElementCount) log.appendChild(group);
  }

  function addButtons(buttons) {
    var group = document.createElement("div");
    group.className = "choices";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", t("buttons_label"));
    buttons.forEach(function (choice) {
      var title = String(choice.title || "");
      if (!title) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "choice";
      button.textContent = title;
      button.addEventListener("click", function () {
        group.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
        // The tapped button is disabled now: keep the keyboard in the composer.
        input.focus({ preventScroll: true });
        send(String(choice.payload || title), title);
      });
      group.appendChild(button);
    });
    log.appendChild(group);
  }

  function onBotMessage(message) {
    if (!message || typeof message !== "object") return;
    var first = null;
    if (typeof message.text === "string" && message.text) {
      first = addBubble("bot", message.text);
      announce(t("assistant") + " " + message.text);
    }
    var custom = message.custom;
    if (custom && typeof custom === "object" && Array.isArray(custom.helplines)) {
      addCallLinks(custom.helplines);
    }
    var buttons = message.quick_replies || message.buttons;
    if (Array.isArray(buttons) && buttons.length) addButtons(buttons);
    if (first && awaitingReply) {
      awaitingReply = false;
      typing.hidden = true;
      replyFirst = first;
    }
    // Again after each bubble: the first one can reach the top only once the
    // bubbles below it give the view room to scroll.
    if (replyFirst) showFromTop(replyFirst);
  }

  function send(text, shown) {
    text = text.trim();
    if (!text || !socket) return;
    addBubble("user", shown || text);
    awaitingReply = true;
    replyFirst = null;
    typing.hidden = false;
    announce(t("typing"));
    showLatest();
    var data = { message: text, session_id: sessionId, lang: language };
    socket.emit(config.userEvent, data);
  }

  // -- quick exit, delete -------------------------------------------------------

  function clearConversation() {
    log.replaceChildren();
    announcer.replaceChildren();
    input.value = "";
    typing.hidden = true;
    awaitingReply = false;
    replyFirst = null;
  }

  function quickExit() {
    if (exiting) return;
    exiting = true;
    clearConversation();
    document.body.replaceChildren();
    if (socket) socket.disconnect();
    socket = null;
    if (embedded) {
      // The widget on the embedding page leaves that page (it checks our origin).
      // The page is already empty; it blanks itself a moment later, in case no
      // widget listens. Navigating at once could drop the message (seen in CI).
      window.parent.postMessage({ type: "webchat:quick-exit" }, "*");
      setTimeout(function () { window.location.replace("about:blank"); }, 250);
      return;
    }
    window.location.replace(config.exitUrl);
  }

  function onKeyDown(event) {
    if (event.key !== "Escape") return;
    var now = Date.now();
    if (now - lastEscape <= ESC_WINDOW_MS) quickExit();
    lastEscape = now;
  }

  function showConfirm(open) {
    confirmBox.hidden = !open;
    if (open) document.getElementById("delete-yes").focus();
    else document.getElementById("delete").focus();
  }

  function onDeleted(answer) {
    var ok = Boolean(answer && answer.ok);
    if (ok) {
      clearConversation();
      sessionId = newSessionId();
      socket.emit("session_request", { session_id: sessionId });
    }
    status.textContent = t(ok ? "deleted" : "delete_failed");
  }

  // -- wiring ---------------------------------------------------------------------

  // A window less than 40 rem high (200 % zoom, large text): the page scrolls as
  // a whole (style.css, .short-view).
  function fitView() {
    var rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    document.body.classList.toggle("short-view", window.innerHeight < 40 * rem);
  }

  function connect() {
    status.textContent = t("connecting");
    var url = window.location.origin + (config.namespace === "/" ? "" : config.namespace);
    socket = window.io(url, {
      path: config.socketPath,
      transports: ["websocket", "polling"],
      withCredentials: false,
    });
    socket.on("connect", function () {
      status.textContent = "";
      socket.emit("session_request", { session_id: sessionId });
    });
    socket.on("disconnect", function () {
      if (!exiting) status.textContent = t("offline");
    });
    socket.on("connect_error", function () {
      status.textContent = t("offline");
    });
    socket.on(config.botEvent, onBotMessage);
    socket.on(config.deletedEvent, onDeleted);
  }

  document.addEventListener("keydown", onKeyDown, true);
  document.getElementById("quick-exit").addEventListener("click", quickExit);
  document.getElementById("delete").addEventListener("click", function () {
    showConfirm(true);
  });
  document.getElementById("delete-no").addEventListener("click", function () {
    showConfirm(false);
  });
  document.getElementById("delete-yes").addEventListener("click", function () {
    showConfirm(false);
    if (socket) socket.emit("delete_conversation", {});
  });
  document.getElementById("composer").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    input.value = "";
    send(text);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      document.getElementById("composer").requestSubmit();
    }
  });

  window.addEventListener("resize", fitView);
  ["wheel", "touchmove"].forEach(function (type) {
    window.addEventListener(type, function () { replyFirst = null; }, { passive: true });
  });
  fitView();
  addLanguageButtons();
  applyLanguage();
  connect();
})();
