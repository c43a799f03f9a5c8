"""The pytest plugin behind ``pytest chaos/``.

It starts the embedded stack once per session (or reads ``--chaos-target``), keeps one run
journal, and prints a summary table of every scenario at the end. SIGTERM is turned into
``KeyboardInterrupt`` so that an interrupted run still stops what it started; a run killed
outright leaves a registry that the next run (or ``python -m chaos.stack reset``) cleans up.
"""

import secrets
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest

from chaos.journal import JournalWriter, RunJournal
from chaos.observability.coverage import coverage_rows, write_coverage
from chaos.observability.exporter import ChaosExporter
from chaos.stack.embedded import start_embedded_stack
from chaos.stack.ray_service import SERVE_CONFIG
from chaos.stack.timers import StackTimers
from chaos.summary import render_summary
from chaos.targets.target import ChaosTarget
from chaos.targets.target_file import load_target_file

_JOURNAL_KEY = pytest.StashKey[JournalWriter]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("chaos", "chaos scenarios")
    group.addoption(
        "--chaos-target",
        type=Path,
        default=None,
        help="target file (YAML) of an existing deployment; without it the embedded stack starts",
    )
    group.addoption(
        "--chaos-out",
        type=Path,
        default=Path("runs"),
        help="directory for the run journal and ledgers (default: runs/)",
    )


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--chaos-out", default=None) is None:
        return
    signal.signal(signal.SIGTERM, _raise_interrupt)

    run_id = time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)
    out_dir: Path = config.getoption("--chaos-out") / run_id
    journal = RunJournal(run_id=run_id, target={}, timers={})
    config.stash[_JOURNAL_KEY] = JournalWriter(journal, out_dir / "journal.json")


@pytest.fixture(scope="session")
def chaos_journal(pytestconfig: pytest.Config) -> JournalWriter:
    """Return the run journal every scenario appends to."""
    return pytestconfig.stash[_JOURNAL_KEY]


@pytest.fixture(scope="session")
def chaos_out_dir(chaos_journal: JournalWriter) -> Path:
    """Directory of this run's journal, ledgers and report."""
    chaos_journal.path.parent.mkdir(parents=True, exist_ok=True)
    return chaos_journal.path.parent


@pytest.fixture(scope="session")
def chaos_target(
    pytestconfig: pytest.Config, chaos_journal: JournalWriter
) -> Iterator[ChaosTarget]:
    """Yield the target of this run: the embedded stack, started once and always stopped."""
    target_path: Path | None = pytestconfig.getoption("--chaos-target")
    if target_path is not None:
        target_file = load_target_file(target_path)
        target = ChaosTarget(endpoints=target_file.endpoints(), target_file=target_file)
        chaos_journal.journal.target = target.describe()
        chaos_journal.write()
        yield target
        return

    timers = StackTimers()
    chaos_journal.journal.timers = timers.to_record(SERVE_CONFIG)
    # Start of the chaos exporter: client-side SLIs and fault windows, scraped as job "chaos".
    exporter = ChaosExporter().start()
    try:
        stack = start_embedded_stack(timers, exporter_address=exporter.address)
    except BaseException:
        exporter.stop()
        raise
    for name, endpoint in stack.services().items():
        exporter.register_service(name, endpoint.base_url)
        if name in stack.proxied:
            exporter.register_service(name, stack.proxied_url(name))
    # End of the chaos exporter start.
    try:
        target = ChaosTarget(endpoints=stack.services(), stack=stack)
        chaos_journal.journal.target = {**target.describe(), "exporter": exporter.describe()}
        chaos_journal.write()
        yield target
    finally:
        stack.stop()
        exporter.stop()


def pytest_sessionfinish(session: pytest.Session) -> None:
    writer = session.config.stash.get(_JOURNAL_KEY, None)
    if writer is None or not writer.journal.scenarios:
        return
    writer.journal.ended_at_unix_s = time.time()
    writer.journal.duration_s = round(
        writer.journal.ended_at_unix_s - writer.journal.started_at_unix_s, 1
    )
    writer.journal.alert_coverage = coverage_rows(writer.journal)
    writer.write()
    # The alert coverage table goes next to the journal.
    write_coverage(writer.journal, writer.path.parent)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    writer = terminalreporter.config.stash.get(_JOURNAL_KEY, None)
    if writer is None or not writer.journal.scenarios:
        return
    terminalreporter.section("chaos scenarios")
    for line in render_summary(writer.journal):
        terminalreporter.write_line(line)
    terminalreporter.write_line(f"journal: {writer.path}")
