"""Steady and streaming Locust profiles against either reference service.

    locust -f loadgen/locustfile.py --host http://127.0.0.1:8000 SteadyUser
    locust -f loadgen/locustfile.py --host http://127.0.0.1:8000 --tags stream

With no user class named, Locust runs both, three steady users to one streaming user.
"""

from loadgen.users import SteadyUser, StreamingUser

__all__ = ["SteadyUser", "StreamingUser"]
