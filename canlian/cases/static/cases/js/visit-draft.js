/*
 * Visit form drafts: a slow or lost connection must not lose a half-filled form (issue #7).
 *
 * - Every change is kept in this browser (localStorage) at once, marked "not yet on the server".
 * - A few seconds after the last change the form (without the photo) is posted to the draft URL;
 *   when the server has it, the local copy is marked saved. The status line says which.
 * - Opening the form again with an unsent local copy restores it and sends it.
 * - The visit page after a successful submission (data-clear-draft) removes the local copy.
 * Without JavaScript the "保存草稿" button does the same through a normal POST.
 */
(function () {
  "use strict";

  var DELAY_MS = 3000;

  function storage() {
    try {
      return window.localStorage;
    } catch (e) {
      return null;
    }
  }

  function clearFinished() {
    var marker = document.querySelector("[data-clear-draft]");
    var store = storage();
    if (marker && store) {
      store.removeItem(marker.getAttribute("data-clear-draft"));
    }
  }

  function fieldsOf(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.type === "submit" || el.name === "csrfmiddlewaretoken") {
        return;
      }
      if (el.type === "checkbox") {
        if (el.checked) { data[el.name] = "on"; }
      } else if (el.type === "radio") {
        if (el.checked) { data[el.name] = el.value; }
      } else if (el.value) {
        data[el.name] = el.value;
      }
    });
    return data;
  }

  function fill(form, data) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.type === "submit" || el.type === "hidden") {
        return;
      }
      if (el.type === "checkbox") {
        el.checked = data[el.name] === "on";
      } else if (el.type === "radio") {
        el.checked = data[el.name] === el.value;
      } else if (Object.prototype.hasOwnProperty.call(data, el.name)) {
        el.value = data[el.name];
      }
    });
  }

  function setup(form) {
    var url = form.getAttribute("data-draft-url");
    var key = form.getAttribute("data-draft-key");
    var status = form.querySelector("[data-draft-status]");
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    var store = storage();
    var timer = null;

    function say(text) {
      if (status) { status.textContent = text; }
    }

    function keepLocally(pending) {
      if (!store) { return; }
      try {
        store.setItem(key, JSON.stringify({data: fieldsOf(form), pending: pending}));
      } catch (e) { /* storage full or disabled: the server draft still works */ }
    }

    function send() {
      timer = null;
      var body = new FormData();
      var data = fieldsOf(form);
      Object.keys(data).forEach(function (name) { body.append(name, data[name]); });
      window.fetch(url, {
        method: "POST", body: body, credentials: "same-origin",
        headers: {"X-CSRFToken": token ? token.value : "", "X-Requested-With": "fetch"}
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (result) {
        keepLocally(false);
        say("草稿已保存（" + result.at + "）");
      }).catch(function () {
        say("网络较慢，内容已暂存在本机，恢复连接后会自动保存。");
        timer = window.setTimeout(send, DELAY_MS * 3);
      });
    }

    function changed() {
      keepLocally(true);
      say("有未保存的修改……");
      if (timer) { window.clearTimeout(timer); }
      timer = window.setTimeout(send, DELAY_MS);
    }

    if (store) {
      var saved = null;
      try { saved = JSON.parse(store.getItem(key) || "null"); } catch (e) { saved = null; }
      if (saved && saved.pending && saved.data) {
        fill(form, saved.data);
        say("已恢复上次在本机未保存的内容，正在保存……");
        timer = window.setTimeout(send, 500);
      }
    }
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("submit", function () {
      if (timer) { window.clearTimeout(timer); timer = null; }
      keepLocally(true);
    });
  }

  function init() {
    clearFinished();
    Array.prototype.forEach.call(document.querySelectorAll("form[data-draft-url]"), setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
