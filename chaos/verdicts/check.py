"""One property of a scenario checked against its bound, and the verdict over all of them."""

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Check:
    """A measured value compared with a bound; ``evidence`` says where the value came from."""

    property: str
    passed: bool
    measured: Any
    bound: Any
    comparison: str
    evidence: str = ""

    @classmethod
    def at_most(
        cls, name: str, measured: float | None, bound: float, evidence: str = ""
    ) -> "Check":
        """Pass when ``measured`` is present and no larger than ``bound``."""
        passed = measured is not None and measured <= bound
        return cls(name, passed, measured, bound, "<=", evidence)

    @classmethod
    def at_least(
        cls, name: str, measured: float | None, bound: float, evidence: str = ""
    ) -> "Check":
        """Pass when ``measured`` is present and no smaller than ``bound``."""
        passed = measured is not None and measured >= bound
        return cls(name, passed, measured, bound, ">=", evidence)

    @classmethod
    def equals(cls, name: str, measured: Any, expected: Any, evidence: str = "") -> "Check":
        """Pass when ``measured == expected``."""
        return cls(name, measured == expected, measured, expected, "==", evidence)

    def describe(self) -> str:
        """Return one line: the property, the measured value and the bound."""
        status = "ok" if self.passed else "BROKEN"
        measured = f"measured {self.measured!r} {self.comparison} {self.bound!r}"
        return f"[{status}] {self.property}: {measured}"

    def to_record(self) -> dict[str, Any]:
        """Return the check as a JSON-ready dictionary."""
        return asdict(self)


@dataclass
class Verdict:
    """All checks of one scenario run; it passes only when every check passed."""

    checks: list[Check] = field(default_factory=list)

    def add(self, check: Check) -> Check:
        """Record ``check`` and return it."""
        self.checks.append(check)
        return check

    @property
    def passed(self) -> bool:
        """Return whether there is at least one check and all of them passed."""
        return bool(self.checks) and all(check.passed for check in self.checks)

    def failures(self) -> list[Check]:
        """Return the checks that did not pass."""
        return [check for check in self.checks if not check.passed]

    def explain(self) -> str:
        """Return every check, broken ones first, one per line."""
        ordered = sorted(self.checks, key=lambda check: check.passed)
        return "\n".join(check.describe() for check in ordered)
