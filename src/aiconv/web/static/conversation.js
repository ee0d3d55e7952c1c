// Live updates of a conversation page over server-sent events.
// Content is only ever written with textContent: nothing from the log is parsed as HTML.
// Control and hidden format characters in it show as their code (see visible).
(function () {
  "use strict";
  var root = document.getElementById("conversation");
  if (!root || root.dataset.status !== "active" || !window.EventSource) {
    return;
  }
  var transcript = document.getElementById("transcript");
  var live = document.getElementById("live");
  var last = Number(root.dataset.lastSequence) || 0;
  var colours = {};
  document.querySelectorAll("#participants li").forEach(function (li) {
    colours[li.dataset.name] = li.dataset.colour;
  });

  // Control and hidden format characters (a terminal escape, a right-to-left override) as their
  // code, "\x1b", "\u202e", as the server-rendered page shows them (markdown.CONTROL_PATTERN).
  var controls = new RegExp(root.dataset.controls, "g");

  function visible(text) {
    return String(text).replace(/\r\n/g, "\n").replace(controls, function (c) {
      var code = c.charCodeAt(0);
      var hex = code.toString(16);
      return code <= 0xff ? "\\x" + ("0" + hex).slice(-2) : "\\u" + ("000" + hex).slice(-4);
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = visible(text); }
    return node;
  }

  function when(ev) {
    var time = el("time", "", ev.time.replace("T", " ").slice(0, 19));
    time.setAttribute("datetime", ev.time);
    return time;
  }

  function message(ev) {
    var posted = ev.kind === "MessagePosted";
    var sender = posted ? ev.data.sender : "moderator";
    var colour = colours[sender] === undefined ? "0" : colours[sender];
    var article = el("article", "msg " + (posted ? "p" + colour : "moderator"));
    var header = el("header");
    header.append(el("span", "who", sender), " ", when(ev), " ", el("span", "meta", ev.meta));
    article.append(header, el("div", "content", ev.data.content));
    return article;
  }

  function event(ev) {
    var row = el("div", "ev kind-" + ev.kind);
    row.append(el("span", "seq", "#" + ev.sequence), " ", when(ev), " ",
      el("span", "kind", ev.kind), " ", el("span", "summary", ev.summary));
    return row;
  }

  function cost(value) {
    return value === null ? "—" : "$" + value.toFixed(6);
  }

  function update(state) {
    var status = document.getElementById("status");
    status.textContent = state.status;
    status.className = "status " + state.status;
    document.getElementById("turns").textContent = String(state.turns);
    document.getElementById("cost").textContent = cost(state.cost_usd);
    var reason = state.end_reason || "";
    if (state.end_detail) { reason += " — " + state.end_detail; }
    document.getElementById("end-reason").textContent = visible(reason);
    document.getElementById("outcome").textContent = visible(state.outcome || "");
  }

  var source = new EventSource(root.dataset.stream + "?after=" + last);
  source.onopen = function () { live.textContent = "● live"; };
  source.onerror = function () {
    // a reconnect after the end (the end frame was lost with the connection) is answered 204,
    // which closes the source: the page itself then shows the ended conversation
    if (source.readyState === EventSource.CLOSED) { window.location.reload(); return; }
    live.textContent = "reconnecting…";
  };
  source.addEventListener("event", function (e) {
    var ev = JSON.parse(e.data);
    if (ev.sequence <= last) { return; }  // never show an event twice
    last = ev.sequence;
    var node = ev.kind === "MessagePosted" || ev.kind === "ModeratorNoted" ? message(ev) : event(ev);
    node.dataset.sequence = String(ev.sequence);
    transcript.append(node);
    root.dataset.lastSequence = String(last);
    update(ev.state);
  });
  source.addEventListener("end", function (e) {
    source.close();
    update(JSON.parse(e.data));
    root.dataset.status = "ended";
    live.textContent = "";
  });
}());
