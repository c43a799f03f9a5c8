"""Locust profiles for people to run by hand; the scenarios use ``chaos.load`` instead.

This package imports no Locust code at import time, because importing Locust patches the
standard library with gevent; only the locustfiles import it.
"""
