// The dashboard's charts, drawn with the pinned ECharts the platform serves itself. Each chart's data is
// in its element (rendered by the server), and a click on a bar opens the list behind it.
/* global echarts */

function chart(id, build) {
  const el = document.getElementById(id);
  if (!el || typeof echarts === "undefined") return;
  const instance = echarts.init(el, null, { renderer: "svg" });
  instance.setOption(build(JSON.parse(el.dataset.series || "{}"), JSON.parse(el.dataset.labels || "{}")));
  window.addEventListener("resize", () => instance.resize());
  return instance;
}

const stages = chart("chart-stages", (series, labels) => {
  const codes = Object.keys(series);
  return {
    tooltip: {},
    grid: { left: 100, right: 20, top: 10, bottom: 20 },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: codes.map((c) => labels[c] || c) },
    series: [{ type: "bar", data: codes.map((c) => series[c]), itemStyle: { color: "#1f6feb" } }],
  };
});
stages?.on("click", () => window.location.assign("#projects"));

const claims = chart("chart-claims", (months, labels) => {
  const monthList = Object.keys(months).sort();
  const statuses = [...new Set(monthList.flatMap((m) => Object.keys(months[m])))];
  return {
    tooltip: { trigger: "axis" },
    legend: { type: "scroll", bottom: 0 },
    grid: { left: 40, right: 20, top: 10, bottom: 50 },
    xAxis: { type: "category", data: monthList },
    yAxis: { type: "value", minInterval: 1 },
    series: statuses.map((s) => ({ name: labels[s] || s, type: "bar", stack: "all", data: monthList.map((m) => months[m][s] || 0) })),
  };
});
claims?.on("click", () => window.location.assign("#claims"));

const insurers = chart("chart-insurers", (tally, labels) => {
  const names = Object.keys(tally);
  return {
    tooltip: { trigger: "axis" },
    legend: { bottom: 0 },
    grid: { left: 100, right: 20, top: 10, bottom: 40 },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: names },
    series: ["on_time", "overdue"].map((k) => ({
      name: labels[k], type: "bar", stack: "all", data: names.map((n) => tally[n][k]),
      itemStyle: { color: k === "overdue" ? "#cf222e" : "#1a7f37" },
    })),
  };
});
insurers?.on("click", () => window.location.assign("#claims"));

const strikes = chart("chart-strikes", (tally) => {
  const names = Object.keys(tally).filter((n) => tally[n] > 0);
  return {
    tooltip: {},
    grid: { left: 140, right: 20, top: 10, bottom: 20 },
    xAxis: { type: "value", minInterval: 1, name: "记分" },
    yAxis: { type: "category", data: names },
    series: [{ type: "bar", data: names.map((n) => tally[n]), itemStyle: { color: "#bf5a00" } }],
  };
});
strikes?.on("click", () => window.location.assign("#agencies"));

// Filings to the regulator's platform (notify, XC-02): on time, late, not filed per insurer and per agency.
for (const id of ["chart-filings-insurers", "chart-filings-agencies"]) {
  const figures = chart(id, (tally, labels) => {
    const names = Object.keys(tally);
    const colours = { on_time: "#1a7f37", late: "#cf222e", not_filed: "#bf5a00" };
    return {
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 100, right: 20, top: 10, bottom: 40 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: names },
      series: ["on_time", "late", "not_filed"].map((k) => ({
        name: labels[k], type: "bar", stack: "all", data: names.map((n) => tally[n][k]), itemStyle: { color: colours[k] },
      })),
    };
  });
  figures?.on("click", () => window.location.assign("#filings"));
}
