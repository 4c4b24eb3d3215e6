// The console's live layer: one WebSocket per tab, catch-up by message id, notifications.
(function () {
  "use strict";
  const body = document.body;
  const page = body.dataset.page;
  const conversationId = body.dataset.conversation || null;
  const liveStatus = document.getElementById("live-status");
  const notifyToggle = document.getElementById("notify-toggle");
  let socket = null;
  let retry = 0;
  let lastTyping = 0;
  let typingTimer = null;

  // Notifications (sound and desktop), remembered per browser.
  if (notifyToggle) {
    notifyToggle.checked = localStorage.getItem("ks-alerts") === "on";
    notifyToggle.addEventListener("change", () => {
      localStorage.setItem("ks-alerts", notifyToggle.checked ? "on" : "off");
      if (notifyToggle.checked && "Notification" in window && Notification.permission === "default") {
        Notification.requestPermission();
      }
    });
  }

  function beep() {
    try {
      const ctx = new (window.AudioContext || window.webkitAudioContext)();
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.15, ctx.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + 0.4);
      osc.connect(gain).connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.4);
    } catch (e) { /* no audio: the queue still updates */ }
  }

  function alertEscalation(event) {
    if (!notifyToggle || !notifyToggle.checked) return;
    beep();
    if ("Notification" in window && Notification.permission === "granted") {
      new Notification("New escalation", { body: "A customer is waiting for an agent.", tag: event.conversation_id });
    }
  }

  function dismissButton(item) {
    const dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.className = "link";
    dismiss.textContent = "Dismiss";
    dismiss.addEventListener("click", () => item.remove());
    return dismiss;
  }

  // A missed service level (sent to supervisors): a banner that stays until dismissed.
  function showSlaAlert(event) {
    const flash = document.getElementById("flash");
    if (!flash || !event.data) return;
    const minutes = Math.max(1, Math.round(event.data.waited_seconds / 60));
    const item = document.createElement("div");
    item.className = "flash sla-alert";
    item.dataset.conversation = event.conversation_id;
    const link = document.createElement("a");
    link.href = "/console/c/" + encodeURIComponent(event.conversation_id) + "/";
    link.textContent = "a conversation";
    let what = " has waited unassigned for " + minutes + " min.";
    if (event.data.kind === "no_reply") {
      what = " has had no reply from " + (event.data.agent || "its agent") + " for " + minutes + " min" +
        (event.data.reassigned ? "; it is back in the queue." : ".");
    }
    item.append("Service level missed: ", link, what + " ", dismissButton(item));  // text nodes: no markup
    flash.appendChild(item);
    if (notifyToggle && notifyToggle.checked) {
      beep();
      if ("Notification" in window && Notification.permission === "granted") {
        new Notification("Service level missed", { body: "A customer" + what, tag: "sla-" + event.conversation_id });
      }
    }
  }

  // Transcript: append what is newer than the last message shown, never twice.
  const transcript = document.getElementById("transcript");
  let catchingUp = null;
  let catchUpAgain = false;
  function lastId() {
    const items = transcript ? transcript.querySelectorAll("li[data-id]") : [];
    return items.length ? Number(items[items.length - 1].dataset.id) : 0;
  }
  async function catchUp() {
    if (!transcript) return;
    if (catchingUp) {
      // The fetch in flight may have started before what this call was told of: fetch again.
      catchUpAgain = true;
      return catchingUp;
    }
    catchingUp = (async () => {
      const url = transcript.dataset.messagesUrl + "?after=" + lastId();
      const response = await fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" });
      if (!response.ok) return;
      const template = document.createElement("template");
      template.innerHTML = await response.text();  // server-rendered and escaped
      template.content.querySelectorAll("li[data-id]").forEach((item) => {
        if (!transcript.querySelector('li[data-id="' + item.dataset.id + '"]')) {
          transcript.appendChild(item);
        }
      });
      transcript.lastElementChild && transcript.lastElementChild.scrollIntoView({ block: "end" });
    })().finally(() => {
      catchingUp = null;
      if (catchUpAgain) {
        catchUpAgain = false;
        catchUp();
      }
    });
    return catchingUp;
  }

  function showTyping(text) {
    const typing = document.getElementById("typing");
    if (!typing) return;
    typing.textContent = text;
    typing.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => { typing.hidden = true; }, 3000);
  }

  function refreshQueue() {
    if (document.getElementById("queue-refresh") && window.htmx) htmx.trigger(document.body, "refresh-queue");
  }

  // The availability switch and the viewer's load, redrawn (at most every 300 ms) after
  // assignments and availability changes; never while the viewer is using it.
  let availabilityTimer = null;
  function refreshAvailability() {
    clearTimeout(availabilityTimer);
    availabilityTimer = setTimeout(() => {
      const form = document.getElementById("availability");
      if (!form || !window.htmx || form.contains(document.activeElement)) return;
      htmx.ajax("GET", form.dataset.url, { target: "#availability", swap: "outerHTML" });
    }, 300);
  }

  function onEvent(event) {
    if (event.type === "agent.updated") {
      if (event.data && event.data.agent_id === body.dataset.agentId) refreshAvailability();
      if (page === "queue") refreshQueue();  // the team's availability and load
      return;
    }
    if (event.type === "sla.breached") {
      showSlaAlert(event);
      if (page === "queue") refreshQueue();
      return;
    }
    if (event.type === "watching") {
      // Subscribed: now fetch whatever was written before the subscription took effect.
      catchUp();
      htmx.trigger(document.body, "sidebar-refresh");
      return;
    }
    if (event.type === "conversation.escalated" || event.type === "conversation.unassigned") {
      alertEscalation(event);
    }
    if (event.type.startsWith("conversation.") && event.type !== "conversation.escalated") {
      refreshAvailability();
    }
    if (page === "queue" && event.type.startsWith("conversation.")) refreshQueue();
    if (!conversationId || event.conversation_id !== conversationId) return;
    if (event.type === "message.created") {
      catchUp();
      const typing = document.getElementById("typing");
      if (typing) typing.hidden = true;
    } else if (event.type.startsWith("conversation.")) {
      htmx.trigger(document.body, "conversation-changed");
      catchUp();
    } else if (event.type === "customer.typing") {
      showTyping("Customer is typing…");
    } else if (event.type === "agent.typing") {
      showTyping(event.data.by + " is typing…");
    }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(scheme + "://" + location.host + "/ws/agent/");
    socket.onopen = () => {
      retry = 0;
      if (liveStatus) { liveStatus.textContent = "live"; liveStatus.classList.add("on"); }
      // Whatever happened while we were away: the queue now, the transcript once watching.
      if (conversationId) socket.send(JSON.stringify({ type: "watch", conversation_id: conversationId }));
      refreshQueue();
    };
    socket.onmessage = (message) => {
      try { onEvent(JSON.parse(message.data)); } catch (e) { console.error(e); }
    };
    socket.onclose = (close) => {
      if (liveStatus) { liveStatus.textContent = "reconnecting"; liveStatus.classList.remove("on"); }
      if (close.code === 4401) { location.reload(); return; }  // session expired: to the login page
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, 500 * 2 ** retry);
    };
  }

  // The composer: Enter sends, Shift+Enter is a new line; typing is announced at most every 2 s.
  document.addEventListener("keydown", (e) => {
    // Not while an input method is composing (Malayalam keyboards confirm a word with Enter).
    if (e.isComposing || e.keyCode === 229) return;
    if (e.target.id === "message" && e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      const form = e.target.form;
      if (e.target.value.trim() && !tooLong(e.target)) htmx.trigger(form, "submit");
    }
  });
  document.addEventListener("input", (e) => {
    if (e.target.id !== "message" || !socket || socket.readyState !== 1) return;
    const now = Date.now();
    if (now - lastTyping > 2000) {
      lastTyping = now;
      const kind = document.querySelector('#composer input[name="kind"]:checked');
      // A note's typing reaches colleagues only, never the customer.
      socket.send(JSON.stringify({
        type: "typing", conversation_id: conversationId, kind: kind ? kind.value : "reply",
      }));
    }
  });
  // What the agent is doing survives every live redraw of the composer and the sidebar:
  // the draft and the message type (kept per conversation for this tab, so a composer that
  // goes away when the conversation is taken back and returns on a claim, or a reload,
  // brings them back), and the agent chosen in "Assign to".
  const draftKey = conversationId ? "ks-console:draft:" + conversationId : null;
  function loadDraft() {
    try { return JSON.parse(sessionStorage.getItem(draftKey)) || null; } catch (e) { return null; }
  }
  function saveDraft() {
    const box = document.getElementById("message");
    if (!draftKey || !box) return;
    const kind = document.querySelector('#composer input[name="kind"]:checked');
    if (box.value) {
      sessionStorage.setItem(draftKey, JSON.stringify({ text: box.value, kind: kind ? kind.value : "reply" }));
    } else {
      sessionStorage.removeItem(draftKey);
    }
  }
  function restoreComposer(kind) {
    const draft = loadDraft();
    const box = document.getElementById("message");
    if (box && draft && !box.value) box.value = draft.text;
    // A note stays a note: never switch it back to a reply the customer would see.
    const wanted = kind || (draft && draft.kind);
    const radio = wanted && document.querySelector('#composer input[name="kind"][value="' + wanted + '"]');
    if (radio) radio.checked = true;
    showKind();
    showCount();
  }
  // A note looks like a note while it is written: its colour, its placeholder, its button.
  function showKind() {
    const form = document.getElementById("composer");
    const box = document.getElementById("message");
    if (!form || !box) return;
    const checked = form.querySelector('input[name="kind"]:checked');
    const note = checked ? checked.value === "note" : false;
    form.classList.toggle("note", note);
    box.placeholder = note ? box.dataset.notePlaceholder : box.dataset.replyPlaceholder;
    form.querySelector('button[type="submit"]').textContent = note ? "Add note" : "Send";
  }
  // Characters as the server counts them (code points). Near the limit a counter says how
  // much room is left; past it, by how much to shorten, and nothing can be sent (nothing is
  // cut off either).
  function tooLong(box) {
    return Array.from(box.value).length > Number(box.dataset.maxLength);
  }
  function showCount() {
    const box = document.getElementById("message");
    const counter = document.getElementById("message-count");
    if (!box || !counter) return;
    const count = Array.from(box.value).length;
    const max = Number(box.dataset.maxLength);
    counter.hidden = count < max * 0.9;
    counter.classList.toggle("over", count > max);
    counter.textContent = count > max
      ? count + " / " + max + " characters: shorten it by " + (count - max) + " to send."
      : count + " / " + max + " characters";
    box.form.querySelector('button[type="submit"]').disabled = count > max;
  }
  let assignChoice = null;
  let kindBeforeSwap = null;
  document.addEventListener("change", (e) => {
    if (e.target.id === "assign-agent") assignChoice = e.target.value;
    if (e.target.name === "kind") { saveDraft(); showKind(); }
  });
  document.addEventListener("input", (e) => { if (e.target.id === "message") { saveDraft(); showCount(); } });
  body.addEventListener("htmx:beforeSwap", (e) => {
    if (e.detail.target && e.detail.target.id === "composer-area") {
      const kind = document.querySelector('#composer input[name="kind"]:checked');
      kindBeforeSwap = kind ? kind.value : null;
    }
  });
  body.addEventListener("htmx:afterSwap", (e) => {
    const target = e.detail.target;
    if (target && target.id === "composer-area") restoreComposer(kindBeforeSwap);
    if (target && target.id === "sidebar") {
      const select = document.getElementById("assign-agent");
      if (select && assignChoice && select.querySelector('option[value="' + CSS.escape(assignChoice) + '"]')) {
        select.value = assignChoice;
      }
    }
  });
  // A sent reply leaves the box. Checked on the request itself rather than with an event on
  // the form that sent it: a live redraw of the composer may have taken that form out of the
  // page meanwhile (the event would then reach nothing, and the sent text would stay, ready
  // to be sent twice).
  body.addEventListener("htmx:beforeRequest", (e) => {
    const config = e.detail.requestConfig;
    if (!config || config.verb !== "post") return;
    const xhr = e.detail.xhr;
    xhr.addEventListener("load", () => {
      // A refusal is a 200 that goes to #flash instead: the text stays for another try.
      if (xhr.status < 200 || xhr.status > 299 || xhr.getResponseHeader("HX-Retarget")) return;
      if (/\/assign\/$/.test(config.path)) assignChoice = null;
      if (!/\/reply\/$/.test(config.path) || xhr.status !== 204) return;  // 204: stored
      const box = document.getElementById("message");
      if (box && box.value === config.parameters.message) { box.value = ""; box.focus(); }
      saveDraft();
      showCount();
      catchUp();
    });
  });
  restoreComposer(null);

  // A socket can stay open through a Redis outage and miss what was published meanwhile:
  // read the messages after the last one shown every minute, and when the tab is looked at
  // again.
  if (transcript) {
    setInterval(() => { if (document.visibilityState === "visible") catchUp(); }, 60000);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") catchUp();
    });
  }

  // An action that failed on the way or on the server says so; what was typed stays. (A
  // refusal is the server's own flash; an ended session sends the page to the login page.)
  function flashError(text) {
    const flash = document.getElementById("flash");
    if (!flash) return;
    flash.querySelectorAll(".flash.error").forEach((old) => old.remove());
    const item = document.createElement("div");
    item.className = "flash error";
    item.setAttribute("role", "alert");
    item.append(text + " ", dismissButton(item));
    flash.prepend(item);
  }
  function isAction(e) {
    return e.detail.requestConfig && e.detail.requestConfig.verb !== "get";
  }
  body.addEventListener("htmx:sendError", (e) => {
    if (isAction(e)) flashError("The server could not be reached: nothing was done. Check the connection and try again.");
  });
  body.addEventListener("htmx:timeout", (e) => {
    if (isAction(e)) flashError("The server did not answer in time. Check the conversation before you try again.");
  });
  body.addEventListener("htmx:responseError", (e) => {
    const status = e.detail.xhr.status;
    if (status === 401 || !isAction(e)) return;  // 401: on its way to the login page
    flashError("The server could not do this (error " + status + "). Try again, or reload the page.");
  });

  // "Waiting 5 min" stays true without reloads.
  function tick() {
    document.querySelectorAll("time[data-since]").forEach((el) => {
      const minutes = Math.max(0, Math.round((Date.now() - Date.parse(el.dataset.since)) / 60000));
      el.textContent = minutes < 60 ? minutes + " min" : Math.floor(minutes / 60) + " h " + (minutes % 60) + " min";
    });
  }
  setInterval(tick, 30000);
  document.addEventListener("htmx:afterSwap", tick);

  // An action's error replaces the previous error, never the service-level alerts beside it.
  document.body.addEventListener("htmx:beforeSwap", (e) => {
    if (e.detail.target && e.detail.target.id === "flash") {
      e.detail.target.querySelectorAll(".flash.error").forEach((old) => old.remove());
    }
  });

  if (page) { connect(); tick(); }
  if (transcript && transcript.lastElementChild) transcript.lastElementChild.scrollIntoView({ block: "end" });
})();
