"""Write every dashboard's JSON: ``python -m dashboards.generate [--output DIR]``.

Files in the output folder that no dashboard produces any more are deleted, so the folder
always equals the current set of dashboards.
"""

import argparse
from pathlib import Path

import structlog

from dashboards.catalog import render_all

GENERATED_DIR = Path(__file__).resolve().parent / "generated"

log = structlog.get_logger(__name__)


def write_dashboards(output: Path) -> list[Path]:
    """Write every dashboard into ``output`` and delete stale ``*.json`` files there."""

    output.mkdir(parents=True, exist_ok=True)
    rendered = render_all()

    for stale in sorted(output.glob("*.json")):
        if stale.name not in rendered:
            stale.unlink()
            log.info("dashboard_deleted", path=str(stale))

    written = []
    for name, text in rendered.items():
        path = output / name
        path.write_text(text, encoding="utf-8")
        written.append(path)

    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate the Grafana dashboard JSON files.")
    parser.add_argument(
        "--output",
        type=Path,
        default=GENERATED_DIR,
        help=f"folder to write the JSON files into (default: {GENERATED_DIR})",
    )
    arguments = parser.parse_args(argv)

    written = write_dashboards(arguments.output)

    log.info("dashboards_generated", count=len(written), output=str(arguments.output))


if __name__ == "__main__":
    main()
