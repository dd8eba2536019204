/* Canlian progressive enhancement. Every page works without this file. */
(function () {
  "use strict";

  // Put focus on the error summary so screen readers announce it first.
  function focusErrorSummary() {
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  }

  // On narrow screens the menu starts closed; on wide screens it stays open as a sidebar.
  function collapseNavOnPhones() {
    var details = document.querySelector(".main-nav details");
    if (details && window.matchMedia("(max-width: 720px)").matches) {
      details.removeAttribute("open");
    }
  }

  // Background-task progress: poll the page's JSON form and update the live region.
  function pollTask() {
    var box = document.getElementById("task");
    if (!box || !box.dataset.pollUrl) { return; }
    var url = box.dataset.pollUrl;
    function tick() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          document.getElementById("task-progress").value = data.percent;
          document.getElementById("task-status-label").textContent = data.status_label;
          document.getElementById("task-done").textContent = data.done;
          document.getElementById("task-total").textContent = data.total;
          document.getElementById("task-percent").textContent = data.percent;
          document.getElementById("task-message").textContent = data.message;
          if (data.finished) { window.location.reload(); } else { setTimeout(tick, 1500); }
        })
        .catch(function () { setTimeout(tick, 5000); });
    }
    setTimeout(tick, 1000);
  }

  // WCAG 2.2.1 Timing Adjustable: warn two minutes before the idle timeout and let the
  // user continue; any request to the server extends the session.
  function idleWarning() {
    var minutes = parseInt(document.body.dataset.idleMinutes || "0", 10);
    if (!minutes || minutes < 3) { return; }
    var timer = null;
    var dialog = document.createElement("div");
    dialog.className = "idle-dialog";
    dialog.setAttribute("role", "alertdialog");
    dialog.setAttribute("aria-modal", "true");
    dialog.setAttribute("aria-labelledby", "idle-title");
    dialog.hidden = true;
    var title = document.createElement("h2");
    title.id = "idle-title";
    title.textContent = "您已较长时间未操作，将于 2 分钟后自动退出";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button primary";
    button.textContent = "继续使用";
    dialog.appendChild(title);
    dialog.appendChild(button);
    document.body.appendChild(dialog);
    function arm() {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(function () {
        dialog.hidden = false;
        button.focus();
      }, (minutes - 2) * 60 * 1000);
    }
    button.addEventListener("click", function () {
      fetch(window.location.href, { credentials: "same-origin" }).then(function () {
        dialog.hidden = true;
        arm();
      });
    });
    arm();
  }

  // Auditor's daily chart; the table next to it carries the same figures for everyone.
  function auditChart() {
    var box = document.getElementById("audit-chart");
    var source = document.getElementById("audit-chart-data");
    if (!box || !source || !window.echarts) { return; }
    var rows = JSON.parse(source.textContent);
    var chart = window.echarts.init(box);
    chart.on("finished", function () { document.body.dataset.chartRendered = "1"; });
    chart.setOption({
      animation: false,
      aria: { enabled: true, decal: { show: true } },
      tooltip: { trigger: "axis" },
      legend: { data: ["全部操作", "查看完整信息", "导出"] },
      xAxis: { type: "category", data: rows.map(function (r) { return r.day; }) },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: "全部操作", type: "bar", data: rows.map(function (r) { return r.total; }) },
        { name: "查看完整信息", type: "bar", data: rows.map(function (r) { return r.reveals; }) },
        { name: "导出", type: "bar", data: rows.map(function (r) { return r.exports; }) }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusErrorSummary();
    collapseNavOnPhones();
    pollTask();
    idleWarning();
    auditChart();
  });
})();
