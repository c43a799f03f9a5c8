"""The committed dashboard JSON equals what the builders produce now."""

from pathlib import Path

from dashboards.generate import GENERATED_DIR, write_dashboards


def test_generated_json_is_current(tmp_path: Path) -> None:
    write_dashboards(tmp_path)

    fresh = {path.name: path.read_text(encoding="utf-8") for path in tmp_path.glob("*.json")}
    committed = {
        path.name: path.read_text(encoding="utf-8") for path in GENERATED_DIR.glob("*.json")
    }

    assert sorted(committed) == sorted(fresh), "run `python -m dashboards.generate`"
    for name, text in fresh.items():
        assert committed[name] == text, f"{name} is stale; run `python -m dashboards.generate`"


def test_generate_deletes_stale_files(tmp_path: Path) -> None:
    stale = tmp_path / "removed-dashboard.json"
    stale.write_text("{}", encoding="utf-8")

    written = write_dashboards(tmp_path)

    assert not stale.exists()
    assert len(written) == 6
