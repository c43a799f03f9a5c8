"""``python -m chaos.stack reset``: remove what an interrupted run left behind."""

import argparse
import json
import sys

from chaos.stack import leftovers
from chaos.stack.lock import StackBusyError, StackLock


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the requested command."""
    parser = argparse.ArgumentParser(prog="python -m chaos.stack", description=__doc__)
    parser.add_argument(
        "command", choices=["reset"], help="reset: end leftover processes and namespaces"
    )
    parser.parse_args(argv)

    # A reset while another run holds the stack would tear that run down, so it waits its turn.
    lock = StackLock()
    try:
        lock.acquire()
    except StackBusyError as error:
        print(f"reset: {error}", file=sys.stderr)
        return 1
    try:
        removed = leftovers.remove_leftovers()
    finally:
        lock.release()
    print(json.dumps(removed, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
