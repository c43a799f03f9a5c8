"""Fault proxy: a TCP proxy that speaks the Toxiproxy 2.x HTTP API, with its client.

The server runs with ``python -m chaos.faultproxy``. ``client.FaultProxyClient`` drives it or a
real Toxiproxy server, and ``process.start_fault_proxy`` runs it as a subprocess.
"""
