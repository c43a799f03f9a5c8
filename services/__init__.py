"""Reference model-serving services that share one HTTP contract.

``services.fastapi_service`` runs the contract on Gunicorn-supervised Uvicorn workers and
``services.ray_service`` runs it on Ray Serve with a FastAPI ingress. Both build their HTTP layer
from ``services.http`` and their schemas from ``services.contract``.
"""
