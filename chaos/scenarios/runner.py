"""Runs the steps of one scenario and keeps its journal record.

Every step is recorded with its start, end, status and details, whether it succeeds, fails
or raises. Checks go into the verdict; ``finish`` writes the record and raises
``ScenarioFailed`` naming the broken properties with their numbers.
"""

import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog

from chaos.journal import JournalWriter, ScenarioRecord, StepRecord
from chaos.observability.exporter import active_exporter
from chaos.verdicts import Check, Verdict

logger = structlog.get_logger("chaos.scenario")


class ScenarioFailed(AssertionError):
    """A scenario's verdict failed; the message lists every check with its measured value."""


class ScenarioRun:
    """One scenario run against one service."""

    def __init__(self, writer: JournalWriter, record: ScenarioRecord) -> None:
        self.writer = writer
        self.record = record
        self.verdict = Verdict()
        writer.journal.scenarios.append(record)
        self._log = logger.bind(scenario=record.scenario, service=record.service)

    @contextmanager
    def step(self, name: str, **details: Any) -> Iterator[StepRecord]:
        """Record a step around the ``with`` block; an exception marks it failed."""
        step = StepRecord(name=name, started_at_unix_s=time.time(), details=dict(details))
        self.record.steps.append(step)
        self._log.info("step_started", step=name)
        try:
            yield step
        except BaseException as error:
            step.status = "error"
            step.error = "".join(traceback.format_exception_only(error)).strip()
            raise
        else:
            step.status = "ok"
        finally:
            step.ended_at_unix_s = time.time()
            self._log.info("step_ended", step=name, status=step.status, duration_s=step.duration_s)
            self.writer.write()

    def set_fault_active(self, fault: str, active: bool, service: str | None = None) -> None:
        """Set ``chaos_fault_active`` of ``fault`` on the exporter, when one runs.

        ``service`` defaults to the scenario's service. Call it with ``active=False`` in the
        rollback, or use ``fault_window``, which always does.
        """
        exporter = active_exporter()
        if exporter is not None:
            exporter.set_fault_active(
                self.record.scenario, service or self.record.service, fault, active
            )

    @contextmanager
    def fault_window(self, fault: str, service: str | None = None) -> Iterator[None]:
        """Mark ``fault`` active around the ``with`` block, inactive again on any exit."""
        self.set_fault_active(fault, True, service)
        try:
            yield
        finally:
            self.set_fault_active(fault, False, service)

    def record_alerts(self, alerts: dict[str, Any]) -> None:
        """Store the alert results (fired, silent, detection latency) in the record."""
        self.record.alerts = alerts
        self.writer.write()

    def check(self, check: Check) -> Check:
        """Add a check to the verdict and log it."""
        self.verdict.add(check)
        self._log.info(
            "check",
            property=check.property,
            passed=check.passed,
            measured=check.measured,
            bound=check.bound,
        )
        return check

    def finish(self, error: BaseException | None = None) -> None:
        """Close the record; raise ``ScenarioFailed`` when a check failed."""
        self.record.ended_at_unix_s = time.time()
        self.record.checks = [check.to_record() for check in self.verdict.checks]
        if error is not None:
            self.record.verdict = "error"
        else:
            self.record.verdict = "pass" if self.verdict.passed else "fail"
        self.writer.write()

        if error is None and not self.verdict.passed:
            broken = (
                ", ".join(check.property for check in self.verdict.failures()) or "no checks ran"
            )
            message = (
                f"{self.record.scenario} on {self.record.service}: broken properties: {broken}\n"
                f"{self.verdict.explain()}"
            )
            raise ScenarioFailed(message)
