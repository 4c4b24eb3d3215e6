/*
 * Kerala Sellers chat launcher for shop pages (docs/widget.md):
 *
 *   <script src="https://support.example.com/static/widget/embed.js"
 *           data-user-id="customer_123" data-user-hash="<HMAC-SHA256 of the id>"
 *           data-lang="ml" async></script>
 *
 * Adds a floating chat button; the first click opens an iframe to /chat/?embed=1 on the
 * script's own origin. Styles are set through the CSSOM (no inline <style>, no innerHTML),
 * so a shop's Content-Security-Policy needs only to allow this script and the frame.
 */
(function () {
  "use strict";

  if (window.__ksChatEmbed) {
    return; // added twice: one launcher is enough
  }
  window.__ksChatEmbed = true;

  var script =
    document.currentScript || document.querySelector('script[src*="/static/widget/embed.js"]');
  if (!script || !script.src) {
    return;
  }
  var origin = new URL(script.src, window.location.href).origin;
  var userId = (script.getAttribute("data-user-id") || "").trim();
  var userHash = (script.getAttribute("data-user-hash") || "").trim();
  var lang = (script.getAttribute("data-lang") || "").trim();
  var LABELS = {
    en: { open: "Chat with Kerala Sellers support", close: "Close chat", title: "Kerala Sellers support chat" },
    ml: { open: "Kerala Sellers സപ്പോർട്ടുമായി ചാറ്റ് ചെയ്യുക", close: "ചാറ്റ് അടയ്ക്കുക", title: "Kerala Sellers സപ്പോർട്ട് ചാറ്റ്" },
    "ml-Latn": { open: "Kerala Sellers support-umaayi chat cheyyuka", close: "Chat adaykkuka", title: "Kerala Sellers support chat" },
  };
  var labels = LABELS[lang] || LABELS.en;
  var BRAND = "#0f6e56";
  var Z = "2147483000";
  var SVG = "http://www.w3.org/2000/svg";
  var CHAT_ICON =
    "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-4.3 3.4A1 1 0 0 1 2 20.6V5a2 2 0 0 1 2-2Zm3 6v2h10V9H7Zm0 4v2h7v-2H7Z";
  var CLOSE_ICON =
    "M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6 10.6 12 5 6.4Z";

  function css(element, rules) {
    Object.keys(rules).forEach(function (name) {
      element.style.setProperty(name, rules[name]);
    });
  }

  function icon(path) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "26");
    svg.setAttribute("height", "26");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var shape = document.createElementNS(SVG, "path");
    shape.setAttribute("fill", "currentColor");
    shape.setAttribute("d", path);
    svg.appendChild(shape);
    return svg;
  }

  function chatUrl() {
    var query = new URLSearchParams({ embed: "1" });
    if (userId) {
      query.set("user_id", userId);
      if (userHash) {
        query.set("user_hash", userHash);
      }
    }
    if (lang) {
      query.set("lang", lang);
    }
    return origin + "/chat/?" + query.toString();
  }

  function init() {
    var phone = window.matchMedia("(max-width: 480px)");
    var panel = document.createElement("div");
    panel.id = "ks-chat-panel";
    var isOpen = false;
    css(panel, {
      display: "none",
      position: "fixed",
      "z-index": Z,
      overflow: "hidden",
      background: "#fff",
      "box-shadow": "0 12px 48px rgba(16, 40, 32, 0.22)",
    });

    var button = document.createElement("button");
    button.type = "button";
    button.id = "ks-chat-launcher";
    button.setAttribute("aria-controls", panel.id);
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-label", labels.open);
    css(button, {
      position: "fixed",
      right: "20px",
      bottom: "20px",
      "z-index": Z,
      width: "60px",
      height: "60px",
      margin: "0",
      padding: "0",
      border: "0",
      "border-radius": "50%",
      display: "grid",
      "place-items": "center",
      color: "#fff",
      background: BRAND,
      "box-shadow": "0 6px 24px rgba(15, 110, 86, 0.35)",
      cursor: "pointer",
      transition: "transform 0.15s ease",
    });
    button.appendChild(icon(CHAT_ICON));

    var frame = null;

    function layout() {
      var open = isOpen;
      if (phone.matches) {
        css(panel, { inset: "0", right: "0", bottom: "0", width: "100%", height: "100%", "border-radius": "0" });
        css(button, { display: open ? "none" : "grid" }); // the chat's own close button takes over
      } else {
        css(panel, {
          inset: "auto",
          right: "20px",
          bottom: "92px",
          width: "380px",
          height: "min(640px, calc(100vh - 120px))",
          "border-radius": "16px",
        });
        css(button, { display: "grid" });
      }
    }

    function setOpen(open) {
      if (open && !frame) {
        frame = document.createElement("iframe");
        frame.src = chatUrl();
        frame.title = labels.title;
        css(frame, { width: "100%", height: "100%", border: "0", display: "block" });
        panel.appendChild(frame);
      }
      isOpen = open;
      css(panel, { display: open ? "block" : "none" });
      button.setAttribute("aria-expanded", open ? "true" : "false");
      button.setAttribute("aria-label", open ? labels.close : labels.open);
      button.replaceChildren(icon(open ? CLOSE_ICON : CHAT_ICON));
      layout();
      if (open && frame) {
        frame.focus();
      } else if (!open) {
        button.focus();
      }
    }

    button.addEventListener("click", function () {
      setOpen(!isOpen);
    });
    window.addEventListener("message", function (event) {
      // Only the chat frame may ask to close it.
      if (event.origin === origin && frame && event.source === frame.contentWindow) {
        if (event.data && event.data.type === "ks-chat:close") {
          setOpen(false);
        }
      }
    });
    if (phone.addEventListener) {
      phone.addEventListener("change", layout);
    }
    layout();
    document.body.appendChild(panel);
    document.body.appendChild(button);
  }

  if (document.body) {
    init();
  } else {
    document.addEventListener("DOMContentLoaded", init);
  }
})();
