/*
 * Canlian (智慧残联综合服务平台): progressive enhancement only. Every page works without this
 * file. No inline scripts or styles are allowed by the Content-Security-Policy, so everything
 * here works with classes, the `hidden` attribute and DOM properties.
 */
(function () {
  "use strict";

  var WIDE_SCREEN = "(min-width: 721px)"; // keep in step with canlian.css

  function onMediaChange(query, handler) {
    if (query.addEventListener) {
      query.addEventListener("change", handler);
    } else if (query.addListener) {
      query.addListener(handler);
    }
  }

  /* ---------------------------------------------------------------- menu */

  // The menu is a <details> that is open in the HTML. Wide screens show it as a sidebar
  // (summary hidden by CSS, so it must stay open); narrow screens start with it closed.
  function initNav() {
    var details = document.querySelector("[data-nav-details]");
    if (!details || !window.matchMedia) {
      return;
    }
    var wide = window.matchMedia(WIDE_SCREEN);
    function sync() {
      details.open = wide.matches;
    }
    sync();
    onMediaChange(wide, sync);
  }

  /* ---------------------------------------------------------------- skip link */

  // Make sure activating the skip link really moves keyboard focus into <main>.
  function initSkipLink() {
    var link = document.querySelector(".skip-link");
    var main = document.getElementById("main");
    if (!link || !main) {
      return;
    }
    link.addEventListener("click", function (event) {
      event.preventDefault();
      main.focus();
      main.scrollIntoView();
      if (window.history && window.history.replaceState) {
        window.history.replaceState(null, "", "#main");
      }
    });
  }

  /* ---------------------------------------------------------------- error summary */

  function labelFor(target) {
    var labels = target.labels;
    if (labels && labels.length) {
      return labels[0];
    }
    var fieldset = target.closest("fieldset");
    return fieldset ? fieldset.querySelector("legend") : null;
  }

  // Focus the summary so it is read first; its links move focus to the field itself and
  // scroll so that the field's label is visible too.
  function initErrorSummary() {
    var summary = document.getElementById("error-summary");
    if (!summary) {
      return;
    }
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) {
        return;
      }
      var target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
      if (!target) {
        return;
      }
      event.preventDefault();
      var label = labelFor(target);
      (label || target).scrollIntoView();
      target.focus({ preventScroll: true });
    });
  }

  /* ---------------------------------------------------------------- idle-session warning */

  // WCAG 2.2.1 Timing Adjustable: two minutes before the idle timeout, say so and offer to
  // continue. Any request extends the server session, so "继续使用" simply fetches this page.
  function initIdleWarning() {
    var minutes = parseFloat(document.body.getAttribute("data-idle-minutes") || "");
    if (!(minutes > 0)) {
      return;
    }
    var total = minutes * 60 * 1000;
    var warnBefore = Math.min(2 * 60 * 1000, total / 2);
    var warnMinutes = Math.max(1, Math.round(warnBefore / 60000));
    var warnTimer = null;
    var expireTimer = null;
    var dialog = null;
    var title = null;
    var text = null;
    var button = null;
    var expired = false;
    var returnFocus = null;

    function build() {
      dialog = document.createElement("dialog");
      dialog.className = "idle-dialog";
      dialog.setAttribute("role", "alertdialog");
      dialog.setAttribute("aria-modal", "true");
      dialog.setAttribute("aria-labelledby", "idle-dialog-title");
      dialog.setAttribute("aria-describedby", "idle-dialog-text");
      dialog.hidden = true;

      title = document.createElement("h2");
      title.id = "idle-dialog-title";
      text = document.createElement("p");
      text.id = "idle-dialog-text";
      var row = document.createElement("div");
      row.className = "button-row";
      button = document.createElement("button");
      button.type = "button";
      row.appendChild(button);
      dialog.appendChild(title);
      dialog.appendChild(text);
      dialog.appendChild(row);
      document.body.appendChild(dialog);

      button.addEventListener("click", onButton);
      // Escape on a modal <dialog>: treat it as "继续使用" rather than silently closing.
      dialog.addEventListener("cancel", function (event) {
        event.preventDefault();
        onButton();
      });
    }

    function open() {
      if (!dialog) {
        build();
      }
      if (dialog.hidden) {
        returnFocus = document.activeElement;
        dialog.hidden = false;
        if (typeof dialog.showModal === "function") {
          if (!dialog.open) {
            dialog.showModal();
          }
        }
      }
      button.focus();
    }

    function close() {
      if (!dialog) {
        return;
      }
      if (dialog.open && typeof dialog.close === "function") {
        dialog.close();
      }
      dialog.hidden = true;
      if (returnFocus && typeof returnFocus.focus === "function" && document.contains(returnFocus)) {
        returnFocus.focus();
      }
      returnFocus = null;
    }

    function showWarning() {
      expired = false;
      open();
      title.textContent = "即将自动退出";
      text.textContent = "您已较长时间未操作，将于 " + warnMinutes + " 分钟后自动退出。如需继续，请选择“继续使用”。";
      button.textContent = "继续使用";
      button.disabled = false;
      button.focus();
    }

    function showExpired() {
      expired = true;
      open();
      title.textContent = "已自动退出";
      text.textContent = "由于长时间未操作，为保护信息安全，您已自动退出。请重新登录后继续办理。";
      button.textContent = "重新登录";
      button.disabled = false;
      button.focus();
    }

    function schedule() {
      window.clearTimeout(warnTimer);
      window.clearTimeout(expireTimer);
      warnTimer = window.setTimeout(showWarning, total - warnBefore);
      expireTimer = window.setTimeout(showExpired, total);
    }

    function onButton() {
      if (expired) {
        // The server now answers with the sign-in page (and brings the user back here after).
        window.location.reload();
        return;
      }
      button.disabled = true;
      window.fetch(document.body.dataset.keepaliveUrl || window.location.href, {
        method: "GET",
        credentials: "same-origin",
        cache: "no-store",
        headers: { "X-Requested-With": "fetch" }
      }).then(function (response) {
        if (response.redirected && /\/login\//.test(response.url)) {
          showExpired();
          return;
        }
        close();
        schedule();
      }).catch(function () {
        button.disabled = false;
        text.textContent = "网络连接失败，未能延长登录时间。请检查网络后再次选择“继续使用”。";
        button.focus();
      });
    }

    schedule();
  }

  /* ---------------------------------------------------------------- task progress */

  var TASK_RELOAD_KEY = "canlian:task-finished";

  function initTaskProgress() {
    var box = document.querySelector("[data-task-progress]");
    if (!box) {
      return;
    }
    // Came back here by the reload below: put focus on the result (the download link).
    if (box.getAttribute("data-finished") === "true") {
      var store = null;
      try {
        store = window.sessionStorage;
      } catch (e) {
        store = null;
      }
      if (store && store.getItem(TASK_RELOAD_KEY) === window.location.pathname) {
        store.removeItem(TASK_RELOAD_KEY);
        var result = document.getElementById("task-result");
        var link = result && result.querySelector("a");
        if (link) {
          link.focus();
        } else if (result) {
          result.focus();
        }
      }
      return;
    }

    var url = box.getAttribute("data-url") || window.location.pathname;
    var bar = box.querySelector("progress");
    var figures = box.querySelector("[data-task-figures]");
    var statusLabel = box.querySelector("[data-task-status-label]");
    var message = box.querySelector("[data-task-message]");
    var refresh = box.querySelector("[data-task-refresh]");
    var noWorker = document.querySelector("[data-task-no-worker]");
    var lastStatus = statusLabel ? statusLabel.textContent : "";
    var lastStep = -1;
    var failures = 0;

    if (refresh) {
      refresh.hidden = true; // the page updates itself
    }

    function update(data) {
      var percent = Math.max(0, Math.min(100, Number(data.percent) || 0));
      if (bar) {
        bar.value = percent;
        bar.textContent = percent + "%";
      }
      if (figures) {
        figures.textContent = "已完成 " + percent + "%" +
          (data.total ? "（" + data.done + " / " + data.total + " 条）" : "");
      }
      // The status region is a polite live region: change it only when the status changes
      // or every further 10 %, so screen readers are not flooded every 1.5 seconds.
      var step = Math.floor(percent / 10);
      if (statusLabel && (data.status_label !== lastStatus || step !== lastStep)) {
        statusLabel.textContent = data.status_label +
          (data.finished ? "" : "，已完成 " + percent + "%");
        lastStatus = data.status_label;
        lastStep = step;
      }
      if (noWorker) {
        noWorker.hidden = !data.no_worker;
      }
      if (message) {
        if (message.textContent !== (data.message || "")) {
          message.textContent = data.message || "";
        }
        message.hidden = !data.message;
      }
    }

    function poll() {
      window.fetch(url, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { Accept: "application/json" }
      }).then(function (response) {
        if (response.redirected || !response.ok) {
          throw new Error("unexpected response " + response.status);
        }
        return response.json();
      }).then(function (data) {
        failures = 0;
        // A poll does not extend the idle session (the server does not refresh it either).
        update(data);
        if (data.finished) {
          try {
            window.sessionStorage.setItem(TASK_RELOAD_KEY, window.location.pathname);
          } catch (e) {
            // Private mode without storage: the page still reloads, focus just stays put.
          }
          window.location.reload();
        } else {
          window.setTimeout(poll, 1500);
        }
      }).catch(function () {
        failures += 1;
        if (refresh) {
          refresh.hidden = false;
        }
        if (failures < 5) {
          window.setTimeout(poll, 5000);
        } else if (statusLabel) {
          statusLabel.textContent = "暂时无法获取最新进度，请选择“刷新进度”。";
        }
      });
    }

    window.setTimeout(poll, 1500);
  }

  /* ---------------------------------------------------------------- auditor's chart */

  // A visual extra: the table next to the chart carries the same figures for everyone, so the
  // chart container is aria-hidden and stays hidden when ECharts is not available.
  function initAuditChart() {
    var box = document.getElementById("audit-chart");
    var source = document.getElementById("audit-chart-data");
    if (!box || !source || !window.echarts) {
      return;
    }
    var rows;
    try {
      rows = JSON.parse(source.textContent);
    } catch (e) {
      return;
    }
    box.hidden = false;
    var css = window.getComputedStyle(document.body);
    var text = css.color;
    var background = css.backgroundColor;
    var highContrast = document.documentElement.classList.contains("high-contrast");
    var fontSize = parseFloat(window.getComputedStyle(document.documentElement).fontSize) || 16;
    var palette = highContrast ? ["#ffffff", "#ffff00", "#00ffff"] : ["#0b4ea2", "#b3261e", "#1e6b35"];
    // Canvas renderer: it styles nodes through the CSSOM, which the CSP allows.
    var chart = window.echarts.init(box);
    chart.setOption({
      animation: false,
      backgroundColor: background,
      color: palette,
      textStyle: { color: text, fontSize: fontSize * 0.875 },
      // Patterns on the bars as well as colours, so the series differ without colour.
      aria: { enabled: true, label: { enabled: false }, decal: { show: true } },
      legend: { top: 0, textStyle: { color: text, fontSize: fontSize * 0.875 } },
      grid: { left: 8, right: 8, bottom: 8, top: fontSize * 3, containLabel: true },
      xAxis: {
        type: "category",
        data: rows.map(function (r) { return r.day; }),
        axisLine: { lineStyle: { color: text } },
        axisLabel: { color: text }
      },
      yAxis: {
        type: "value",
        minInterval: 1,
        axisLine: { show: true, lineStyle: { color: text } },
        axisLabel: { color: text },
        splitLine: { lineStyle: { color: highContrast ? "#ffffff" : "#b1b4b6", opacity: 0.5 } }
      },
      series: [
        { name: "全部记录", type: "bar", data: rows.map(function (r) { return r.total; }) },
        { name: "查看完整信息", type: "bar", data: rows.map(function (r) { return r.reveals; }) },
        { name: "导出", type: "bar", data: rows.map(function (r) { return r.exports; }) }
      ]
    });
    // ECharts labels its container for screen readers; this one is aria-hidden on purpose.
    box.removeAttribute("aria-label");
    chart.on("finished", function () {
      document.body.setAttribute("data-chart-rendered", "1");
    });
    window.addEventListener("resize", function () {
      chart.resize();
    });
  }

  /* ---------------------------------------------------------------- start */

  function init() {
    initNav();
    initSkipLink();
    initErrorSummary();
    initIdleWarning();
    initTaskProgress();
    initAuditChart();
  }

  // Deferred scripts run before DOMContentLoaded; waiting for it lets the other deferred
  // scripts of the page (ECharts on the auditor's work-bench) load first.
  if (document.readyState === "complete") {
    init();
  } else {
    document.addEventListener("DOMContentLoaded", init);
  }
})();
