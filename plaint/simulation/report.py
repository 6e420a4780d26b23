"""The figures of a run as text (printed), and as an HTML page with SVG charts."""

from typing import Any


def text(figures: dict[str, Any]) -> str:
    """Return the figures as the command prints them."""
    s = figures["scenario"]
    cases = figures["cases"]
    lines = [
        f"Simulated {s['start'][:10]} to {s['end'][:10]} under rulebook {figures['rulebook']['version']}, seed "
        f"{s['seed']}: {s['merchants']} merchants, {s['orders']} orders, {s['reports']} reports, "
        f"{s['reviewers']} reviewers x {s['capacity']} a day.",
        f"Cases filed: {cases['filed']}; closed {cases['closed']}, open at the end {cases['open_at_end']}.",
        "Closed by: "
        + ", ".join(
            f"{who} {cases['closed_by'][who]} ({cases['closed_by_share'][who]:.1%})"
            for who in ("people", "clock", "intake")
        ),
        "",
        "Time from filing to decision or resolution (hours):",
        f"  {'category':<22} {'filed':>6} {'decided':>8} {'median':>8} {'p90':>8}",
    ]
    for code, row in figures["time_to_decision"].items():
        median, p90 = _num(row["median_hours"]), _num(row["p90_hours"])
        lines.append(f"  {code:<22} {row['filed']:>6} {row['decided']:>8} {median:>8} {p90:>8}")
    lines += ["", "Service levels (clocks started, warned, breached):"]
    for stage, row in figures["sla"].items():
        lines.append(
            f"  {stage:<22} {row['started']:>6} {row['warned']:>6} {row['breached']:>6} ({row['breached_share']:.1%})"
        )
    days = figures["days"]
    lines += ["", "Reviewer backlog at the end of each day (cases awaiting review):"]
    lines += [
        "  " + "  ".join(f"{d['day'][5:]} {d['backlog']:>4}" for d in days[i : i + 7]) for i in range(0, len(days), 7)
    ]
    remedies = figures["remedies"]
    lines += [
        "",
        f"Remedies instructed: {remedies['instructed']} ("
        + ", ".join(f"{kind} {v['count']}, {v['amount']} yuan" for kind, v in remedies["by_kind"].items())
        + f"); decisions stating a remedy with none instructed: {remedies['stated_not_instructed']}",
        "Merchants reaching each ladder threshold:",
    ]
    for step in figures["ladder"]:
        lines.append(
            f"  {step['track']:<14} {step['points']:>3} points ({', '.join(step['measures']) or 'monitoring'}): "
            f"{step['merchants']}"
        )
    lines.append("Events: " + ", ".join(f"{kind} {n}" for kind, n in figures["events"].items()))
    flags = figures["monitoring_flags"]
    lines.append("Monitoring flags: " + (", ".join(f"{k} {v}" for k, v in flags.items()) or "none"))
    if figures["refused"]:
        lines += ["", "Refused by Plaint (what the simulated people were told):"]
        for action, codes in figures["refused"].items():
            lines.append(f"  {action}: " + ", ".join(f"{code} {n}" for code, n in codes.items()))
    run = figures.get("run", {})
    if run:
        lines += ["", f"Run time: {run['seconds']} s; scratch database: {figures['scratch']['database']}"]
    return "\n".join(lines) + "\n"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def html(figures: dict[str, Any], language: str) -> str:
    """Return the figures as a self-contained HTML page in `language`, with SVG charts."""
    from .page import render

    return render(figures, language)
