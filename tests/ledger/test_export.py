"""JSON-lines export and import of a ledger."""

from pathlib import Path

import pytest

from chaos.ledger import ErrorKind, Ledger, LedgerEntry

from .synthetic import make_entry


def test_jsonl_round_trip(tmp_path: Path) -> None:
    ledger = Ledger(clock_offset_s=1_700_000_000.0)
    first = make_entry(0.0, 0.1)
    first.replica_id = "replica-a"
    first.tokens_received = 7
    first.bytes_received = 321
    ledger.append(first)
    ledger.append(make_entry(0.5, 0.0, status=None, error_kind=ErrorKind.RESET))
    ledger.append(make_entry(1.0, finished=False))
    path = tmp_path / "ledger.jsonl"

    ledger.export_jsonl(path)
    loaded = Ledger.import_jsonl(path)

    assert loaded.entries == ledger.entries
    assert loaded.clock_offset_s == 1_700_000_000.0
    assert len(path.read_text().splitlines()) == 3


def test_wall_time_uses_offset() -> None:
    entry = make_entry(12.5)

    assert entry.wall_time(entry.intended_s) == pytest.approx(1_700_000_012.5)


def test_import_rejects_unknown_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    data = make_entry(0.0).to_dict()
    data["colour"] = "blue"
    path.write_text(__import__("json").dumps(data) + "\n")

    with pytest.raises(ValueError, match=r"bad\.jsonl:1: invalid ledger entry.*colour"):
        Ledger.import_jsonl(path)


def test_import_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("\n")

    assert len(Ledger.import_jsonl(path)) == 0


def test_entry_from_dict_requires_fields() -> None:
    with pytest.raises(TypeError):
        LedgerEntry.from_dict({"request_id": "x"})
