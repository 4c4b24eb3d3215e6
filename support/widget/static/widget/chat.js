/*
 * Kerala Sellers customer chat (/chat/). No framework, no build step.
 *
 * Talks to the public API (/api/v1/conversations/...) with the customer's conversation token
 * and listens on /ws/conversations/<id>/ (the token offered as a subprotocol) for live events. docs/widget.md explains
 * the flow, the storage keys and the reconnect/catch-up rule.
 *
 * SAFETY: every piece of text reaches the page through textContent or createTextNode.
 * Nothing here assigns innerHTML, outerHTML or insertAdjacentHTML, or calls
 * document.write.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("chat-config").textContent);
  var LANGUAGES = config.languages;
  var STRINGS = config.strings;
  var API = config.api_root; // "/api/v1/conversations/"
  var STATUS_RANK = { new: 0, open: 1, escalated: 2, assigned: 3, resolved: 4 };
  var TYPING_SEND_INTERVAL = 2000; // ms between our "typing" frames
  var TYPING_SHOW_FOR = 3000; // ms an agent's "typing" stays on screen
  var GROUP_GAP = 5 * 60 * 1000; // a new bubble group after five quiet minutes
  var PAGE_SIZE = 100;
  var QUEUE_REFRESH = 60000; // ms between reads of the place while waiting (the estimate ages)
  var CATCH_UP_INTERVAL = 60000; // ms between catch-up reads while the socket is open
  var KEYS = {
    userId: "ks-chat:user-id",
    language: "ks-chat:lang",
    conversation: function (userId) {
      return "ks-chat:conversation:" + userId;
    },
  };

  // ---- Storage: localStorage, or memory when the browser refuses it -------------------

  var store = (function () {
    var memory = {};
    var local = null;
    try {
      local = window.localStorage;
      local.setItem("ks-chat:probe", "1");
      local.removeItem("ks-chat:probe");
    } catch (error) {
      local = null;
    }
    return {
      get: function (key) {
        if (local) {
          try {
            return local.getItem(key);
          } catch (error) {
            /* fall through to memory */
          }
        }
        return Object.prototype.hasOwnProperty.call(memory, key) ? memory[key] : null;
      },
      set: function (key, value) {
        memory[key] = value;
        if (local) {
          try {
            local.setItem(key, value);
          } catch (error) {
            /* memory keeps it for this page */
          }
        }
      },
      remove: function (key) {
        delete memory[key];
        if (local) {
          try {
            local.removeItem(key);
          } catch (error) {
            /* nothing to do */
          }
        }
      },
    };
  })();

  function randomHex(bytes) {
    var values = new Uint8Array(bytes);
    window.crypto.getRandomValues(values); // works on plain http too, unlike randomUUID
    return Array.prototype.map
      .call(values, function (value) {
        return value.toString(16).padStart(2, "0");
      })
      .join("");
  }

  // ---- State -----------------------------------------------------------------------------

  var params = new URLSearchParams(window.location.search);

  var state = {
    userId: resolveUserId(),
    userHash: resolveUserHash(), // the shop's signature of userId (docs/widget.md)
    lang: resolveLanguage(),
    conversation: null, // {id, token, language, syncing, syncAgain, buffer}
    creating: null, // the promise of a conversation being created
    status: "new",
    lastId: 0, // the highest message_id shown
    assignedAgent: null,
    agentNames: {}, // agent_id -> agent_name, learnt from agent messages
    socket: null,
    attempts: 0,
    reconnectTimer: null,
    disconnectedTimer: null,
    lastTypingSent: 0,
    typingTimer: null,
    typingName: null,
    failed: null, // {text, key}: the Idempotency-Key to reuse when that text is sent again
    pending: [], // [{text, element}] shown while being sent
    queue: null, // {position, estimated_wait_seconds, open_now, next_opening} while waiting
    queueAt: 0, // occurred_at (ms) of the queue.updated shown: an older one is stale
    queueSeq: 0, // counts queue.updated events: a read that crossed one is stale
    statusSeq: 0, // counts statuses told to the page: a read that crossed one is stale
    queueTimer: null,
  };
  var lastGroup = null; // {key, body, time, at}

  function resolveUserId() {
    var fromUrl = (params.get("user_id") || "").trim();
    if (fromUrl) {
      return fromUrl;
    }
    var stored = store.get(KEYS.userId);
    if (!stored) {
      stored = "guest-" + randomHex(12);
      store.set(KEYS.userId, stored);
    }
    return stored;
  }

  function resolveUserHash() {
    // Only with the shop's user_id: a generated guest id has nobody to vouch for it.
    return (params.get("user_id") || "").trim() ? (params.get("user_hash") || "").trim() : "";
  }

  function resolveLanguage() {
    // The customer's own pick wins over the shop's hint (?lang=).
    var picked = store.get(KEYS.language);
    if (LANGUAGES.indexOf(picked) >= 0) {
      return picked;
    }
    return LANGUAGES.indexOf(config.lang) >= 0 ? config.lang : "en";
  }

  function loadConversation() {
    var raw = store.get(KEYS.conversation(state.userId));
    if (!raw) {
      return null;
    }
    try {
      var saved = JSON.parse(raw);
      // One begun as a guest is not continued once the shop signs the customer in, and one
      // the shop vouched for only while it still does (the page has a hash): on a shared
      // computer, /chat/?user_id=… typed by someone else must not reopen it.
      var stale =
        saved && ((state.userHash && saved.verified === false) || (!state.userHash && saved.verified === true));
      if (!stale && saved && typeof saved.conversation_id === "string" && typeof saved.access_token === "string") {
        return newConversation(saved.conversation_id, saved.access_token, saved.language);
      }
    } catch (error) {
      /* a damaged entry: forget it */
    }
    store.remove(KEYS.conversation(state.userId));
    return null;
  }

  function newConversation(id, token, language) {
    return { id: id, token: token, language: language, syncing: null, syncAgain: false, buffer: [] };
  }

  function saveConversation(conversation) {
    store.set(
      KEYS.conversation(state.userId),
      JSON.stringify({
        conversation_id: conversation.id,
        access_token: conversation.token,
        language: conversation.language,
        verified: Boolean(state.userHash),
      })
    );
  }

  function forgetConversation() {
    store.remove(KEYS.conversation(state.userId));
  }

  // ---- Elements and text -----------------------------------------------------------------

  function byId(id) {
    return document.getElementById(id);
  }

  var el = {
    root: byId("chat"),
    subtitle: byId("chat-subtitle"),
    lang: byId("chat-lang"),
    close: byId("chat-close"),
    banner: byId("chat-banner"),
    bannerText: byId("chat-banner-text"),
    queue: byId("chat-queue"),
    connection: byId("chat-connection"),
    scroll: byId("chat-scroll"),
    transcript: byId("chat-transcript"),
    outbox: byId("chat-outbox"),
    typing: byId("chat-typing"),
    typingText: byId("chat-typing-text"),
    error: byId("chat-error"),
    human: byId("chat-human"),
    form: byId("chat-form"),
    input: byId("chat-input"),
    count: byId("chat-count"),
    send: byId("chat-send"),
    ended: byId("chat-ended"),
    startNew: byId("chat-new"),
  };

  function t(key, values) {
    var table = STRINGS[state.lang] || STRINGS.en;
    var text = table[key] !== undefined ? table[key] : STRINGS.en[key];
    if (text === undefined) {
      text = key;
    }
    if (values) {
      Object.keys(values).forEach(function (name) {
        text = text.split("{" + name + "}").join(String(values[name]));
      });
    }
    return text;
  }

  /** An element with a class and, optionally, text (as a text node, never as markup). */
  function make(tag, className, text) {
    var element = document.createElement(tag);
    if (className) {
      element.className = className;
    }
    if (text !== undefined && text !== null) {
      element.appendChild(document.createTextNode(String(text)));
    }
    return element;
  }

  function icon(pathData, size) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", String(size));
    svg.setAttribute("height", String(size));
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", pathData);
    svg.appendChild(path);
    return svg;
  }

  var SPARKLE =
    "M12 2l1.9 5.6L19.5 9.5l-5.6 1.9L12 17l-1.9-5.6L4.5 9.5l5.6-1.9Zm7 12 .9 2.6 2.6.9-2.6.9L19 21l-.9-2.6-2.6-.9 2.6-.9Z";

  function applyLanguage() {
    document.documentElement.lang = state.lang;
    document.title = t("title");
    el.lang.value = state.lang;
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n]"), function (node) {
      node.textContent = t(node.getAttribute("data-i18n"));
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n-placeholder]"), function (node) {
      node.setAttribute("placeholder", t(node.getAttribute("data-i18n-placeholder")));
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n-label]"), function (node) {
      node.setAttribute("aria-label", t(node.getAttribute("data-i18n-label")));
    });
    if (!el.typing.hidden && state.typingName !== null) {
      el.typingText.textContent = typingText();
    }
    updateStatusUI();
  }

  // ---- Errors ------------------------------------------------------------------------------

  function ApiError(detail, code, status) {
    this.detail = detail;
    this.code = code;
    this.status = status;
    this.message = detail;
  }
  ApiError.prototype = Object.create(Error.prototype);

  function describe(error) {
    if (error instanceof ApiError) {
      if (error.code === "network_error") {
        return t("error_network");
      }
      if (error.code === "rate_limited") {
        return t("error_rate_limited");
      }
      if (error.code === "conversation_resolved") {
        return t("error_resolved");
      }
      if (error.code === "invalid_user_hash") {
        return t("error_identity"); // the API's sentence is for the shop's developers
      }
      return error.detail; // the API's own sentence for people
    }
    return t("error_unknown") + ": " + String((error && error.message) || error);
  }

  function showError(error) {
    el.error.textContent = describe(error);
    el.error.hidden = false;
  }

  function clearError() {
    el.error.hidden = true;
    el.error.textContent = "";
  }

  function isLost(error) {
    return error instanceof ApiError && (error.status === 401 || error.status === 404);
  }

  // ---- API ---------------------------------------------------------------------------------

  function cookie(name) {
    var match = document.cookie.split("; ").find(function (part) {
      return part.indexOf(name + "=") === 0;
    });
    return match ? decodeURIComponent(match.slice(name.length + 1)) : "";
  }

  function api(method, path, options) {
    options = options || {};
    var headers = { Accept: "application/json" };
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
    }
    if (options.token) {
      headers["X-Conversation-Token"] = options.token;
    }
    if (method !== "GET") {
      // Needed when a staff session is logged in in this browser (DRF checks CSRF then).
      var csrf = cookie(config.csrf_cookie_name) || config.csrf_token;
      if (csrf) {
        headers["X-CSRFToken"] = csrf;
      }
    }
    Object.keys(options.headers || {}).forEach(function (name) {
      headers[name] = options.headers[name];
    });
    return fetch(API + path, {
      method: method,
      headers: headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: "same-origin",
      cache: "no-store",
    }).then(
      function (response) {
        return response.text().then(function (text) {
          var data = null;
          try {
            data = text ? JSON.parse(text) : null;
          } catch (error) {
            data = null;
          }
          if (!response.ok) {
            var detail =
              data && typeof data.detail === "string"
                ? data.detail
                : t("error_unknown") + " (HTTP " + response.status + ")";
            var code = data && typeof data.code === "string" ? data.code : "http_" + response.status;
            throw new ApiError(detail, code, response.status);
          }
          return data;
        });
      },
      function () {
        throw new ApiError(t("error_network"), "network_error", 0);
      }
    );
  }

  // ---- Transcript ----------------------------------------------------------------------------

  function nearBottom() {
    return el.scroll.scrollHeight - el.scroll.scrollTop - el.scroll.clientHeight < 96;
  }

  function scrollToBottom() {
    el.scroll.scrollTop = el.scroll.scrollHeight;
  }

  // A reader at the bottom stays there whatever changes size: the transcript's box (a
  // banner or queue line above it, the typing line below it, the on-screen keyboard) or
  // its content (a message, a pending message).
  // Only the reader scrolling up unsticks it: scrolling is smooth, so on its way down a
  // programmatic scroll passes positions far from the bottom. A scroll event that reports a
  // size the observer has not handled yet is left to the observer.
  var stuckToBottom = true;
  var knownHeight = el.scroll.clientHeight;
  var lastTop = el.scroll.scrollTop;
  el.scroll.addEventListener("scroll", function () {
    var top = el.scroll.scrollTop;
    if (nearBottom()) {
      stuckToBottom = true;
    } else if (top < lastTop && el.scroll.clientHeight === knownHeight) {
      stuckToBottom = false;
    }
    lastTop = top;
  });
  if (typeof ResizeObserver === "function") {
    var observer = new ResizeObserver(function () {
      knownHeight = el.scroll.clientHeight;
      if (stuckToBottom) {
        scrollToBottom();
      }
    });
    [el.scroll, el.transcript, el.outbox].forEach(function (box) {
      observer.observe(box);
    });
  }

  function formatTime(iso) {
    var date = new Date(iso);
    if (isNaN(date.getTime())) {
      return "";
    }
    var locale = state.lang === "ml" ? "ml-IN" : "en-IN";
    try {
      return date.toLocaleTimeString(locale, { hour: "numeric", minute: "2-digit" });
    } catch (error) {
      return date.toLocaleTimeString();
    }
  }

  function startGroup(message, key) {
    var sender = message.sender;
    var group = make("div", "group group--" + sender);
    if (sender === "ai") {
      var aiAvatar = make("div", "avatar avatar--ai");
      aiAvatar.setAttribute("aria-hidden", "true");
      aiAvatar.appendChild(icon(SPARKLE, 16));
      group.appendChild(aiAvatar);
    } else if (sender === "agent") {
      var name = message.agent_name || t("agent");
      var agentAvatar = make("div", "avatar avatar--agent", name.trim().charAt(0).toUpperCase());
      agentAvatar.setAttribute("aria-hidden", "true");
      group.appendChild(agentAvatar);
    }
    var body = make("div", "group__body");
    // Under the bubbles: "Assistant · 10:42", "Anu · Support agent · 10:42", or the time.
    var meta = make("div", "group__meta");
    var author;
    if (sender === "ai") {
      author = make("span", "group__author", t("assistant"));
      author.setAttribute("data-i18n", "assistant");
    } else if (sender === "agent") {
      author = make("span", "group__author", message.agent_name || t("agent"));
    } else {
      author = make("span", "visually-hidden", t("you"));
      author.setAttribute("data-i18n", "you");
    }
    meta.appendChild(author);
    if (sender === "agent" && message.agent_name) {
      var role = make("span", "group__role", t("agent"));
      role.setAttribute("data-i18n", "agent");
      meta.appendChild(role);
    }
    var time = make("span", "group__time");
    meta.appendChild(time);
    body.appendChild(meta);
    group.appendChild(body);
    el.transcript.appendChild(group);
    return { key: key, body: body, meta: meta, time: time, at: 0 };
  }

  function appendMessage(message) {
    var at = Date.parse(message.created_at) || Date.now();
    if (message.sender !== "user" && message.sender !== "ai" && message.sender !== "agent") {
      // "system" notices (and anything unknown) stand alone, centred.
      var notice = make("p", "notice", message.message);
      notice.setAttribute("data-message-id", String(message.message_id));
      notice.setAttribute("data-sender", String(message.sender));
      el.transcript.appendChild(notice);
      lastGroup = null;
      return;
    }
    var key = message.sender + ":" + (message.agent_id || "");
    if (!lastGroup || lastGroup.key !== key || at - lastGroup.at > GROUP_GAP) {
      lastGroup = startGroup(message, key);
    }
    var bubble = make("p", "bubble", message.message);
    bubble.setAttribute("data-message-id", String(message.message_id));
    bubble.setAttribute("data-sender", message.sender);
    lastGroup.body.insertBefore(bubble, lastGroup.meta);
    lastGroup.time.textContent = formatTime(message.created_at);
    lastGroup.at = at;
  }

  /** Show messages whose id is above the last shown one, in id order: never twice. */
  function renderNow(messages) {
    var stick = stuckToBottom || nearBottom();
    var added = false;
    messages
      .filter(function (message) {
        return message && typeof message.message_id === "number";
      })
      .sort(function (a, b) {
        return a.message_id - b.message_id;
      })
      .forEach(function (message) {
        if (message.message_id <= state.lastId || message.is_private) {
          return;
        }
        appendMessage(message);
        state.lastId = message.message_id;
        added = true;
        if (message.sender === "user") {
          dropPending(message.message);
        } else if (message.sender === "agent") {
          if (message.agent_id && message.agent_name) {
            state.agentNames[message.agent_id] = message.agent_name;
          }
          hideTyping();
        } else if (message.sender === "ai") {
          hideTyping();
        }
      });
    if (added) {
      updateStatusUI();
      if (stick) {
        scrollToBottom();
      }
    }
  }

  /** While a catch-up runs, live messages wait for it, so none is skipped. */
  function receive(conversation, messages) {
    if (conversation !== state.conversation) {
      return;
    }
    if (conversation.syncing) {
      conversation.buffer = conversation.buffer.concat(messages);
    } else {
      renderNow(messages);
    }
  }

  function addPending(text) {
    var bubble = make("p", "bubble bubble--pending", text);
    el.outbox.appendChild(bubble);
    state.pending.push({ text: text, element: bubble });
    scrollToBottom();
    return bubble;
  }

  function dropPending(text) {
    for (var i = 0; i < state.pending.length; i += 1) {
      if (state.pending[i].text === text) {
        state.pending[i].element.remove();
        state.pending.splice(i, 1);
        return;
      }
    }
  }

  function removePendingElement(element) {
    state.pending = state.pending.filter(function (item) {
      return item.element !== element;
    });
    element.remove();
  }

  // ---- Status --------------------------------------------------------------------------------

  function setStatus(status, data, back) {
    if (!Object.prototype.hasOwnProperty.call(STATUS_RANK, status)) {
      return;
    }
    state.statusSeq += 1; // whatever said it (an event, an answer), reads begun before are older
    if (STATUS_RANK[status] < STATUS_RANK[state.status] && !(back && state.status === "assigned")) {
      return; // a stale answer: statuses only move forward (but for an unassign)
    }
    var changed = status !== state.status;
    state.status = status;
    if (status !== "escalated") {
      state.queue = null;
    }
    if (data && data.assigned_agent !== undefined) {
      state.assignedAgent = data.assigned_agent;
      if (data.assigned_agent && typeof data.assigned_agent_name === "string") {
        state.agentNames[data.assigned_agent] = data.assigned_agent_name; // for the banner
      }
    }
    if (changed && status === "resolved") {
      stopSocket();
      hideTyping();
    }
    if (data && followsConversationLanguage(data.language)) {
      applyLanguage(); // also redraws the status
      return;
    }
    updateStatusUI();
  }

  // The page speaks the conversation's language (which follows what the customer writes),
  // so that its banners and the notices in the transcript say the same thing in one
  // language; a language the customer picked in the menu stays.
  function followsConversationLanguage(language) {
    if (LANGUAGES.indexOf(language) < 0 || language === state.lang) {
      return false;
    }
    if (LANGUAGES.indexOf(store.get(KEYS.language)) >= 0) {
      return false;
    }
    state.lang = language;
    return true;
  }

  // ---- Queue: the place and the estimated wait while waiting for an agent -----------------

  function setQueue(queue) {
    var valid = queue && typeof queue.position === "number" && queue.position >= 1;
    state.queue = valid && state.status === "escalated" ? queue : null;
    updateStatusUI();
  }

  function formatOpening(iso) {
    var date = new Date(iso);
    if (!iso || isNaN(date.getTime())) {
      return "";
    }
    var locale = state.lang === "ml" ? "ml-IN" : "en-IN";
    var options = { weekday: "long", hour: "numeric", minute: "2-digit", timeZoneName: "short" };
    try {
      return date.toLocaleString(locale, Object.assign({ timeZone: config.business_timezone }, options));
    } catch (error) {
      return date.toLocaleString(locale, options); // an unknown zone: the customer's own
    }
  }

  /** [banner text or null, queue line] for the current queue, or null. */
  function queueTexts() {
    var queue = state.queue;
    if (state.status !== "escalated" || !queue) {
      return null;
    }
    var line = t("queue_position", { position: queue.position });
    if (queue.open_now === false) {
      var when = formatOpening(queue.next_opening);
      var closed = when ? t("queue_closed", { when: when }) : t("queue_closed_no_opening");
      return [closed, line];
    }
    if (typeof queue.estimated_wait_seconds === "number") {
      var minutes = Math.max(1, Math.ceil(queue.estimated_wait_seconds / 60));
      line += " · " + t("queue_wait", { minutes: minutes });
    }
    return [null, line];
  }

  /** While waiting, read the place again now and then: the estimate ages as time passes. */
  function scheduleQueueRefresh() {
    var waiting = state.status === "escalated" && Boolean(state.conversation);
    if (!waiting) {
      clearTimeout(state.queueTimer);
      state.queueTimer = null;
      return;
    }
    if (state.queueTimer) {
      return;
    }
    state.queueTimer = setTimeout(function () {
      state.queueTimer = null;
      var conversation = state.conversation;
      if (document.visibilityState !== "hidden" && conversation && state.status === "escalated") {
        var queueSeq = state.queueSeq;
        var statusSeq = state.statusSeq;
        api("GET", conversation.id + "/", { token: conversation.token }).then(
          function (detail) {
            if (conversation === state.conversation && statusSeq === state.statusSeq) {
              setStatus(detail.status, detail, true);
              if (queueSeq === state.queueSeq) {
                setQueue(detail.queue);
              }
            }
          },
          function () {
            /* the socket's catch-up reads it again */
          }
        );
      }
      scheduleQueueRefresh();
    }, QUEUE_REFRESH);
  }

  function updateStatusUI() {
    var status = state.status;
    el.root.setAttribute("data-status", status);
    var withAssistant = status === "new" || status === "open";
    el.subtitle.textContent = withAssistant ? t("subtitle_ai") : t("subtitle_human");
    var banner = "";
    if (status === "escalated") {
      banner = t("banner_escalated");
    } else if (status === "assigned") {
      var name = state.agentNames[state.assignedAgent];
      banner = name ? t("banner_assigned_named", { name: name }) : t("banner_assigned");
    } else if (status === "resolved") {
      banner = t("banner_resolved");
    }
    var queue = queueTexts();
    if (queue && queue[0]) {
      banner = queue[0]; // out of hours: say so instead of "connecting you"
    }
    el.queue.textContent = queue ? queue[1] : "";
    el.queue.hidden = !queue;
    scheduleQueueRefresh();
    el.bannerText.textContent = banner;
    el.banner.hidden = !banner;
    el.human.hidden = !withAssistant;
    var ended = status === "resolved";
    el.input.disabled = ended;
    el.form.hidden = ended;
    el.ended.hidden = !ended;
    updateSendButton();
  }

  // Characters as the server counts them (code points: an emoji is one).
  function length(text) {
    return Array.from(text).length;
  }

  function tooLong(text) {
    return length(text) > config.max_length;
  }

  // Send waits for text, and for text short enough to be stored; near the limit a counter
  // says how much room is left, and past it by how much to shorten (nothing is cut off).
  function updateSendButton() {
    var text = el.input.value;
    var count = length(text);
    var max = config.max_length;
    el.send.disabled = el.input.disabled || !text.trim() || count > max;
    el.count.hidden = count < max * 0.9;
    el.count.classList.toggle("chat-count--over", count > max);
    el.count.textContent =
      count > max
        ? t("too_long", { count: count, max: max, over: count - max })
        : t("count", { count: count, max: max });
  }

  // ---- Typing --------------------------------------------------------------------------------

  var ASSISTANT = {}; // showTyping(ASSISTANT): the assistant, named in the current language

  function typingText() {
    var name = state.typingName === ASSISTANT ? t("assistant") : state.typingName || t("agent");
    return t("typing", { name: name });
  }

  function showTyping(name, duration) {
    state.typingName = name || "";
    el.typingText.textContent = typingText();
    el.typing.hidden = false;
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(hideTyping, duration || TYPING_SHOW_FOR);
  }

  function hideTyping() {
    clearTimeout(state.typingTimer);
    state.typingName = null;
    el.typing.hidden = true;
  }

  function sendTyping() {
    var now = Date.now();
    if (socketOpen() && el.input.value.trim() && now - state.lastTypingSent >= TYPING_SEND_INTERVAL) {
      state.lastTypingSent = now;
      state.socket.send(JSON.stringify({ type: "typing" }));
    }
  }

  // ---- Catch-up ------------------------------------------------------------------------------

  /**
   * Read the conversation and every message after the last one shown (paging with
   * has_more). Live messages arriving meanwhile are held and shown afterwards, in order.
   */
  function sync() {
    var conversation = state.conversation;
    if (!conversation) {
      return Promise.resolve();
    }
    if (conversation.syncing) {
      conversation.syncAgain = true;
      return conversation.syncing;
    }
    var current = function () {
      return conversation === state.conversation;
    };
    var queueSeq = state.queueSeq;
    var statusSeq = state.statusSeq;
    conversation.syncing = api("GET", conversation.id + "/", { token: conversation.token })
      .then(function (detail) {
        var page = function () {
          if (!current()) {
            return null;
          }
          var path = conversation.id + "/messages/?after=" + state.lastId + "&limit=" + PAGE_SIZE;
          return api("GET", path, { token: conversation.token }).then(function (answer) {
            if (!current()) {
              return null;
            }
            var results = (answer && answer.results) || [];
            renderNow(results);
            return answer.has_more && results.length ? page() : null;
          });
        };
        return page().then(function () {
          if (!current()) {
            return;
          }
          if (statusSeq !== state.statusSeq) {
            // An event told the page a status while this read was on its way: the read may
            // be the older of the two, so read again rather than go back to it.
            conversation.syncAgain = true;
            return;
          }
          // Nothing newer arrived: this is the latest word, also when it is a step back
          // (an unassign whose event was missed while the socket was down).
          setStatus(detail.status, detail, true);
          if (queueSeq === state.queueSeq) {
            setQueue(detail.queue);
          }
        });
      })
      .finally(function () {
        conversation.syncing = null;
        var held = conversation.buffer;
        conversation.buffer = [];
        if (current()) {
          renderNow(held);
          if (conversation.syncAgain) {
            conversation.syncAgain = false;
            sync().catch(onSyncError);
          }
        }
      });
    return conversation.syncing;
  }

  function onSyncError(error) {
    if (isLost(error)) {
      lostConversation();
    } else if (!(error instanceof ApiError && error.code === "network_error")) {
      showError(error);
    } // network trouble: the socket's reconnect loop retries the catch-up
  }

  // ---- WebSocket -----------------------------------------------------------------------------

  function socketOpen() {
    return Boolean(state.socket && state.socket.readyState === WebSocket.OPEN);
  }

  function shouldConnect() {
    return Boolean(state.conversation) && state.status !== "resolved";
  }

  function socketUrl(conversation) {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    return (
      scheme +
      window.location.host +
      config.socket_root +
      encodeURIComponent(conversation.id) +
      "/"
    );
  }

  // The token goes as a subprotocol, not in the URL: servers and proxies log URLs.
  function socketProtocols(conversation) {
    return ["ks.support", "ks.token." + conversation.token];
  }

  function connect() {
    if (!shouldConnect() || state.socket) {
      return;
    }
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = null;
    var conversation = state.conversation;
    var socket;
    try {
      socket = new WebSocket(socketUrl(conversation), socketProtocols(conversation));
    } catch (error) {
      scheduleReconnect();
      return;
    }
    state.socket = socket;
    socket.onopen = function () {
      if (state.socket !== socket) {
        return;
      }
      state.attempts = 0;
      markConnected();
      // Anything committed between the last catch-up and joining the group: fetch it now.
      sync().catch(onSyncError);
    };
    socket.onmessage = function (frame) {
      if (state.socket !== socket) {
        return;
      }
      var event;
      try {
        event = JSON.parse(frame.data);
      } catch (error) {
        return;
      }
      onEvent(conversation, event);
    };
    socket.onclose = function () {
      if (state.socket !== socket) {
        return; // closed on purpose
      }
      state.socket = null;
      if (!shouldConnect()) {
        return;
      }
      markDisconnected();
      scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    if (!shouldConnect() || state.reconnectTimer) {
      return;
    }
    var delay = Math.min(30000, 1000 * Math.pow(2, state.attempts)) + Math.random() * 500;
    state.attempts += 1;
    state.reconnectTimer = setTimeout(reconnect, delay);
  }

  /** Catch up FIRST (so nothing is missed), then open the socket again. */
  function reconnect() {
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = null;
    var conversation = state.conversation;
    if (!shouldConnect() || state.socket) {
      return;
    }
    sync().then(
      function () {
        if (conversation === state.conversation) {
          connect();
        }
      },
      function (error) {
        if (isLost(error)) {
          lostConversation();
        } else {
          scheduleReconnect();
        }
      }
    );
  }

  function stopSocket() {
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = null;
    var socket = state.socket;
    state.socket = null;
    if (socket) {
      socket.close(1000);
    }
    markConnected();
  }

  function markConnected() {
    clearTimeout(state.disconnectedTimer);
    state.disconnectedTimer = null;
    el.connection.hidden = true;
  }

  function markDisconnected() {
    if (state.disconnectedTimer || !el.connection.hidden) {
      return;
    }
    state.disconnectedTimer = setTimeout(function () {
      state.disconnectedTimer = null;
      if (shouldConnect() && !socketOpen()) {
        el.connection.hidden = false;
      }
    }, 1500);
  }

  function onEvent(conversation, event) {
    if (conversation !== state.conversation || !event || typeof event.type !== "string") {
      return;
    }
    if (event.conversation_id && event.conversation_id !== conversation.id) {
      return;
    }
    var data = event.data || {};
    if (event.type === "message.created") {
      if (data.is_private) {
        return;
      }
      if (data.sender === "agent" && !data.agent_name) {
        sync().catch(onSyncError); // the API's copy names the agent
        return;
      }
      receive(conversation, [data]);
    } else if (event.type === "agent.typing") {
      showTyping(data.by);
    } else if (event.type === "queue.updated") {
      var at = Date.parse(event.occurred_at) || 0;
      if (at < state.queueAt) {
        return; // an older read of the queue, delivered late
      }
      state.queueAt = at;
      state.queueSeq += 1;
      // Only a waiting conversation is told its place: it may come before the answer (or
      // the event) that says escalated, when the socket joined between the two.
      setStatus("escalated");
      setQueue(data);
    } else if (event.type === "conversation.unassigned") {
      setStatus(data.status, data, true); // back in the queue: the one step backwards
    } else if (event.type.indexOf("conversation.") === 0) {
      setStatus(data.status, data);
    }
  }

  // ---- Actions -------------------------------------------------------------------------------

  function ensureConversation() {
    if (state.conversation) {
      return Promise.resolve(state.conversation);
    }
    if (!state.creating) {
      var body = { user_id: state.userId, language: state.lang };
      if (state.userHash) {
        body.user_hash = state.userHash;
      }
      state.creating = api("POST", "", { body: body })
        .then(function (created) {
          var conversation = newConversation(
            created.conversation_id,
            created.access_token,
            created.language
          );
          state.conversation = conversation;
          saveConversation(conversation);
          setStatus(created.status, created);
          connect();
          return conversation;
        })
        .finally(function () {
          state.creating = null;
        });
    }
    return state.creating;
  }

  function restoreInput(text) {
    var typed = el.input.value;
    el.input.value = typed ? text + "\n" + typed : text;
    autosize();
    updateSendButton();
  }

  function send(text) {
    if (!text.trim() || el.input.disabled || tooLong(text)) {
      return;
    }
    clearError();
    // A retry of the same text after a failure reuses its key: the server then stores it once.
    var key = state.failed && state.failed.text === text ? state.failed.key : randomHex(16);
    el.input.value = "";
    autosize();
    updateSendButton();
    var bubble = addPending(text);
    var withAssistant = state.status === "new" || state.status === "open";
    var used = null;
    ensureConversation()
      .then(function (conversation) {
        used = conversation;
        if (withAssistant) {
          showTyping(ASSISTANT, 30000); // until its answer arrives
        }
        return api("POST", conversation.id + "/messages/", {
          token: conversation.token,
          body: { message: text },
          headers: { "Idempotency-Key": key },
        });
      })
      .then(function (answer) {
        if (state.failed && state.failed.text === text) {
          state.failed = null;
        }
        if (used !== state.conversation) {
          removePendingElement(bubble);
          return;
        }
        var messages = [
          {
            message_id: answer.message_id,
            sender: answer.sender,
            message: answer.message,
            created_at: answer.created_at,
          },
        ];
        if (answer.ai_response) {
          messages.push(answer.ai_response);
        } else if (withAssistant) {
          hideTyping();
        }
        receive(used, messages);
        setStatus(answer.conversation_status);
        if (!socketOpen()) {
          sync().catch(onSyncError); // notices the socket would have brought
        }
      })
      .catch(function (error) {
        removePendingElement(bubble);
        if (withAssistant) {
          hideTyping();
        }
        if (isLost(error) && used && used === state.conversation) {
          lostConversation(); // the next send starts a new conversation
          error = new ApiError(t("error_lost"), "conversation_lost", 404);
        }
        restoreInput(text); // nothing the customer typed is lost
        showError(error);
        var retryable =
          !(error instanceof ApiError) ||
          error.status === 0 ||
          error.status >= 500 ||
          error.code === "idempotency_request_in_progress" ||
          error.code === "rate_limited";
        state.failed = retryable ? { text: text, key: key } : null;
        if (error instanceof ApiError && error.code === "conversation_resolved") {
          sync().catch(onSyncError);
        }
      });
  }

  function escalate() {
    clearError();
    el.human.disabled = true;
    ensureConversation()
      .then(function (conversation) {
        return api("POST", conversation.id + "/escalate/", {
          token: conversation.token,
          body: {},
        }).then(function (answer) {
          if (conversation === state.conversation) {
            setStatus(answer.status, answer);
            if (!socketOpen()) {
              sync().catch(onSyncError);
            }
          }
        });
      })
      .catch(function (error) {
        if (isLost(error) && state.conversation) {
          lostConversation();
          return;
        }
        showError(error);
        if (state.conversation) {
          sync().catch(onSyncError);
        }
      })
      .finally(function () {
        el.human.disabled = false;
      });
  }

  function reset() {
    stopSocket();
    forgetConversation();
    state.conversation = null;
    state.status = "new";
    state.lastId = 0;
    state.assignedAgent = null;
    state.failed = null;
    state.pending = [];
    state.queue = null;
    state.queueAt = 0;
    lastGroup = null;
    el.transcript.replaceChildren();
    el.outbox.replaceChildren();
    hideTyping();
    clearError();
    updateStatusUI();
  }

  function startNewConversation() {
    reset(); // keeps the user id
    el.input.focus();
  }

  function lostConversation() {
    reset();
    showError(new ApiError(t("error_lost"), "conversation_lost", 404));
  }

  // ---- Wiring --------------------------------------------------------------------------------

  function autosize() {
    el.input.style.height = "auto";
    el.input.style.height = Math.min(el.input.scrollHeight, 128) + "px";
  }

  function closeEmbed() {
    window.parent.postMessage({ type: "ks-chat:close" }, "*");
  }

  el.form.addEventListener("submit", function (event) {
    event.preventDefault();
    send(el.input.value);
  });

  el.input.addEventListener("keydown", function (event) {
    // Enter sends, Shift+Enter is a new line; never while an input method is composing
    // (Malayalam keyboards compose).
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      send(el.input.value);
    }
  });

  el.input.addEventListener("input", function () {
    autosize();
    updateSendButton();
    sendTyping();
  });

  // A socket can stay open through a Redis outage and miss what was published meanwhile:
  // read what came after the last message shown every minute, and whenever the page is
  // looked at again.
  setInterval(function () {
    if (socketOpen() && document.visibilityState === "visible") {
      sync().catch(onSyncError);
    }
  }, CATCH_UP_INTERVAL);
  document.addEventListener("visibilitychange", function () {
    if (socketOpen() && document.visibilityState === "visible") {
      sync().catch(onSyncError);
    }
  });

  el.human.addEventListener("click", escalate);
  el.startNew.addEventListener("click", startNewConversation);

  el.lang.addEventListener("change", function () {
    if (LANGUAGES.indexOf(el.lang.value) < 0) {
      return;
    }
    state.lang = el.lang.value;
    store.set(KEYS.language, state.lang);
    var url = new URL(window.location.href);
    url.searchParams.set("lang", state.lang);
    window.history.replaceState(null, "", url.toString());
    applyLanguage();
  });

  if (config.embed && window.parent !== window) {
    el.close.hidden = false;
    el.close.addEventListener("click", closeEmbed);
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        closeEmbed();
      }
    });
  }

  window.addEventListener("online", function () {
    if (shouldConnect() && !state.socket) {
      state.attempts = 0;
      reconnect();
    }
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && shouldConnect() && !state.socket) {
      state.attempts = 0;
      reconnect();
    }
  });

  // ---- Start ---------------------------------------------------------------------------------

  applyLanguage();
  var saved = loadConversation();
  if (saved) {
    state.conversation = saved;
    sync().then(
      function () {
        scrollToBottom();
        connect();
      },
      function (error) {
        if (isLost(error)) {
          lostConversation();
        } else {
          showError(error);
          connect(); // its reconnect loop retries the catch-up
        }
      }
    );
  }
})();
