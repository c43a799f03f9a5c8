"""The contract on FastAPI, served by Uvicorn worker processes under Gunicorn.

Gunicorn is the supervisor: it restarts a worker that exits or is killed, and it kills and
replaces a worker whose event loop stops sending heartbeats for ``--timeout`` seconds (a hung
worker). Each worker loads the models once in the application lifespan.
"""
