// The timeliness page: filter by measure, region and LA, and redraw every chart and table from
// the aggregated counts in DATA (no record-level rows are on the page).
const ALL = "All";
const select = (id) => document.getElementById(id);

function options(element, values, withAll = true) {
  const current = element.value;
  element.innerHTML = "";
  for (const value of withAll ? [ALL, ...values] : values) {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = value;
    element.appendChild(option);
  }
  element.value = values.includes(current) ? current : (withAll ? ALL : values[0]);
}

function chosen() {
  return {measure: select("filter-measure").value, region: select("filter-region").value, la: select("filter-la").value};
}

function keep(row, view) {
  return (view.measure === ALL || row.measure === view.measure)
    && (view.region === ALL || row.region === view.region)
    && (view.la === ALL || row.la === view.la);
}

function sum(rows, key, field) {
  const totals = new Map();
  for (const row of rows) totals.set(key(row), (totals.get(key(row)) || 0) + row[field]);
  return totals;
}

function table(id, header, rows) {
  const head = "<thead><tr>" + header.map((h) => `<th scope="col">${h}</th>`).join("") + "</tr></thead>";
  const body = rows.map((r) => "<tr>" + r.map((v, i) => i ? `<td class="n">${v}</td>` : `<th scope="row">${v}</th>`).join("") + "</tr>").join("");
  select(`table-${id}`).innerHTML = head + "<tbody>" + body + "</tbody>";
}

function percent(onTime, due) {
  return due ? Math.round((1000 * onTime) / due) / 10 : null;
}

function draw() {
  const view = chosen();
  const cases = DATA.cases.filter((row) => keep(row, view));
  const periods = DATA.periods;
  const measures = view.measure === ALL ? DATA.measures : [view.measure];

  // 1. Share on time per measure by quarter
  const due = sum(cases, (r) => `${r.measure}|${r.period}`, "due");
  const onTime = sum(cases, (r) => `${r.measure}|${r.period}`, "on_time");
  const traces = measures.map((measure, i) => ({
    type: "scatter", mode: "lines+markers", name: measure, line: {color: PALETTE[i % PALETTE.length]},
    x: periods, y: periods.map((p) => percent(onTime.get(`${measure}|${p}`) || 0, due.get(`${measure}|${p}`) || 0)),
  }));
  Plotly.react("on_time", traces, FIGURES.on_time.layout, CONFIG);
  const rows = [];
  for (const p of periods) for (const m of measures) {
    const d = due.get(`${m}|${p}`) || 0;
    if (d) rows.push([p, m, d, onTime.get(`${m}|${p}`) || 0, percent(onTime.get(`${m}|${p}`) || 0, d).toFixed(1)]);
  }
  table("on_time", ["Quarter", "Measure", "Due", "On time", "Percentage on time"], rows);

  // 2. Distribution of working days taken (complete cases)
  const days = sum(DATA.days.filter((row) => keep(row, view)), (r) => r.days, "cases");
  const dayValues = [...days.keys()].sort((a, b) => a - b);
  Plotly.react("working_days", [{type: "bar", name: "Complete cases", marker: {color: PALETTE[2]},
    x: dayValues, y: dayValues.map((d) => days.get(d))}], FIGURES.working_days.layout, CONFIG);
  table("working_days", ["Working days taken", "Complete cases"], dayValues.map((d) => [d, days.get(d)]));

  // 3. Open and overdue cases as at the as-at date, by region, or by LA within a region
  const byLa = view.region !== ALL || view.la !== ALL;
  const overdue = sum(cases, (r) => (byLa ? r.la : r.region), "open_overdue");
  const areas = [...overdue.keys()].sort();
  Plotly.react("overdue", [{type: "bar", name: "Open and overdue", marker: {color: PALETTE[5]},
    x: areas, y: areas.map((a) => overdue.get(a))}],
    {...FIGURES.overdue.layout, xaxis: {...FIGURES.overdue.layout.xaxis, title: {text: byLa ? "Local authority" : "Region"}}}, CONFIG);
  table("overdue", [byLa ? "Local authority" : "Region", "Open and overdue"], areas.map((a) => [a, overdue.get(a)]));

  select("view").textContent = `Showing: ${view.measure === ALL ? "all measures" : view.measure}; `
    + `${view.region === ALL ? "England" : view.region}${view.la === ALL ? "" : ", " + view.la}.`;
}

// Measures are never mixed in one chart: one measure at a time, the first (the filter default) to start.
options(select("filter-measure"), DATA.measures, false);
options(select("filter-region"), DATA.regions);
options(select("filter-la"), DATA.las.map((l) => l.la));
select("filter-region").addEventListener("change", () => {
  const region = select("filter-region").value;
  options(select("filter-la"), DATA.las.filter((l) => region === ALL || l.region === region).map((l) => l.la));
  draw();
});
select("filter-measure").addEventListener("change", draw);
select("filter-la").addEventListener("change", draw);
draw();
