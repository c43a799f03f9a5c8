"""Check every alert's labels and annotations, its runbook and its promtool test cases."""

import re
from collections import defaultdict

import yaml

from tests.alerts.alerting_tools import (
    REPO_ROOT,
    RUNBOOKS_DIR,
    SEVERITY_RECEIVERS,
    alert_names,
    alert_rules,
    promtool_test_files,
)

#: Alerts that have no non-firing case because they fire on every evaluation.
ALWAYS_FIRING = {"Watchdog"}

RUNBOOK_LINK = re.compile(r"\]\(([A-Za-z0-9]+)\.md\)")
FIRED_LINE = re.compile(r"^\*\*Fired:\*\*\s*`([A-Za-z0-9]+)`", re.MULTILINE)


def test_every_alert_has_severity() -> None:
    for rule in alert_rules():
        severity = rule.get("labels", {}).get("severity")
        assert severity in SEVERITY_RECEIVERS, f"{rule['alert']}: severity {severity!r}"


def test_every_alert_has_annotations() -> None:
    for rule in alert_rules():
        annotations = rule.get("annotations", {})
        for key in ("summary", "description", "runbook_url"):
            assert annotations.get(key, "").strip(), f"{rule['alert']}: missing {key}"


def test_descriptions_template_value_and_labels() -> None:
    for rule in alert_rules():
        annotations = rule["annotations"]
        text = annotations["summary"] + annotations["description"]
        assert "{{ $value" in annotations["description"], f"{rule['alert']}: no $value"
        if rule["alert"] not in ALWAYS_FIRING:
            assert "{{ $labels." in text, f"{rule['alert']}: no label templating"


def test_runbook_urls_resolve() -> None:
    for rule in alert_rules():
        url = rule["annotations"]["runbook_url"]
        assert url == f"docs/runbooks/{rule['alert']}.md", f"{rule['alert']}: {url}"
        assert (REPO_ROOT / url).is_file(), f"{rule['alert']}: {url} does not exist"


def test_every_runbook_belongs_to_alert() -> None:
    names = alert_names()

    for path in RUNBOOKS_DIR.glob("*.md"):
        assert path.stem in names, f"{path.name} has no alert of that name"


def test_runbook_alert_references_exist() -> None:
    names = alert_names()

    for path in RUNBOOKS_DIR.glob("*.md"):
        text = path.read_text(encoding="utf-8")
        fired = FIRED_LINE.findall(text)
        assert fired == [path.stem], f"{path.name}: fired line names {fired}"
        for linked in RUNBOOK_LINK.findall(text):
            assert linked in names, f"{path.name} links {linked}.md, which is no alert"


def test_every_alert_tested_both_ways() -> None:
    firing: dict[str, int] = defaultdict(int)
    silent: dict[str, int] = defaultdict(int)

    for path in promtool_test_files():
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for group in document["tests"]:
            for check in group.get("alert_rule_test", []):
                counts = firing if check["exp_alerts"] else silent
                counts[check["alertname"]] += 1

    for name in alert_names():
        assert firing[name] >= 1, f"{name} has no firing test case"
        if name not in ALWAYS_FIRING:
            assert silent[name] >= 1, f"{name} has no non-firing test case"
