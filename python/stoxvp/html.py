"""Self-contained HTML pages with plotly (Debian's python3-plotly; its JavaScript is embedded, so
the page needs no network): one run's report, and a sweep's table.

    python3 -m stoxvp.html run --report traces/inference.json --power traces/inference_power.csv --out run.html
"""
import argparse
import csv
import html as _html
import json
import os
import sys
import tempfile

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from ._files import write_atomically  # noqa: F401 (part of this module's interface)

# How many traces each figure of a run page draws is stated in the page (data-traces) so that a
# browser test can check what was drawn.


def _figure_div(fig, div_id, title):
    spec = json.loads(fig.to_json())
    n = len(spec.get("data", []))
    payload = json.dumps({"data": spec.get("data", []), "layout": spec.get("layout", {})}).replace("</", "<\\/")
    return (f'<section><h2>{_html.escape(title)}</h2><div id="{div_id}" class="plot" data-traces="{n}" '
            f'style="height:420px"></div><script>draw("{div_id}", {payload});</script></section>')


def _page(title, intro, sections):
    js = get_plotlyjs().replace("</script", "<\\/script")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{_html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1200px}} section{{margin-bottom:2em}}
table{{border-collapse:collapse}} td,th{{border:1px solid #ccc;padding:2px 6px;text-align:right}}</style>
<script>
// Any error of the page is also written into it (#page-errors), for the browser test.
function pageError(text) {{
  var pre = document.getElementById("page-errors");
  if (pre) pre.textContent += text + "\\n"; else (window.earlyErrors = window.earlyErrors || []).push(text);
}}
window.addEventListener("error", function (e) {{ pageError("error: " + e.message); }});
window.addEventListener("unhandledrejection", function (e) {{ pageError("rejection: " + e.reason); }});
(function () {{ var ce = console.error; console.error = function () {{
  pageError("console.error: " + Array.prototype.join.call(arguments, " ")); ce.apply(console, arguments); }}; }})();
</script>
<script>{js}</script>
<script>
function draw(id, fig) {{
  Plotly.newPlot(id, fig.data, fig.layout, {{staticPlot: false, responsive: true}}).then(function (gd) {{
    gd.setAttribute("data-drawn", gd.querySelectorAll("g.trace, g.bars .point").length > 0 ? "yes" : "no");
  }});
}}
</script></head><body>
<pre id="page-errors" style="color:red"></pre>
<script>(window.earlyErrors || []).forEach(pageError);</script>
<h1>{_html.escape(title)}</h1>
{intro}
{''.join(sections)}
</body></html>
"""


def read_power_csv(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    if not rows:
        return {}
    return {k: [float(r[k]) for r in rows] for k in rows[0]}


CONVERTER_COMPONENTS = ("adc", "sense_amp", "mtj")


def run_page(report, power=None, title=None):
    """The page of one run: `report` is the JSON report (dict), `power` the power CSV's columns."""
    inf = report.get("inference") or {}
    energy = report["energy"]
    comps = {k: v["total_pj"] for k, v in energy["components"].items() if v["total_pj"] > 0}
    comps["system bus"] = energy.get("bus_pj", 0)
    comps["cpu"] = energy.get("cpu_pj", 0)
    comps = {k: v for k, v in sorted(comps.items(), key=lambda kv: -kv[1]) if v > 0}
    sections = []

    f = go.Figure(go.Bar(x=list(comps), y=[v * 1e-6 for v in comps.values()], name="energy"))
    f.update_layout(yaxis_title="energy (uJ)", xaxis_title="component")
    sections.append(_figure_div(f, "energy_by_component", "Energy by component"))

    layers = report.get("layers", [])
    labels = [f"{l['tag']} {l['opcode']}" for l in layers]
    names = sorted({c for l in layers for c, v in l.get("energy_pj", {}).items() if v > 0})
    f = go.Figure([go.Bar(x=labels, y=[l["energy_pj"].get(c, 0) * 1e-6 for l in layers], name=c) for c in names])
    f.update_layout(barmode="stack", yaxis_title="dynamic energy (uJ)", xaxis_title="layer (tag, opcode)")
    sections.append(_figure_div(f, "energy_by_layer", "Energy by layer (dynamic, by component)"))

    if power:
        t = [v * 1e-3 for v in power["time_ns"]]
        cols = [k for k in power if k.endswith("_mw")]
        f = go.Figure([go.Scatter(x=t, y=power[k], name=k[:-3], mode="lines") for k in cols])
        f.update_layout(xaxis_title="simulated time (us)", yaxis_title="power (mW)")
        sections.append(_figure_div(f, "power_over_time", "Power over time (leakage included)"))
    else:
        sections.append("<section><h2>Power over time</h2><p>No power trace (run without --no-power).</p></section>")

    busy = report["accelerator"]["busy_ns"] or 1.0
    f = go.Figure([go.Bar(x=labels, y=[l["latency_ns"] * 1e-3 for l in layers], name="latency"),
                   go.Scatter(x=labels, y=[100.0 * l["latency_ns"] / busy for l in layers], name="share of busy time",
                              yaxis="y2", mode="markers+lines")])
    f.update_layout(yaxis=dict(title="latency, all invocations (us)"),
                    yaxis2=dict(title="share of the accelerator's busy time (%)", overlaying="y", side="right"))
    sections.append(_figure_div(f, "layer_latency", "Per-layer latency"))

    tiles = report["accelerator"].get("tiles", [])
    f = go.Figure(go.Bar(x=[f"tile {i}" for i in range(len(tiles))],
                         y=[100.0 * t["busy_ns"] / busy for t in tiles], name="utilisation"))
    f.update_layout(yaxis_title="busy, % of the accelerator's busy time", xaxis_title="tile")
    mapping = report.get("mapping", {})
    sections.append(_figure_div(f, "tile_utilisation",
                                f"Utilisation per tile (arrays programmed: {mapping.get('arrays_programmed', '?')} of "
                                f"{mapping.get('arrays_total', '?')})"))

    conv = {k: v for k, v in comps.items() if k in CONVERTER_COMPONENTS}
    rest = sum(v for k, v in comps.items() if k not in CONVERTER_COMPONENTS)
    f = go.Figure([go.Bar(x=list(conv) + ["rest of the chip"], y=[v * 1e-6 for v in conv.values()] + [rest * 1e-6],
                          name="energy")])
    f.update_layout(yaxis_title="energy (uJ)")
    sections.append(_figure_div(f, "converter_comparison",
                                "Converters against the rest of the chip (sweep the converter for a comparison "
                                "of designs: make sweep)"))

    s = report.get("summary", {})
    acc = inf.get("accuracy")
    n = inf.get("images") or 0
    rows = [("model", inf.get("model", "")), ("images", n),
            ("accuracy", f"{100 * acc:.2f} %" if acc is not None else "n/a"),
            ("latency per image", f"{inf.get('latency_ns_per_image', 0) / 1000:.3f} us" if n else "n/a"),
            ("energy per image", f"{energy['total_pj'] / n * 1e-3:.1f} nJ" if n else "n/a"),
            ("energy", f"{energy['total_pj'] * 1e-6:.3f} uJ"), ("TOPS/W", f"{s.get('tops_per_w', 0):.3f}"),
            ("chip area", f"{report.get('area', {}).get('chip_mm2', 0):.3f} mm^2"),
            ("ADC model", report.get("technology", {}).get("adc_model", ""))]
    intro = "<table>" + "".join(f"<tr><th>{_html.escape(str(k))}</th><td>{_html.escape(str(v))}</td></tr>"
                                for k, v in rows) + "</table>"
    return _page(title or f"stoxvp run: {inf.get('model', 'firmware')}", intro, sections)


def pareto_front(points):
    """Indices of the points (accuracy, energy) no other point beats on both (higher accuracy, lower energy)."""
    order = sorted(range(len(points)), key=lambda i: (points[i][1], -points[i][0]))
    front, best = [], -1.0
    for i in order:
        if points[i][0] > best:
            front.append(i)
            best = points[i][0]
    return front


def sweep_page(rows, parameters, title="stoxvp sweep"):
    """rows: one dict per point (the sweep's table); parameters: the swept columns."""
    sections = []
    metrics = [("accuracy", "accuracy (%)", 100.0), ("energy_per_image_nj", "energy per image (nJ)", 1.0),
               ("edp_per_image_pjs", "EDP per image (pJ s)", 1.0)]
    for p in parameters:
        others = [q for q in parameters if q != p]
        groups = {}
        for r in rows:
            key = tuple((q, r[q]) for q in others)
            groups.setdefault(key, []).append(r)
        for m, label, scale in metrics:
            traces = []
            for key, rs in sorted(groups.items(), key=lambda kv: str(kv[0])):
                # The mean over seeds at each value.
                # Numbers in order, names (cases, models) in the sweep's order.
                seen = list(dict.fromkeys(r[p] for r in rs))
                categorical = all(isinstance(v, str) for v in seen)
                xs = seen if categorical else sorted(seen, key=lambda v: (isinstance(v, str), v))
                ys = []
                for x in xs:
                    vals = [r[m] for r in rs if r[p] == x and r[m] is not None]
                    ys.append(scale * sum(vals) / len(vals) if vals else None)
                name = ", ".join(f"{q}={v}" for q, v in key) or m
                traces.append(go.Scatter(x=[str(x) for x in xs], y=ys, mode="markers" if categorical else "lines+markers",
                                         name=name, marker=dict(size=10 if categorical else 6)))
            f = go.Figure(traces)
            f.update_layout(xaxis_title=p, yaxis_title=label)
            sections.append(_figure_div(f, f"{m}_vs_{p}".replace(".", "_"), f"{label} against {p} (mean over seeds)"))
    pts = [(r["accuracy"], r["energy_per_image_nj"]) for r in rows if r["accuracy"] is not None]
    labelled = [r for r in rows if r["accuracy"] is not None]
    front = pareto_front(pts)
    text = [", ".join(f"{q}={r[q]}" for q in parameters) + f", seed={r['seed']}" for r in labelled]
    f = go.Figure([go.Scatter(x=[p[1] for p in pts], y=[100 * p[0] for p in pts], mode="markers", name="points",
                              text=text),
                   go.Scatter(x=[pts[i][1] for i in front], y=[100 * pts[i][0] for i in front], mode="lines+markers",
                              name="Pareto front", text=[text[i] for i in front])])
    f.update_layout(xaxis_title="energy per image (nJ)", yaxis_title="accuracy (%)")
    sections.append(_figure_div(f, "pareto", "Accuracy against energy per inference: Pareto front"))
    cols = ["point"] + list(parameters) + ["seed", "accuracy", "energy_per_image_nj", "latency_per_image_ns",
                                           "edp_per_image_pjs"]
    table = "<table><tr>" + "".join(f"<th>{_html.escape(c)}</th>" for c in cols) + "</tr>" + "".join(
        "<tr>" + "".join(f"<td>{_html.escape(str(r.get(c)))}</td>" for c in cols) + "</tr>" for r in rows) + "</table>"
    return _page(title, f"<p>{len(rows)} points.</p>", sections + [f"<section><h2>Table</h2>{table}</section>"])


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m stoxvp.html", description=__doc__)
    sub = ap.add_subparsers(dest="what", required=True)
    r = sub.add_parser("run", help="the page of one run")
    r.add_argument("--report", required=True)
    r.add_argument("--power", help="the run's power CSV")
    r.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    try:
        with open(a.report) as f:
            report = json.load(f)
        power = read_power_csv(a.power) if a.power and os.path.exists(a.power) else None
        write_atomically(a.out, run_page(report, power))
    except (OSError, ValueError, KeyError) as e:
        print(f"stoxvp html: {a.out}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
