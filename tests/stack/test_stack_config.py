"""The Serve config the embedded stack deploys, derived from the service's serve_config.yaml."""

from pathlib import Path

import pytest
import yaml
from ray.serve.schema import ServeDeploySchema

from chaos.stack.ray_service import SERVE_CONFIG, write_stack_config


def test_source_config_is_valid_serve_schema() -> None:
    schema = ServeDeploySchema.model_validate(yaml.safe_load(SERVE_CONFIG.read_text()))

    assert schema.http_options.host == "127.0.0.1"
    assert schema.http_options.request_timeout_s == 30
    assert [app.name for app in schema.applications] == ["serving"]
    assert schema.applications[0].import_path == "services.ray_service.app:build_application"


def test_stack_config_sets_stack_values(tmp_path: Path) -> None:
    path = write_stack_config(tmp_path, "a" * 32, 12.5, {"Embedder": 3})
    config = yaml.safe_load(path.read_text())
    schema = ServeDeploySchema.model_validate(config)
    application = config["applications"][0]
    embedder = next(item for item in application["deployments"] if item["name"] == "Embedder")

    assert schema.http_options.host == "0.0.0.0"
    assert schema.http_options.request_timeout_s == 12.5
    assert application["runtime_env"]["env_vars"]["SERVING_ADMIN_TOKEN"] == "a" * 32
    assert application["runtime_env"]["env_vars"]["SERVING_REQUEST_TIMEOUT_S"] == "12.5"
    assert embedder["autoscaling_config"]["min_replicas"] == 3
    assert embedder["autoscaling_config"]["max_replicas"] == 3
    assert path.stat().st_mode & 0o077 == 0


def test_stack_config_rejects_unknown_deployment(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="deployment 'Tokenizer' has no autoscaling_config"):
        write_stack_config(tmp_path, "a" * 32, 30.0, {"Tokenizer": 1})
