/* 红链 chain map: the supply links between a chain's firms as an ECharts graph.
   Data comes from <script id="chain-map-data">; the tables on the page list the same links. */
(function () {
  "use strict";

  var ROLE_COLORS = ["#9f1d20", "#c9a227", "#3a6ea5"];
  var LOCAL = "#2e7d32";
  var REMOTE = "#8a8f94";

  function esc(text) {
    return window.echarts.format.encodeHTML(String(text));
  }

  function locale() {
    return (document.documentElement.lang || "").toLowerCase().indexOf("zh") === 0 ? "ZH" : "EN";
  }

  function init() {
    var el = document.getElementById("chain-map");
    var source = document.getElementById("chain-map-data");
    if (!el || !source || !window.echarts) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var narrow = el.clientWidth < 480;
    var degree = {};
    data.links.forEach(function (link) {
      degree[link.source] = (degree[link.source] || 0) + 1;
      degree[link.target] = (degree[link.target] || 0) + 1;
    });
    var nodes = data.nodes.map(function (node) {
      var size = node.leader ? (narrow ? 44 : 56) : Math.min(18 + 4 * (degree[node.id] || 0), 36);
      return {
        id: node.id,
        name: node.name,
        fullName: node.fullName,
        url: node.url,
        category: node.category,
        symbolSize: size,
        itemStyle: node.leader ? { borderColor: "#c9a227", borderWidth: 3 } : {},
        label: { show: true, fontWeight: node.leader ? "bold" : "normal", fontSize: narrow ? 10 : 12 }
      };
    });
    var links = data.links.map(function (link) {
      return {
        source: link.source,
        target: link.target,
        products: link.products,
        local: link.local,
        lineStyle: {
          color: link.local ? LOCAL : REMOTE,
          type: link.local ? "solid" : "dashed",
          width: link.local ? 2.5 : 1.5,
          curveness: 0.12
        }
      };
    });
    var chart = window.echarts.init(el, null, { locale: locale() });
    chart.setOption({
      color: ROLE_COLORS,
      tooltip: {
        confine: true,
        formatter: function (p) {
          if (p.dataType === "edge") {
            var names = {};
            data.nodes.forEach(function (n) { names[n.id] = n.name; });
            var label = p.data.local ? data.labels.local : data.labels.remote;
            return esc(names[p.data.source] + " → " + names[p.data.target]) + "<br>" +
              esc(p.data.products) + "<br>" + esc(label);
          }
          return esc(p.data.fullName) + "<br>" + esc(data.categories[p.data.category]);
        }
      },
      legend: [{ data: data.categories, bottom: 0 }],
      series: [{
        type: "graph",
        layout: "force",
        roam: true,
        draggable: true,
        categories: data.categories.map(function (name) { return { name: name }; }),
        data: nodes,
        links: links,
        edgeSymbol: ["none", "arrow"],
        edgeSymbolSize: [0, 8],
        force: { repulsion: narrow ? 180 : 420, edgeLength: narrow ? [60, 120] : [110, 220], gravity: 0.06 },
        label: { position: "right", formatter: "{b}" },
        labelLayout: { hideOverlap: true },
        emphasis: { focus: "adjacency", lineStyle: { width: 4 } },
        cursor: "pointer"
      }]
    });
    chart.on("click", function (params) {
      if (params.dataType === "node" && params.data.url) {
        window.location.assign(params.data.url);
      }
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
