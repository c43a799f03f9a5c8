"""``pytest chaos/`` loads the chaos plugin from here."""

pytest_plugins = ["chaos.plugin"]
