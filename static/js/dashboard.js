/* The dashboard's enhancements: the chart (uPlot), top stats that switch its metric, panel
   tabs fetched in place, the realtime panel refreshed. Without this file every link still
   works: the server renders each state of the page. */
(function () {
  "use strict";

  const REALTIME_SECONDS = 5;
  const FRACTIONAL = new Set(["views_per_visit", "bounce_rate"]);
  const WHOLE_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5,
                       5e5, 1e6, 2e6, 5e6, 1e7, 2e7, 5e7, 1e8, 2e8, 5e8, 1e9];
  const dataElement = document.getElementById("chart-data");
  const chartElement = document.getElementById("chart");
  const chartData = dataElement ? JSON.parse(dataElement.textContent) : null;
  let chart = null;

  function compact(value) {
    const sizes = [[1e9, "B"], [1e6, "M"], [1e3, "k"]];
    for (const [size, suffix] of sizes) {
      if (Math.abs(value) >= size) return (value / size).toFixed(1).replace(/\.0$/, "") + suffix;
    }
    return String(value);
  }

  function duration(seconds) {
    if (seconds < 60) return seconds + "s";
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return minutes + "m " + String(seconds % 60).padStart(2, "0") + "s";
    return Math.floor(minutes / 60) + "h " + String(minutes % 60).padStart(2, "0") + "m";
  }

  function metricText(metric, value) {
    if (value == null) return "—";
    if (metric === "bounce_rate") return value + "%";
    if (metric === "views_per_visit") return value.toFixed(2);
    if (metric === "visit_duration") return duration(value);
    return compact(value);
  }

  // "2026-03-08" -> "8 Mar"; "2026-03-08T14:00:00-04:00" -> "14:00"; months -> "Mar 2026".
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function shortLabel(label, interval) {
    if (!label) return "";
    const month = MONTHS[Number(label.slice(5, 7)) - 1];
    if (interval === "hour") return label.slice(11, 16);
    if (interval === "month") return month + " " + label.slice(0, 4);
    return Number(label.slice(8, 10)) + " " + month;
  }

  function longLabel(label, interval) {
    if (interval === "hour") return label.slice(0, 10) + " " + label.slice(11, 16);
    return label;
  }

  function cssColor(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  // The chart's table, for another metric (the server wrote the first one's).
  function tableRows(metric, title) {
    const body = document.getElementById("chart-rows");
    if (!body) return;
    const table = body.closest("table");
    table.caption.textContent = title + " by " + chartElement.dataset.interval;
    table.tHead.rows[0].cells[1].textContent = title;
    if (chartData.previous) table.tHead.rows[0].cells[3].textContent = title + " then";
    body.textContent = "";
    chartData.labels.forEach(function (label, index) {
      const row = body.insertRow();
      const head = document.createElement("th");
      head.scope = "row";
      head.textContent = label;
      row.appendChild(head);
      row.insertCell().textContent = metricText(metric, chartData.series[metric][index]);
      if (chartData.previous) {
        const before = chartData.previous_labels[index];
        row.insertCell().textContent = before || "";
        row.insertCell().textContent = before ? metricText(metric, chartData.previous[metric][index]) : "";
      }
    });
  }

  function tooltipPlugin(metric, interval) {
    const tip = document.createElement("div");
    tip.className = "chart-tooltip";
    tip.setAttribute("role", "status");
    return {
      hooks: {
        init: function (u) { u.over.appendChild(tip); },
        setCursor: function (u) {
          const index = u.cursor.idx;
          if (index == null) { tip.style.display = "none"; return; }
          const lines = [longLabel(chartData.labels[index], interval) + ": " +
                         metricText(metric, chartData.series[metric][index])];
          if (chartData.previous && chartData.previous_labels[index]) {
            lines.push(longLabel(chartData.previous_labels[index], interval) + ": " +
                       metricText(metric, chartData.previous[metric][index]));
          }
          tip.textContent = "";
          lines.forEach(function (line) {
            const div = document.createElement("div");
            div.textContent = line;
            tip.appendChild(div);
          });
          tip.style.display = "block";
          const left = u.valToPos(index, "x");
          const flip = left > u.over.clientWidth / 2;
          tip.style.left = flip ? "" : (left + 12) + "px";
          tip.style.right = flip ? (u.over.clientWidth - left + 12) + "px" : "";
          tip.style.top = "8px";
        },
      },
    };
  }

  function drawChart(metric) {
    if (!chartElement || !chartData || typeof uPlot === "undefined") return;
    const interval = chartElement.dataset.interval;
    const xs = chartData.labels.map(function (_, index) { return index; });
    const data = [xs, chartData.series[metric]];
    const accent = cssColor("--accent");
    const muted = cssColor("--muted");
    const line = cssColor("--line");
    const series = [{}, {label: "This period", stroke: accent, width: 2, fill: accent + "22",
                          points: {show: xs.length <= 62}}];
    if (chartData.previous) {
      data.push(chartData.previous[metric].slice(0, xs.length));
      series.push({label: "Compared period", stroke: muted, width: 1.5, dash: [6, 4], points: {show: false}});
    }
    const axis = {stroke: muted, grid: {stroke: line, width: 1}, ticks: {stroke: line, width: 1}};
    const options = {
      width: chartElement.clientWidth || 600,
      height: 280,
      legend: {show: false},
      cursor: {y: false, drag: {x: false, y: false}, points: {size: 7}},
      scales: {x: {time: false}, y: {range: function (u, min, max) { return [0, Math.max(1, max * 1.1)]; }}},
      axes: [
        Object.assign({}, axis, {
          values: function (u, splits) {
            return splits.map(function (i) { return Number.isInteger(i) ? shortLabel(chartData.labels[i], interval) : ""; });
          },
        }),
        Object.assign({}, axis, {
          size: 56,
          // Counts and seconds are whole: no tick at 0.5 visitors.
          incrs: FRACTIONAL.has(metric) ? undefined : WHOLE_STEPS,
          values: function (u, splits) { return splits.map(function (v) { return metricText(metric, v); }); },
        }),
      ],
      series: series,
      plugins: [tooltipPlugin(metric, interval)],
    };
    if (chart) chart.destroy();
    chartElement.textContent = "";
    chart = new uPlot(options, data, chartElement);
    chartElement.setAttribute("role", "img");
    chartElement.setAttribute("aria-label", "Chart of " + metric.replace(/_/g, " ") + " by " + interval +
                              " (the same figures are in the table below)");
  }

  // A state changed in place (the chart's metric, a panel's tab) is carried into the URL and
  // into every link and form of the page, so that the next click keeps it.
  function carry(key, value) {
    const rewrite = function (href) {
      const at = href.indexOf("?");
      const params = new URLSearchParams(at < 0 ? "" : href.slice(at + 1));
      if (value) params.set(key, value); else params.delete(key);
      return (at < 0 ? href : href.slice(0, at)) + "?" + params.toString();
    };
    document.querySelectorAll("a[href^='?'], a[href^='breakdowns/']").forEach(function (link) {
      link.setAttribute("href", rewrite(link.getAttribute("href")));
    });
    document.querySelectorAll("form[method='get']").forEach(function (form) {
      let input = form.querySelector("input[type='hidden'][name='" + key + "']");
      if (!value) { if (input) input.remove(); return; }
      if (!input) {
        input = document.createElement("input");
        input.type = "hidden";
        input.name = key;
        form.prepend(input);
      }
      input.value = value;
    });
    history.replaceState(null, "", rewrite(window.location.search));
  }

  function selectMetric(link) {
    const metric = link.dataset.metric;
    document.querySelectorAll(".top-stats .stat").forEach(function (stat) {
      const selected = stat === link;
      stat.classList.toggle("selected", selected);
      if (selected) stat.setAttribute("aria-current", "true"); else stat.removeAttribute("aria-current");
    });
    const title = link.querySelector(".stat-label").textContent;
    document.getElementById("chart-title").textContent = title;
    chartElement.dataset.metric = metric;
    carry("metric", new URL(link.href).searchParams.get("metric"));
    drawChart(metric);
    tableRows(metric, title);
  }

  async function loadTab(panel, link) {
    const key = panel.dataset.panel + "_tab";
    const tab = new URL(link.href).searchParams.get(key);  // none: the panel's first tab
    const params = new URLSearchParams(window.location.search);
    if (tab) params.set(key, tab); else params.delete(key);
    const query = "?" + params.toString();
    const response = await fetch(panel.dataset.fragment + query, {headers: {Accept: "text/html"}});
    if (!response.ok) { window.location.assign(query); return; }
    const holder = document.createElement("div");
    holder.innerHTML = await response.text();
    const fresh = holder.querySelector(".panel");
    panel.replaceWith(fresh);
    carry(key, tab);
    const current = fresh.querySelector(".tabs a[aria-current]");
    if (current) current.focus();
  }

  async function refreshRealtime() {
    const body = document.getElementById("realtime-body");
    if (!body || document.hidden) return;
    try {
      const response = await fetch("realtime" + window.location.search, {headers: {Accept: "text/html"}});
      if (response.ok) body.innerHTML = await response.text();
    } catch (error) {
      // Offline for a moment: the next tick tries again.
    }
  }

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    const stat = event.target.closest(".top-stats .stat");
    if (stat && chartData) {
      event.preventDefault();
      selectMetric(stat);
      return;
    }
    const tab = event.target.closest(".panel .tabs a");
    if (tab) {
      event.preventDefault();
      loadTab(tab.closest(".panel"), tab);
      return;
    }
    const copy = event.target.closest("button[data-copy]");
    if (copy) {
      const text = document.querySelector(copy.dataset.copy).textContent;
      navigator.clipboard.writeText(text).then(function () { copy.textContent = "Copied"; });
    }
  });

  if (chartElement) {
    drawChart(chartElement.dataset.metric);
    let width = chartElement.clientWidth;
    new ResizeObserver(function () {
      if (chart && chartElement.clientWidth !== width) {
        width = chartElement.clientWidth;
        chart.setSize({width: width, height: 280});
      }
    }).observe(chartElement);
  }
  if (document.getElementById("realtime-body")) {
    window.setInterval(refreshRealtime, REALTIME_SECONDS * 1000);
  }
})();
