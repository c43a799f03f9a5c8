"""Alerts on causes and on the monitoring itself: replicas, nodes, queues, scrapes, Watchdog."""

from typing import Any

from alerts.parameters import (
    AUTOSCALING_MAX_REPLICAS,
    RAY_APPLICATION,
    RUNBOOK_PREFIX,
    SYMPTOMS,
)

Rule = dict[str, Any]

RAY_SELECTOR = f'job="ray", application="{RAY_APPLICATION}"'

#: Recorded number of scrape targets per job; the lost-node alert compares it with its past max.
TARGET_COUNT_RECORD = "job:up:count"


def _alert(
    name: str,
    expression: str,
    severity: str,
    summary: str,
    description: str,
    hold: str | None = None,
    labels: dict[str, str] | None = None,
) -> Rule:
    rule: Rule = {"alert": name, "expr": expression}
    if hold is not None:
        rule["for"] = hold

    rule["labels"] = {"severity": severity, **(labels or {})}
    rule["annotations"] = {
        "summary": summary,
        "description": description,
        "runbook_url": f"{RUNBOOK_PREFIX}{name}.md",
    }
    return rule


def ray_replica_alerts() -> list[Rule]:
    """Build the alerts on Ray Serve replica health, restarts, queues and autoscaling."""
    s = SYMPTOMS
    starts = f"ray_serve_deployment_replica_starts_total{{{RAY_SELECTOR}}}"
    rules = [
        _alert(
            "RayServeReplicaUnhealthy",
            f"ray_serve_deployment_replica_healthy{{{RAY_SELECTOR}}} == 0",
            "ticket",
            "A Ray Serve replica has failed its health checks for {{ $labels.deployment }}.",
            "Replica {{ $labels.replica }} of deployment {{ $labels.deployment }} in application "
            "{{ $labels.application }} reports ray_serve_deployment_replica_healthy = "
            f"{{{{ $value }}}} and has been unhealthy for {s.replica_unhealthy_for}.",
            hold=s.replica_unhealthy_for,
            labels={"service": "ray"},
        ),
        _alert(
            "RayServeReplicaCrashLooping",
            # Each replica id increments its own starts counter once, and a restarted replica
            # gets a new id, so starts are counted as replica series that appeared in the window.
            f"count by (application, deployment) (\n"
            f"  max_over_time({starts}[{s.crash_loop_window}])\n"
            f"  unless on (application, deployment, replica)\n"
            f"  {starts} offset {s.crash_loop_window}\n"
            f") > {s.crash_loop_max_starts}\n",
            "ticket",
            "Ray Serve keeps starting new replicas of {{ $labels.deployment }}.",
            "Deployment {{ $labels.deployment }} in application {{ $labels.application }} "
            f"started {{{{ $value }}}} replicas in the last {s.crash_loop_window}, more than "
            f"{s.crash_loop_max_starts}. Replicas are crashing or failing health checks and "
            "being replaced.",
            labels={"service": "ray"},
        ),
        _alert(
            "RayServeQueueBacklog",
            "sum by (application, deployment) (\n"
            f"  ray_serve_deployment_queued_queries{{{RAY_SELECTOR}}}\n"
            f") > {s.queue_backlog_max}\n",
            "ticket",
            "Requests are queueing for replicas of {{ $labels.deployment }}.",
            "Deployment {{ $labels.deployment }} in application {{ $labels.application }} has "
            "{{ $value }} requests waiting for a replica, above "
            f"{s.queue_backlog_max} for {s.queue_backlog_for}.",
            hold=s.queue_backlog_for,
            labels={"service": "ray"},
        ),
    ]

    for deployment, max_replicas in AUTOSCALING_MAX_REPLICAS.items():
        rules.append(
            _alert(
                "RayServeAutoscalerAtMax",
                "max by (application, deployment) (\n"
                "  ray_serve_autoscaling_target_replicas"
                f'{{{RAY_SELECTOR}, deployment="{deployment}"}}\n'
                f") >= {max_replicas}\n",
                "ticket",
                "The Ray Serve autoscaler is pinned at max_replicas for {{ $labels.deployment }}.",
                "Deployment {{ $labels.deployment }} in application {{ $labels.application }} "
                f"has targeted {{{{ $value }}}} replicas, its max_replicas of {max_replicas}, for "
                f"{s.autoscaler_at_max_for}; more load cannot be absorbed by scaling out.",
                hold=s.autoscaler_at_max_for,
                labels={"service": "ray", "deployment": deployment},
            )
        )

    return rules


def node_and_scrape_alerts() -> list[Rule]:
    """Build the alerts on lost Ray nodes, down targets, missing metrics and worker restarts."""
    s = SYMPTOMS
    rules = [
        _alert(
            "RayNodeLost",
            'up{job="ray"} == 0',
            "page",
            "A Ray node's metrics endpoint is down.",
            "Prometheus has failed to scrape Ray target {{ $labels.instance }} for "
            f"{s.node_lost_for} (up = {{{{ $value }}}}); the node or its metrics agent is gone.",
            hold=s.node_lost_for,
            labels={"service": "ray", "check": "target_down"},
        ),
        _alert(
            "RayNodeLost",
            f'{TARGET_COUNT_RECORD}{{job="ray"}}\n'
            f"<\n"
            f'max_over_time({TARGET_COUNT_RECORD}{{job="ray"}}[{s.node_count_lookback}])\n',
            "page",
            "The number of Ray nodes has dropped.",
            "Prometheus discovers {{ $value }} targets of job {{ $labels.job }}, fewer than the "
            "maximum of the last "
            f"{s.node_count_lookback}. Ray removes a dead node from its service discovery file, "
            "so the lost node no longer shows up as a down target.",
            hold=s.node_lost_for,
            labels={"service": "ray", "check": "target_count"},
        ),
        _alert(
            "ScrapeTargetDown",
            'label_replace(up{job!="ray"} == 0, "service", "$1", "job", "(.*)")',
            "page",
            "Prometheus cannot scrape {{ $labels.job }} target {{ $labels.instance }}.",
            "Target {{ $labels.instance }} of job {{ $labels.job }} has been down (up = "
            f"{{{{ $value }}}}) for {s.target_down_for}. The SLO alerts of this service are "
            "blind while it is down. Ray targets are covered by RayNodeLost.",
            hold=s.target_down_for,
        ),
        _alert(
            "FastAPIWorkerRestarts",
            "sum by (instance) (\n"
            f'  increase(serving_model_load_seconds_count{{job="fastapi"}}'
            f"[{s.worker_restart_window}])\n"
            f") > {s.worker_restart_max_loads}\n",
            "ticket",
            "Gunicorn keeps restarting FastAPI workers on {{ $labels.instance }}.",
            "FastAPI instance {{ $labels.instance }} loaded its models {{ $value | humanize }} "
            f"times in the last {s.worker_restart_window}, more than "
            f"{s.worker_restart_max_loads}. Each worker loads the models once when it starts, "
            "so workers are crashing, being killed for memory, or timing out.",
            labels={"service": "fastapi"},
        ),
    ]

    absent_checks = (
        ("fastapi", "up", 'job="fastapi"'),
        ("fastapi", "http_server_request_duration_seconds_count", 'job="fastapi"'),
        ("ray", "up", 'job="ray"'),
        ("ray", "ray_serve_deployment_replica_healthy", RAY_SELECTOR),
    )
    for service, metric, matchers in absent_checks:
        selector = f"{metric}{{{matchers}}}"
        rules.append(
            _alert(
                "MetricsAbsent",
                f"absent({selector})",
                "page",
                "Prometheus has no {{ $labels.job }} metrics; the SLO alerts of "
                + service
                + " are blind.",
                f"No series matches {selector} (absent = {{{{ $value }}}}) for "
                f"{s.metrics_absent_for}. The scrape job is missing from the configuration, "
                "service discovery returns no targets, or the service never exported the metric.",
                hold=s.metrics_absent_for,
                labels={"service": service, "metric": metric},
            )
        )

    return rules


def watchdog_alert() -> Rule:
    """Build the alert that always fires, so that its absence downstream shows a broken path."""
    return _alert(
        "Watchdog",
        "vector(1)",
        "none",
        "The alerting pipeline is working.",
        "This alert always fires (value {{ $value }}). The heartbeat receiver expects it every "
        "minute; if it stops arriving, Prometheus, the rule evaluation or Alertmanager is down.",
    )


def symptom_groups() -> list[Rule]:
    """Return the rule groups of ``alerts/rules/symptoms.yml``."""
    return [
        {
            "name": "scrape-target-counts",
            "rules": [{"record": TARGET_COUNT_RECORD, "expr": "count by (job) (up)"}],
        },
        {"name": "ray-serve-replicas", "rules": ray_replica_alerts()},
        {"name": "nodes-and-scrapes", "rules": node_and_scrape_alerts()},
        {"name": "meta", "rules": [watchdog_alert()]},
    ]
