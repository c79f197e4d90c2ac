/* 红链 dashboards: draws the charts described in <script id="dashboard-charts"> with ECharts.
   The same figures are in the page's tables, so the page stays complete without this file. */
(function () {
  "use strict";

  var PALETTE = ["#9f1d20", "#c9a227", "#3a6ea5", "#5b8c5a", "#8c6bb1", "#d9822b", "#6c757d"];

  function locale() {
    return (document.documentElement.lang || "").toLowerCase().indexOf("zh") === 0 ? "ZH" : "EN";
  }

  function esc(text) {
    return window.echarts.format.encodeHTML(String(text));
  }

  function withUnit(value, unit) {
    if (value === null || value === undefined || value === "-") {
      return "–";
    }
    if (!unit) {
      return String(value);
    }
    return unit === "%" ? value + "%" : value + " " + unit;
  }

  function tooltipFor(spec) {
    return {
      trigger: "axis",
      axisPointer: { type: "shadow" },
      confine: true,
      formatter: function (params) {
        // ECharts may ask with nothing under the pointer (a chart being laid out or left).
        if (!params || !params.length) {
          return "";
        }
        var lines = [esc(params[0].axisValueLabel)];
        params.forEach(function (p) {
          var unit = (spec.series[p.seriesIndex] || {}).unit || "";
          lines.push(p.marker + esc(p.seriesName) + "：" + esc(withUnit(p.value, unit)));
        });
        return lines.join("<br>");
      }
    };
  }

  function pieOption(spec, narrow) {
    var series = spec.series[0];
    return {
      color: PALETTE,
      tooltip: {
        trigger: "item",
        confine: true,
        formatter: function (p) {
          return p.marker + esc(p.name) + "：" + p.value + "（" + p.percent + "%）";
        }
      },
      legend: { bottom: 0, type: "scroll" },
      series: [{
        name: series.name,
        type: "pie",
        radius: narrow ? ["30%", "58%"] : ["35%", "65%"],
        center: ["50%", "45%"],
        avoidLabelOverlap: true,
        label: narrow
          ? { position: "inside", formatter: "{c}", color: "#fff", fontWeight: "bold" }
          : { formatter: "{b}\n{c}", fontSize: 12 },
        data: series.data
      }]
    };
  }

  function cartesianOption(spec, narrow) {
    var horizontal = !!spec.horizontal;
    var category = {
      type: "category",
      data: spec.categories,
      axisLabel: { interval: 0, fontSize: 11, hideOverlap: true, rotate: 0 }
    };
    if (!horizontal && spec.categories.length > (narrow ? 4 : 8)) {
      category.axisLabel.rotate = 40;
    }
    var axes = (spec.axes || [{ name: "", unit: "" }]).map(function (axis, i) {
      var value = {
        type: "value",
        name: narrow ? "" : axis.name,
        nameTextStyle: { fontSize: 11 },
        splitLine: { show: i === 0 },
        axisLabel: { fontSize: 11 }
      };
      if (!axis.unit) {
        value.minInterval = 1; // counts: no half meetings or half needs on the axis
      }
      if (axis.max !== undefined) {
        value.max = axis.max;
        value.min = 0;
      }
      return value;
    });
    var series = spec.series.map(function (s, i) {
      var item = {
        name: s.name,
        type: s.kind === "line" ? "line" : "bar",
        data: s.data,
        connectNulls: true,
        barMaxWidth: 36,
        emphasis: { focus: "series" }
      };
      if (!horizontal) {
        item.yAxisIndex = s.axis || 0;
      }
      if (s.kind === "line") {
        item.symbolSize = 7;
        item.smooth = false;
      }
      if (spec.floor && i === spec.series.length - 1) {
        item.markLine = {
          silent: true,
          symbol: "none",
          lineStyle: { type: "dashed", color: "#b02a37" },
          label: { formatter: spec.floor.name, position: "insideStartTop", fontSize: 11 },
          data: [{ yAxis: spec.floor.value }]
        };
      }
      return item;
    });
    var option = {
      color: PALETTE,
      tooltip: tooltipFor(spec),
      grid: { left: 8, right: 12, top: spec.series.length > 1 ? 40 : 24, bottom: 8, containLabel: true },
      series: series
    };
    if (spec.series.length > 1) {
      option.legend = { top: 0, type: "scroll" };
    }
    if (horizontal) {
      category.inverse = true;
      option.yAxis = category;
      option.xAxis = axes[0];
      option.grid.top = 8;
    } else {
      option.xAxis = category;
      option.yAxis = axes;
    }
    return option;
  }

  function draw(el, spec) {
    var chart = window.echarts.init(el, null, { locale: locale(), renderer: "canvas" });
    var narrow = el.clientWidth < 480;
    chart.setOption(spec.kind === "pie" ? pieOption(spec, narrow) : cartesianOption(spec, narrow));
    return chart;
  }

  function init() {
    var source = document.getElementById("dashboard-charts");
    if (!source || !window.echarts) {
      return;
    }
    var specs = JSON.parse(source.textContent);
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var spec = specs[el.getAttribute("data-chart")];
      if (spec) {
        charts.push(draw(el, spec));
      }
    });
    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () {
        charts.forEach(function (chart) { chart.resize(); });
      }, 150);
    });
  }

  // Printed pages show every table, whatever the reader had folded.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details[data-print-open]").forEach(function (d) {
      d.setAttribute("data-was-open", d.open ? "1" : "0");
      d.open = true;
    });
  });
  window.addEventListener("afterprint", function () {
    document.querySelectorAll("details[data-print-open]").forEach(function (d) {
      d.open = d.getAttribute("data-was-open") === "1";
    });
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
