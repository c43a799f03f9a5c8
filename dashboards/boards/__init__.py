"""One module per dashboard, each defining ``SPEC``, a :class:`dashboards.spec.DashboardSpec`."""
