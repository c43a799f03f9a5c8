"""The Ray Serve reference service: a FastAPI ingress in front of three model deployments.

``/v1/embeddings`` goes Ingress -> Embedder, ``/v1/classify`` goes Ingress -> Embedder ->
Classifier and ``/v1/generate`` streams from Ingress <- Generator. ``app:build_application`` is
the application builder that ``serve run`` and ``serve deploy`` import.
"""
