"""The benchmark's tables: figures, ratios and each target as met or short."""

from __future__ import annotations

from dataclasses import dataclass

from bench.load import Load


@dataclass
class Target:
    """A ratio (or a bound) the issue asks for; met or short."""

    label: str
    value: float
    goal: float
    at_most: bool = False  # the value must stay below goal (latency, memory, growth)
    unit: str = "x"

    @property
    def met(self) -> bool:
        return self.value < self.goal if self.at_most else self.value >= self.goal

    def line(self) -> str:
        sign = "<" if self.at_most else "≥"
        goal = f"{sign} {self.goal:g}{self.unit}"
        return f"| {self.label} | {self.value:.2f}{self.unit} | {goal} | {'met' if self.met else 'SHORT'} |"


def load_table(title: str, rows: dict[str, tuple[Load, float | None]]) -> list[str]:
    """Markdown rows: what, requests/s, p50, p99, errors, SQL statements per request."""
    out = [
        f"#### {title}",
        "",
        "| what | req/s | p50 ms | p99 ms | errors | SQL/request |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, (load, statements) in rows.items():
        sql = "—" if statements is None else f"{statements:g}"
        errors = f"{load.errors} of {load.requests}"
        out.append(f"| {label} | {load.rate:,.0f} | {load.p50:.1f} | {load.p99:.1f} | {errors} | {sql} |")
    return out + [""]


def target_table(targets: list[Target]) -> list[str]:
    out = ["| target | figure | goal | verdict |", "|---|---:|---:|---|"]
    return out + [t.line() for t in targets] + [""]


def growth_table(scales: list[int], figures: dict[str, dict[int, float]], units: dict[str, str]) -> list[str]:
    """One row per measure, one column per scale, the ratio last/first (flat means within 1.5x)."""
    head = "| measure | " + " | ".join(f"{s:,} residents" for s in scales) + " | last / first | verdict |"
    out = [head, "|---|" + "---:|" * len(scales) + "---:|---|"]
    for label, by_scale in figures.items():
        unit = units[label]
        cells = [f"{by_scale[s]:,.1f} {unit}" if s in by_scale else "—" for s in scales]
        first, last = by_scale.get(scales[0]), by_scale.get(scales[-1])
        if first and last:
            # requests/s should not drop below 1/1.5 of the first; milliseconds should not grow above 1.5x
            ratio = last / first
            met = ratio >= 1 / 1.5 if unit == "req/s" else ratio <= 1.5
            cells += [f"{ratio:.2f}", "met" if met else "SHORT"]
        else:
            cells += ["—", "—"]
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    return out + [""]
