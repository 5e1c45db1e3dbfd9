"""A self-contained HTML report of a ``vtrans diff`` run.

One file, no external assets: the summary table per mode, each divergence with
its source context, console and state differences, and the control-flow graph
(SVG from Graphviz when it is installed) with sensitive blocks marked.
"""

from __future__ import annotations

import html
from pathlib import Path

from vtrans.runtime.diff import ModeDiff

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#1d1d1f;max-width:1200px}
h1{font-size:1.5em} h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:1em 0} td,th{border:1px solid #bbb;padding:4px 10px;text-align:left}
th{background:#f0f0f5} .ok{color:#0a7a28;font-weight:bold} .bad{color:#b00020;font-weight:bold}
pre{background:#f6f6f8;padding:8px;overflow-x:auto;font-size:13px}
.src .hit{background:#ffe0e0;font-weight:bold} .expl{background:#fff6d6;padding:8px;border-left:4px solid #e0a800}
.cfg svg{max-width:100%;height:auto}
"""


def _source_context(file: str | None, line: int | None, radius: int = 4) -> str:
    if not file or not line:
        return ""
    try:
        lines = Path(file).read_text(errors="replace").splitlines()
    except OSError:
        return ""
    lo, hi = max(1, line - radius), min(len(lines), line + radius)
    rows = []
    for n in range(lo, hi + 1):
        cls = ' class="hit"' if n == line else ""
        rows.append(f"<span{cls}>{n:5d}  {html.escape(lines[n - 1])}</span>")
    return f'<pre class="src">{chr(10).join(rows)}</pre>'


def render(title: str, diffs: list[ModeDiff], *, native_stats: dict, cfg_svg: str | None = None) -> str:
    out: list[str] = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>vtrans diff — {html.escape(title)}</h1>",
        "<h2>Summary</h2>",
        "<table id='summary'><tr><th>mode</th><th>verdict</th><th>instructions</th><th>traps</th>"
        "<th>time / native</th><th>first divergence</th></tr>",
    ]
    n_wall = native_stats.get("wall_s") or 0.0
    out.append(f"<tr><td>native</td><td class='ok'>reference</td><td>{native_stats.get('instructions', '')}</td>"
               f"<td>—</td><td>1.00</td><td>—</td></tr>")
    for d in diffs:
        verdict = "<span class='ok'>equal</span>" if d.equal else "<span class='bad'>DIVERGES</span>"
        st = d.other.stats
        ratio = f"{(st.get('wall_s') or 0.0) / n_wall:.2f}" if n_wall else "—"
        fd = d.first_divergence
        where = "—"
        if fd is not None:
            where = html.escape(fd.where())
        out.append(f"<tr><td>{html.escape(d.mode)}</td><td>{verdict}</td><td>{st.get('instructions', '')}</td>"
                   f"<td>{st.get('traps', '')}</td><td>{ratio}</td><td>{where}</td></tr>")
    out.append("</table>")
    for d in diffs:
        if d.equal:
            continue
        out.append(f"<h2>{html.escape(d.mode)}: divergence</h2>")
        fd = d.first_divergence
        if fd is not None:
            out.append(f"<p class='expl'>{html.escape(fd.explanation)}</p>")
            facts = [("event index", fd.index), ("guest pc", None if fd.pc is None else f"0x{fd.pc:08x}"),
                     ("source", f"{fd.file}:{fd.line}" if fd.file else None), ("instruction", fd.text),
                     ("class", fd.cls)]
            out.append("<table>" + "".join(f"<tr><th>{k}</th><td>{html.escape(str(v))}</td></tr>"
                                           for k, v in facts if v is not None) + "</table>")
            out.append(_source_context(fd.file, fd.line))
            out.append("<table><tr><th>native</th><th>" + html.escape(d.mode) + "</th></tr><tr>"
                       f"<td><pre>{html.escape(_fmt(fd.native))}</pre></td>"
                       f"<td><pre>{html.escape(_fmt(fd.other))}</pre></td></tr></table>")
        if d.console_diff:
            out.append("<h3>Console</h3><pre>" + html.escape("".join(d.console_diff)) + "</pre>")
        if d.state_diff:
            out.append("<h3>Final state</h3><table><tr><th>register</th><th>native</th><th>"
                       + html.escape(d.mode) + "</th></tr>")
            for reg, a, b in d.state_diff:
                out.append(f"<tr><td>{html.escape(reg)}</td><td>{_h(a)}</td><td>{_h(b)}</td></tr>")
            out.append("</table>")
    if cfg_svg:
        out.append("<h2>Control-flow graph</h2><p>Blocks holding sensitive or privileged instructions "
                   "are highlighted.</p>")
        out.append(f"<div class='cfg'>{_strip_xml_prolog(cfg_svg)}</div>")
    out.append("</body></html>")
    return "\n".join(out)


def _h(v) -> str:
    return "—" if v is None else (f"0x{v:08x}" if isinstance(v, int) else html.escape(str(v)))


def _fmt(d: dict) -> str:
    """One side of a divergence: what changed, then the event, one fact a line."""
    lines: list[str] = []
    for k, v in d.items():
        if isinstance(v, dict) and k == "changed":
            lines.append("changed:" if v else "changed: nothing")
            lines += [f"  {reg}: {what}" for reg, what in v.items()]
        elif isinstance(v, dict):
            ev = {ek: ev_v for ek, ev_v in v.items() if ek not in ("state", "after", "word")}
            lines.append(f"{k}: " + (", ".join(f"{ek}={ev_v}" for ek, ev_v in ev.items()) or "none"))
        else:
            lines.append(f"{k}: {v}")
    return "\n".join(lines)


def _strip_xml_prolog(svg: str) -> str:
    i = svg.find("<svg")
    return svg[i:] if i >= 0 else ""
