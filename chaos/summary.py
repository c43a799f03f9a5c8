"""The terminal summary table: one row per scenario and service."""

from chaos.journal import RunJournal

_COLUMNS = ("scenario", "service", "verdict", "recovery s", "failed", "cancelled")


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}" if value != int(value) else str(int(value))
    return str(value)


def render_summary(journal: RunJournal) -> list[str]:
    """Return the table as lines of aligned text."""
    rows = [
        (
            record.scenario,
            record.service,
            record.verdict.upper(),
            _cell(record.time_to_recovery_s),
            _cell(record.failed_requests),
            _cell(record.cancellations),
        )
        for record in journal.scenarios
    ]
    widths = [
        max(len(str(item)) for item in column) for column in zip(_COLUMNS, *rows, strict=False)
    ]
    lines = ["  ".join(title.ljust(width) for title, width in zip(_COLUMNS, widths, strict=True))]
    lines.append("  ".join("-" * width for width in widths))
    for row in rows:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    if journal.duration_s is not None:
        lines.append(f"run took {journal.duration_s:.0f} s")
    return lines
